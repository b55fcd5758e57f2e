/*
 * A TCP proxy on loopback that spoils connections on purpose, for the uplink's fault tests.
 *
 *   faultproxy LISTEN_PORT_FILE TARGET_PORT MODE_FILE
 *
 * Listens on 127.0.0.1 (an ephemeral port, written to LISTEN_PORT_FILE once listening) and
 * forwards each connection to 127.0.0.1:TARGET_PORT. Before each event it reads MODE_FILE (one
 * line; missing file = "pass"); a new mode applies to new connections and to open ones alike,
 * its byte count starting when the mode was set:
 *   pass              forward both ways untouched
 *   reset N           after N bytes from the server, reset both sides (RST)
 *   stall N           after N bytes from the server, swallow whatever else it sends (the
 *                     sockets stay open: the client waits for an answer that never comes)
 *   drop N            after N bytes from the server, close both sides quietly (FIN): the
 *                     client gets a truncated answer
 *   refuse            close new client connections at once, reset open ones
 * On a kept-alive connection the next bytes from the server are an HTTP answer, so a small N
 * spoils an answer to a request the hub has already acted on. Every fault that really fires
 * appends "MODE fired" to MODE_FILE.log, so tests can tell that it was exercised.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 64

struct pair {
	int c, s;       /* client and server sockets, -1 when closed */
	char mode[16];
	long limit;     /* bytes from the server before the fault */
	long from_server;
	int spoiled;
};

static struct pair pairs[MAXC];
static char cur_mode[16] = "pass";
static long cur_limit;
static const char *mode_file;

/* Re-reads the mode file; a change re-arms every open connection. */
static void read_mode(void)
{
	FILE *f = fopen(mode_file, "r");
	char m[16] = "pass";
	long limit = 0;

	if (f) {
		if (fscanf(f, "%15s %ld", m, &limit) < 1)
			snprintf(m, sizeof(m), "pass");
		fclose(f);
	}
	if (strcmp(m, cur_mode) == 0 && limit == cur_limit)
		return;
	snprintf(cur_mode, sizeof(cur_mode), "%s", m);
	cur_limit = limit;
	for (int i = 0; i < MAXC; i++) {
		snprintf(pairs[i].mode, sizeof(pairs[i].mode), "%s", m);
		pairs[i].limit = limit;
		pairs[i].from_server = 0;
		pairs[i].spoiled = 0;
	}
}

static void fired(const char *mode)
{
	char log[4200];
	FILE *l;

	snprintf(log, sizeof(log), "%s.log", mode_file);
	l = fopen(log, "a");
	if (l) {
		fprintf(l, "%s fired\n", mode);
		fclose(l);
	}
}

static void close_pair(struct pair *p, int rst)
{
	if (rst) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		if (p->c >= 0)
			setsockopt(p->c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (p->s >= 0)
			setsockopt(p->s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (p->c >= 0)
		close(p->c);
	if (p->s >= 0)
		close(p->s);
	p->c = p->s = -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int lfd, one = 1, target;
	FILE *pf;

	if (argc != 4) {
		fprintf(stderr, "usage: faultproxy LISTEN_PORT_FILE TARGET_PORT MODE_FILE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	target = atoi(argv[2]);
	mode_file = argv[3];
	for (int i = 0; i < MAXC; i++)
		pairs[i].c = pairs[i].s = -1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		perror("faultproxy: listen");
		return 1;
	}
	pf = fopen(argv[1], "w");
	if (!pf)
		return 1;
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);

	for (;;) {
		struct pollfd fds[1 + 2 * MAXC];
		int map[1 + 2 * MAXC];
		int n = 0;

		fds[n].fd = lfd;
		fds[n].events = POLLIN;
		map[n++] = -1;
		for (int i = 0; i < MAXC; i++) {
			if (pairs[i].c < 0)
				continue;
			fds[n].fd = pairs[i].c;
			fds[n].events = POLLIN;
			map[n++] = i;
			fds[n].fd = pairs[i].s;
			fds[n].events = POLLIN;
			map[n++] = i;
		}
		if (poll(fds, (nfds_t)n, 50) < 0 && errno != EINTR)
			return 1;
		read_mode();
		if (strcmp(cur_mode, "refuse") == 0)
			for (int i = 0; i < MAXC; i++)
				if (pairs[i].c >= 0) {
					fired("refuse");
					close_pair(&pairs[i], 1);
				}
		if (fds[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL), slot = -1;

			for (int i = 0; i < MAXC && c >= 0; i++)
				if (pairs[i].c < 0) {
					slot = i;
					break;
				}
			if (c >= 0 && slot < 0) {
				close(c);
			} else if (c >= 0) {
				struct pair *p = &pairs[slot];
				struct sockaddr_in t = { .sin_family = AF_INET };

				memset(p, 0, sizeof(*p));
				p->c = c;
				p->s = socket(AF_INET, SOCK_STREAM, 0);
				snprintf(p->mode, sizeof(p->mode), "%s", cur_mode);
				p->limit = cur_limit;
				if (strcmp(p->mode, "refuse") == 0)
					fired("refuse");
				t.sin_port = htons((uint16_t)target);
				t.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
				if (strcmp(p->mode, "refuse") == 0 ||
				    connect(p->s, (struct sockaddr *)&t, sizeof(t)) < 0)
					close_pair(p, 1);
			}
		}
		for (int k = 1; k < n; k++) {
			struct pair *p = &pairs[map[k]];
			int from_server, to;
			char buf[16384];
			ssize_t r, off = 0;

			if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR)) || p->c < 0)
				continue;
			from_server = fds[k].fd == p->s;
			if (fds[k].fd != p->c && fds[k].fd != p->s)
				continue;
			r = read(fds[k].fd, buf, sizeof(buf));
			if (r <= 0) {
				close_pair(p, 0);
				continue;
			}
			to = from_server ? p->c : p->s;
			if (from_server && strcmp(p->mode, "pass") != 0) {
				long room = p->limit - p->from_server;

				if (room <= 0 || p->spoiled) {
					if (strcmp(p->mode, "stall") != 0)
						close_pair(p, strcmp(p->mode, "reset") == 0);
					continue; /* stall: swallow */
				}
				if (r > room) {
					r = room;
					p->spoiled = 1;
					fired(p->mode);
				}
				p->from_server += r;
			}
			while (off < r) {
				ssize_t w = write(to, buf + off, (size_t)(r - off));

				if (w <= 0)
					break;
				off += w;
			}
			if (p->spoiled && strcmp(p->mode, "stall") != 0)
				close_pair(p, strcmp(p->mode, "reset") == 0);
		}
	}
}
