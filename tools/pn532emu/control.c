/* Control protocol and its socket: see control.h and README.md. */
#include "tools/pn532emu/control.h"

#include "common/log.h"
#include "tools/pn532emu/emu.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_WORDS 5

struct client {
	int fd;
	size_t len;
	bool overlong; /* discarding the rest of a line that was too long */
	char buf[EMU_CONTROL_LINE_MAX];
};

struct emu_control {
	int listen_fd;
	char *path;
	struct emu *emu;
	const struct emu_control_ops *ops;
	void *ctx;
	size_t nclients;
	struct client clients[EMU_CONTROL_CLIENTS_MAX];
};

static void reply_fmt(char *reply, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_fmt(char *reply, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reply, len, fmt, ap);
	va_end(ap);
}

static void stats_reply(struct emu *e, bool unplugged, char *reply, size_t len)
{
	const struct emu_stats *s = emu_stats(e);
	const struct emu_card *card = emu_card(e);
	char uid[2 * EMU_UID_MAX + 1] = "none";
	size_t n;

	if (card)
		emu_card_uid_hex(card, uid, sizeof(uid));
	n = (size_t)snprintf(reply, len,
		"ok frames_in=%" PRIu64 " frames_out=%" PRIu64 " acks_in=%" PRIu64
		" nacks_in=%" PRIu64 " acks_out=%" PRIu64 " bad_frames=%" PRIu64
		" errors_out=%" PRIu64 " dropped_out=%" PRIu64 " errors=%" PRIu64
		" cancelled=%" PRIu64 " faults=%" PRIu64 " cards_placed=%" PRIu64
		" card=%s waiting=%d unplugged=%d",
		s->frames_in, s->frames_out, s->acks_in, s->nacks_in, s->acks_out,
		s->bad_frames, s->errors_out, s->dropped_out,
		s->bad_frames + s->errors_out + s->dropped_out, s->cancelled, s->faults,
		s->cards_placed, uid, emu_waiting(e), unplugged);
	for (int c = 0; c < 256 && n < len; c++)
		if (s->by_cmd[c])
			n += (size_t)snprintf(reply + n, len - n, " cmd_%02x=%" PRIu64, c, s->by_cmd[c]);
}

/* "fault KIND [CMD]" and "fault unplug [MS]". */
static void fault_cmd(struct emu *e, const struct emu_control_ops *ops, void *ctx,
		      bool unplugged, const char *kind, const char *arg, char *reply, size_t len)
{
	enum emu_fault f;
	char *end;
	long v = -1;

	if (arg) {
		errno = 0;
		v = strtol(arg, &end, strcmp(kind, "unplug") == 0 ? 10 : 16);
		if (errno || *end || end == arg || v < 0 ||
		    v > (strcmp(kind, "unplug") == 0 ? 3600000 : 0xFF)) {
			reply_fmt(reply, len, "err usage: fault KIND [CMD as 2 hex digits], fault unplug [MS]");
			return;
		}
	}
	if (strcmp(kind, "unplug") == 0) {
		int rc;

		if (!ops || unplugged) {
			reply_fmt(reply, len, "err %s", ops ? "already unplugged" : "not supported");
			return;
		}
		rc = ops->unplug(ctx, v);
		if (rc < 0)
			reply_fmt(reply, len, "err unplug: %s", strerror(-rc));
		else
			reply_fmt(reply, len, "ok unplugged");
		return;
	}
	if (emu_fault_parse(kind, &f) < 0) {
		reply_fmt(reply, len, "err unknown fault (garbage, noack, noresp, badcs, unplug, none)");
		return;
	}
	emu_fault_set(e, f, (int)v);
	if (v >= 0) {
		log_info("fault %s armed for command %02lX", kind, v);
		reply_fmt(reply, len, "ok fault %s %02lX", kind, v);
	} else {
		log_info("fault %s armed", kind);
		reply_fmt(reply, len, "ok fault %s", kind);
	}
}

static int split(char *s, char **w, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == max)
			return -1;
		w[n++] = t;
	}
	return n;
}

void emu_control_exec(struct emu *e, const struct emu_control_ops *ops, void *ctx,
		      const char *line, char *reply, size_t len, int64_t now_ms)
{
	char copy[EMU_CONTROL_LINE_MAX];
	char *w[MAX_WORDS];
	int n;
	bool unplugged = ops && ops->unplugged(ctx);

	if (strlen(line) >= sizeof(copy)) {
		reply_fmt(reply, len, "err line too long");
		return;
	}
	memcpy(copy, line, strlen(line) + 1);
	n = split(copy, w, MAX_WORDS);
	if (n < 0) {
		reply_fmt(reply, len, "err too many words");
	} else if (n == 0) {
		reply_fmt(reply, len, "err empty command");
	} else if (strcmp(w[0], "place") == 0) {
		struct emu_card card;
		char uid[2 * EMU_UID_MAX + 1];

		if ((n != 2 && n != 4) ||
		    emu_card_parse(w[1], n == 4 ? w[2] : NULL, n == 4 ? w[3] : NULL, &card) < 0) {
			reply_fmt(reply, len, "err usage: place UIDHEX(4, 7 or 10 bytes) [ATQA(4 hex) SAK(2 hex)]");
			return;
		}
		emu_place(e, &card, now_ms);
		emu_card_uid_hex(&card, uid, sizeof(uid));
		log_info("card %s placed (ATQA %02X%02X SAK %02X)", uid, card.atqa[0],
			 card.atqa[1], card.sak);
		reply_fmt(reply, len, "ok placed %s", uid);
	} else if (strcmp(w[0], "remove") == 0 && n == 1) {
		bool had = emu_remove(e);

		log_info("card removed%s", had ? "" : " (there was none)");
		reply_fmt(reply, len, had ? "ok removed" : "ok none");
	} else if (strcmp(w[0], "fault") == 0 && (n == 2 || n == 3)) {
		fault_cmd(e, ops, ctx, unplugged, w[1], n == 3 ? w[2] : NULL, reply, len);
	} else if (strcmp(w[0], "replug") == 0 && n == 1) {
		int rc;

		if (!ops || !unplugged) {
			reply_fmt(reply, len, "err %s", ops ? "not unplugged" : "not supported");
			return;
		}
		rc = ops->replug(ctx);
		if (rc < 0)
			reply_fmt(reply, len, "err replug: %s", strerror(-rc));
		else
			reply_fmt(reply, len, "ok replugged");
	} else if (strcmp(w[0], "stats") == 0 && n == 1) {
		stats_reply(e, unplugged, reply, len);
	} else if (strcmp(w[0], "quit") == 0 && n == 1) {
		if (!ops) {
			reply_fmt(reply, len, "err not supported");
			return;
		}
		ops->quit(ctx);
		reply_fmt(reply, len, "ok bye");
	} else if (strcmp(w[0], "place") == 0 || strcmp(w[0], "remove") == 0 ||
		   strcmp(w[0], "fault") == 0 || strcmp(w[0], "replug") == 0 ||
		   strcmp(w[0], "stats") == 0 || strcmp(w[0], "quit") == 0) {
		reply_fmt(reply, len, "err wrong number of arguments to %s", w[0]);
	} else {
		reply_fmt(reply, len, "err unknown command (place, remove, fault, replug, stats, quit)");
	}
}

struct emu_control *emu_control_new(const char *path, struct emu *e,
				    const struct emu_control_ops *ops, void *ctx)
{
	struct emu_control *c = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control socket path too long: %s", path);
		goto fail;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("control socket %s: exists and is not a socket", path);
			goto fail;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		log_err("control socket %s: %s", path, strerror(errno));
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		log_err("control socket: out of memory");
		unlink(path);
		goto fail;
	}
	c->listen_fd = fd;
	c->emu = e;
	c->ops = ops;
	c->ctx = ctx;
	return c;
fail:
	if (fd >= 0)
		close(fd);
	free(c);
	return NULL;
}

void emu_control_free(struct emu_control *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nclients; i++)
		close(c->clients[i].fd);
	close(c->listen_fd);
	unlink(c->path);
	free(c->path);
	free(c);
}

size_t emu_control_pollfds(const struct emu_control *c, struct pollfd *pfd, size_t max)
{
	size_t n = 0;

	if (max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < c->nclients && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
	return n;
}

static void accept_clients(struct emu_control *c)
{
	for (;;) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("control socket: accept: %s", strerror(errno));
			return;
		}
		if (c->nclients == EMU_CONTROL_CLIENTS_MAX) {
			static const char busy[] = "err too many clients\n";

			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		c->clients[c->nclients++] = (struct client){ .fd = fd };
	}
}

/* Sends one reply line; a client that cannot take it is dropped (returns -1). */
static int send_line(int fd, const char *reply)
{
	char line[EMU_CONTROL_REPLY_MAX + 1];
	size_t n = strlen(reply);
	ssize_t w;

	memcpy(line, reply, n);
	line[n++] = '\n';
	w = send(fd, line, n, MSG_NOSIGNAL);
	return w == (ssize_t)n ? 0 : -1;
}

/* Reads what the client sent and answers every complete line. Returns -1 to drop it. */
static int serve_client(struct emu_control *c, struct client *cl, int64_t now_ms)
{
	char in[512];
	ssize_t r = read(cl->fd, in, sizeof(in));

	if (r == 0)
		return -1;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	for (ssize_t i = 0; i < r; i++) {
		char reply[EMU_CONTROL_REPLY_MAX];

		if (in[i] != '\n') {
			if (cl->len + 1 < sizeof(cl->buf))
				cl->buf[cl->len++] = in[i];
			else
				cl->overlong = true;
			continue;
		}
		cl->buf[cl->len] = '\0';
		if (cl->overlong)
			snprintf(reply, sizeof(reply), "err line too long");
		else
			emu_control_exec(c->emu, c->ops, c->ctx, cl->buf, reply, sizeof(reply), now_ms);
		cl->len = 0;
		cl->overlong = false;
		if (send_line(cl->fd, reply) < 0)
			return -1;
	}
	return 0;
}

void emu_control_handle(struct emu_control *c, const struct pollfd *pfd, size_t n, int64_t now_ms)
{
	bool accept_now = false;
	int drop[EMU_CONTROL_CLIENTS_MAX];
	size_t ndrop = 0;

	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == c->listen_fd) {
			accept_now = true;
			continue;
		}
		for (size_t k = 0; k < c->nclients; k++) {
			if (c->clients[k].fd != pfd[i].fd)
				continue;
			if (serve_client(c, &c->clients[k], now_ms) < 0 && ndrop < EMU_CONTROL_CLIENTS_MAX)
				drop[ndrop++] = c->clients[k].fd;
			break;
		}
	}
	for (size_t d = 0; d < ndrop; d++) {
		for (size_t k = 0; k < c->nclients; k++) {
			if (c->clients[k].fd == drop[d]) {
				close(drop[d]);
				c->clients[k] = c->clients[--c->nclients];
				break;
			}
		}
	}
	if (accept_now)
		accept_clients(c);
}
