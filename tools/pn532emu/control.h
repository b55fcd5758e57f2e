/*
 * The control socket: a Unix stream socket on which tests (and people) place and remove
 * cards and inject faults, one command per line, one reply line per command ("ok ..." or
 * "err <reason>"). Several clients may be connected at once; lines are capped at
 * EMU_CONTROL_LINE_MAX bytes. The protocol is documented in tools/pn532emu/README.md.
 */
#ifndef KIUM_EMU_CONTROL_H
#define KIUM_EMU_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_CONTROL_LINE_MAX 256
#define EMU_CONTROL_CLIENTS_MAX 16
#define EMU_CONTROL_REPLY_MAX 2048

struct emu;

/* What the control protocol asks of the program around the chip (main.c). */
struct emu_control_ops {
	/* 0, or -errno: the pty is closed and the link removed; with replug_after_ms >= 0 it
	 * comes back by itself after that long, else on replug. */
	int (*unplug)(void *ctx, int64_t replug_after_ms);
	int (*replug)(void *ctx);     /* 0, or -errno; a new pty behind the same link */
	bool (*unplugged)(void *ctx);
	void (*quit)(void *ctx);      /* asks the event loop to stop */
};

struct emu_control;

/* Executes one command line (no newline) and writes the one-line reply (no newline) into
 * reply. ops may be NULL (then unplug, replug and quit answer err). */
void emu_control_exec(struct emu *e, const struct emu_control_ops *ops, void *ctx,
		      const char *line, char *reply, size_t len, int64_t now_ms);

/* Listens on path (a stale socket there is replaced). Returns NULL on failure (logged).
 * The caller frees with emu_control_free, which also unlinks path. */
struct emu_control *emu_control_new(const char *path, struct emu *e,
				    const struct emu_control_ops *ops, void *ctx);
void emu_control_free(struct emu_control *c);
/* Fills pfd with the listening socket and the clients; returns how many (<= max). */
size_t emu_control_pollfds(const struct emu_control *c, struct pollfd *pfd, size_t max);
/* Handles the revents of the entries emu_control_pollfds filled. */
void emu_control_handle(struct emu_control *c, const struct pollfd *pfd, size_t n, int64_t now_ms);

#endif
