/* The control-socket client: see client.h. */
#include "tools/pn532emu/client.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int emu_client_send(const char *socket_path, char *const *lines, int n, int timeout_ms, FILE *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pn532-emu: socket path too long: %s\n", socket_path);
		return 2;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pn532-emu: cannot reach the emulator at %s: %m\n", socket_path);
		if (fd >= 0)
			close(fd);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char reply[4096];
		size_t len = 0;

		if (dprintf(fd, "%s\n", lines[i]) < 0) {
			ret = 2;
			break;
		}
		while (len + 1 < sizeof(reply)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			ssize_t r;

			if (poll(&p, 1, timeout_ms) <= 0 || (r = read(fd, reply + len, 1)) <= 0) {
				fprintf(stderr, "pn532-emu: no reply to \"%s\"\n", lines[i]);
				close(fd);
				return 2;
			}
			if (reply[len++] == '\n')
				break;
		}
		reply[len] = '\0';
		fputs(reply, out);
		if (strncmp(reply, "ok", 2) != 0 && ret == 0)
			ret = 1;
	}
	close(fd);
	return ret;
}
