/*
 * The terminal kiosk backend: draws each screen state as one frame of UTF-8 text with ANSI
 * escapes on a terminal (a tty path, or stdout). Used in service and development, and by the
 * tests, which render it in tmux and read it back with capture-pane.
 *
 * Every frame clears the screen and is written with one write(), so a frame is never
 * interleaved with another. A tty path is opened non-blocking: a terminal that does not read
 * loses frames rather than hold up a tap.
 */
#include "firmware/kiosk.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TERM_FRAME_MAX 2048

struct kiosk_term {
	int fd;
	bool own_fd;
	char where[128];
};

static int term_open(const struct kiosk_config *cfg, void **priv)
{
	struct kiosk_term *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	if (cfg->tty && *cfg->tty) {
		t->fd = open(cfg->tty, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (t->fd < 0) {
			int err = errno;

			log_err("kiosk terminal %s: cannot open: %s", cfg->tty, strerror(err));
			free(t);
			return -err;
		}
		t->own_fd = true;
		snprintf(t->where, sizeof(t->where), "%s", cfg->tty);
	} else {
		t->fd = STDOUT_FILENO;
		snprintf(t->where, sizeof(t->where), "stdout");
	}
	*priv = t;
	return 0;
}

struct term_frame {
	char buf[TERM_FRAME_MAX];
	size_t n;
};

static void term_put(struct term_frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void term_put(struct term_frame *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (f->n >= sizeof(f->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(f->buf + f->n, sizeof(f->buf) - f->n, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->n = f->n + (size_t)n < sizeof(f->buf) ? f->n + (size_t)n : sizeof(f->buf) - 1;
}

/* Colours: green for recorded taps, yellow for a duplicate, red for problems. */
#define TERM_GREEN "\033[1;32m"
#define TERM_YELLOW "\033[1;33m"
#define TERM_RED "\033[1;31m"
#define TERM_DIM "\033[2m"
#define TERM_RESET "\033[0m"

static void term_body(struct term_frame *f, const struct kiosk_state *st)
{
	char hhmm[6] = "", day[11] = "";

	switch (st->screen) {
	case KIOSK_IDLE:
		clock_day_format(clock_seoul_day(st->now_wall_ms), day, sizeof(day));
		clock_seoul_hhmm(st->now_wall_ms, hhmm, sizeof(hhmm));
		term_put(f, "    %s  %s\r\n\r\n", day, hhmm);
		term_put(f, "    카드를 대 주세요\r\n");
		break;
	case KIOSK_ARRIVAL:
	case KIOSK_DEPARTURE:
		clock_seoul_hhmm(st->tap_wall_ms, hhmm, sizeof(hhmm));
		term_put(f, TERM_GREEN "    %s\r\n\r\n    %s  %s" TERM_RESET "\r\n\r\n", st->name,
			 st->screen == KIOSK_ARRIVAL ? "등원" : "하원", hhmm);
		term_put(f, "    %s\r\n", st->screen == KIOSK_ARRIVAL ? "어서 오세요!" :
			 "안녕히 가세요!");
		break;
	case KIOSK_DUPLICATE:
		term_put(f, TERM_YELLOW "    %s\r\n\r\n    이미 찍었어요" TERM_RESET "\r\n", st->name);
		break;
	case KIOSK_UNKNOWN_CARD:
		term_put(f, TERM_RED "    등록되지 않은 카드입니다" TERM_RESET "\r\n\r\n");
		term_put(f, "    선생님께 알려주세요\r\n");
		break;
	case KIOSK_READER_FAULT:
		term_put(f, TERM_RED "    카드 리더기가 응답하지 않습니다" TERM_RESET "\r\n\r\n");
		term_put(f, "    선생님께 알려주세요\r\n");
		break;
	case KIOSK_JOURNAL_FULL:
		term_put(f, TERM_RED "    출결을 기록할 수 없습니다" TERM_RESET "\r\n\r\n");
		term_put(f, "    선생님께 알려주세요\r\n");
		break;
	default:
		break;
	}
}

static int term_draw(void *priv, const struct kiosk_state *st)
{
	struct kiosk_term *t = priv;
	struct term_frame f = { .n = 0 };
	ssize_t w;

	/* Home, clear, hide the cursor. */
	term_put(&f, "\033[H\033[2J\033[?25l");
	if (st->screen != KIOSK_BLANK) {
		term_put(&f, "\r\n  %s\r\n", st->center_name);
		if (st->offline)
			term_put(&f, TERM_DIM "  오프라인 · 전송 대기 %u건" TERM_RESET "\r\n",
				 st->waiting);
		else
			term_put(&f, "\r\n");
		term_put(&f, "\r\n\r\n");
		term_body(&f, st);
	}
	w = write(t->fd, f.buf, f.n);
	if (w < 0) {
		log_warn("kiosk terminal %s: cannot draw: %s", t->where, strerror(errno));
		return -errno;
	}
	return 0;
}

static void term_close(void *priv)
{
	struct kiosk_term *t = priv;
	static const char restore[] = "\033[?25h";
	ssize_t w;

	if (!t)
		return;
	w = write(t->fd, restore, sizeof(restore) - 1);
	(void)w; /* a terminal that is gone needs no cursor back */
	if (t->own_fd)
		close(t->fd);
	free(t);
}

const struct kiosk_backend_ops kiosk_term_ops = {
	.name = "terminal",
	.open = term_open,
	.draw = term_draw,
	.close = term_close,
};
