/*
 * A client for pn532-emu's control socket, for scripts:
 *
 *   nfc_ctl SOCKET LINE...    sends each LINE, prints each reply line
 *
 * Exits 0 when every reply starts with "ok", 1 when one starts with "err", 2 on a connection
 * problem. Gives up after 5 s without a reply.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: nfc_ctl SOCKET LINE...\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("nfc_ctl: connect");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		char reply[4096];
		size_t n = 0;

		if (dprintf(fd, "%s\n", argv[i]) < 0) {
			ret = 2;
			break;
		}
		while (n + 1 < sizeof(reply)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			ssize_t r;

			if (poll(&p, 1, 5000) <= 0 || (r = read(fd, reply + n, 1)) <= 0) {
				fprintf(stderr, "nfc_ctl: no reply to \"%s\"\n", argv[i]);
				close(fd);
				return 2;
			}
			if (reply[n++] == '\n')
				break;
		}
		reply[n] = '\0';
		fputs(reply, stdout);
		if (strncmp(reply, "ok", 2) != 0 && ret == 0)
			ret = 1;
	}
	close(fd);
	return ret;
}
