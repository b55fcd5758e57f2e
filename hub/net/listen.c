/* The listening socket: see listen.h. */
#include "hub/net/listen.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_parse(const char *spec, char *host, size_t hostlen, char *port,
			       size_t portlen)
{
	const char *colon;
	size_t hl;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - spec - 1);
		colon = end + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - spec);
	}
	if (hl >= hostlen || strlen(colon + 1) >= portlen || !colon[1])
		return -EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int listen_write_port_file(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

int listen_open(const char *listen_addr, const char *port_file, int *out_fd, int *out_port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], shown[64];
	int one = 1, fd = -1, err, rc;

	if (listen_parse(listen_addr, host, sizeof(host), port, sizeof(port)) < 0) {
		log_err("listen: [hub] listen = %s is not ADDR:PORT", listen_addr);
		return -EINVAL;
	}
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc != 0) {
		log_err("listen: cannot use listen address %s: %s", listen_addr,
			gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		log_err("listen: socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		err = -errno;
		log_err("listen: cannot listen on %s: %s", listen_addr, strerror(errno));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		err = -errno;
		goto out;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		*out_port = ntohs(s6->sin6_port);
		inet_ntop(AF_INET6, &s6->sin6_addr, shown, sizeof(shown));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		*out_port = ntohs(s4->sin_port);
		inet_ntop(AF_INET, &s4->sin_addr, shown, sizeof(shown));
	}
	log_notice("listen: listening on %s port %d", shown, *out_port);
	if (port_file && port_file[0]) {
		err = listen_write_port_file(port_file, *out_port);
		if (err < 0) {
			log_err("listen: cannot write port file %s: %s", port_file,
				strerror(-err));
			goto out;
		}
	}
	*out_fd = fd;
	fd = -1;
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
}

