/*
 * The kiosk: what the child sees at the door. Every screen state goes through this seam.
 *
 * kiosk.c is the front: it owns the state machine shared by every backend (return to idle
 * after idle_return_ms, night blanking by schedule, the clock on the idle screen redrawn at
 * most once a second, the offline badge) and calls a backend's draw() only when what is on
 * screen must change. Backends only draw a complete screen state:
 *   - kiosk_term.c  UTF-8 terminal (service and development use; rendered in tmux by tests)
 *   - kiosk_fb.c    Linux framebuffer with FreeType (the door screen)
 *   - "none"        draws nothing
 *
 * Contract with the tap loop: kiosk_show() is called after the tap's feedback was given
 * (which is after its journal commit); it must never block a tap for long and never fail a
 * tap: a backend error is logged and the kiosk carries on.
 */
#ifndef KIUM_FIRMWARE_KIOSK_H
#define KIUM_FIRMWARE_KIOSK_H

#include <stdbool.h>
#include <stdint.h>

enum kiosk_screen {
	KIOSK_IDLE = 0,       /* center name, date and clock, "카드를 대 주세요" */
	KIOSK_ARRIVAL,        /* masked name, 등원, time */
	KIOSK_DEPARTURE,      /* masked name, 하원, time */
	KIOSK_DUPLICATE,      /* 이미 찍었어요 */
	KIOSK_UNKNOWN_CARD,   /* 등록되지 않은 카드입니다 — 선생님께 알려주세요 */
	KIOSK_READER_FAULT,   /* the card reader is not answering */
	KIOSK_JOURNAL_FULL,   /* taps cannot be recorded: tell staff */
	KIOSK_BLANK,          /* night blanking: nothing drawn, backlight off where possible */
	KIOSK_SCREEN_COUNT,
};

struct kiosk_state {
	enum kiosk_screen screen;
	char name[96];        /* masked display name, UTF-8 (e.g. "김*수"); "" when none */
	int64_t tap_wall_ms;  /* the tap's wall time (arrival/departure/duplicate), UTC ms */
	int64_t now_wall_ms;  /* for the clock on the idle screen, UTC ms */
	bool offline;         /* the hub could not be reached lately */
	unsigned waiting;     /* taps journaled and not yet acknowledged by the hub */
	char center_name[96]; /* e.g. "노원구 우리동네키움센터 15호점" */
};

struct kiosk_config {
	const char *backend;      /* "terminal", "framebuffer" or "none" */
	const char *tty;          /* terminal: where to draw; NULL or "" for stdout */
	const char *fb_device;    /* framebuffer: /dev/fb0, or a regular file (tests) */
	int fb_width, fb_height;  /* file-backed framebuffer only: geometry of the file */
	int fb_bpp;               /* file-backed framebuffer only: 16 or 32 */
	int rotation;             /* 0, 90, 180, 270 (board profile) */
	const char *font;         /* path of a TrueType/OpenType font with Hangul */
	const char *center_name;
	int idle_return_ms;       /* back to idle this long after a tap screen (default 4000) */
	const char *blank;        /* night blanking "HH:MM-HH:MM" Seoul time, or "" for never */
};

struct kiosk;

/* A backend: a table of function pointers, filled with designated initializers. */
struct kiosk_backend_ops {
	const char *name;
	/* Returns 0 and *priv, or a negative errno after logging why (missing font, bad format). */
	int (*open)(const struct kiosk_config *cfg, void **priv);
	/* Draws the whole state. 0 or negative errno (logged by the backend). */
	int (*draw)(void *priv, const struct kiosk_state *st);
	void (*close)(void *priv);
};

extern const struct kiosk_backend_ops kiosk_term_ops;
extern const struct kiosk_backend_ops kiosk_fb_ops;

/* Opens the configured backend. If it cannot open (e.g. no framebuffer), logs and falls back
 * to "none" so that taps are never blocked by a screen; *out is always set on return 0. */
int kiosk_open(const struct kiosk_config *cfg, struct kiosk **out);
void kiosk_close(struct kiosk *k);

/* A tap or fault screen; st->screen must not be KIOSK_IDLE/BLANK (use kiosk_tick). The front
 * stamps now and the badge from its own state. */
void kiosk_show(struct kiosk *k, enum kiosk_screen screen, const char *name, int64_t tap_wall_ms);
/* The offline badge: called by the uplink whenever its view changes. */
void kiosk_set_offline(struct kiosk *k, bool offline, unsigned waiting);
/* Persistent faults (reader gone, journal full) hold their screen until cleared. */
void kiosk_set_fault(struct kiosk *k, enum kiosk_screen fault, bool on);
/* Called by the main loop at least once a second (and after any wakeup): returns to idle
 * when a tap screen has been shown long enough, blanks/unblanks by schedule, redraws the
 * clock when the displayed minute changed. Returns ms until it next needs a tick. */
int kiosk_tick(struct kiosk *k);
/* What is on screen now (tests, --status). */
void kiosk_current(const struct kiosk *k, struct kiosk_state *st);

/* Additions (additive to the seam above). */

/* Opens the front over a given backend table (tests, custom backends); ops NULL means "none".
 * If ops->open fails it falls back to "none" like kiosk_open. */
int kiosk_open_ops(const struct kiosk_config *cfg, const struct kiosk_backend_ops *ops,
		   struct kiosk **out);
/* The backend actually in use: "terminal", "framebuffer", "none"... */
const char *kiosk_backend_name(const struct kiosk *k);
/* Draws that failed since open (the backend logged each one). */
unsigned kiosk_draw_errors(const struct kiosk *k);
/* "idle", "arrival", ... for logs and --status. */
const char *kiosk_screen_name(enum kiosk_screen s);
/* Parses a blanking schedule "HH:MM-HH:MM" (Seoul time, 00:00..23:59; the span may run over
 * midnight, e.g. "22:00-06:30"). NULL or "" means never: 0 with both set to -1. Otherwise 0 and
 * minutes of the day [from, to), or -EINVAL (nothing logged) for anything else, including an
 * empty span such as "07:00-07:00". */
int kiosk_blank_parse(const char *s, int *from_min, int *to_min);
/* Whether minute_of_day (0..1439) falls in [from, to), wrapping over midnight. */
bool kiosk_blank_active(int from_min, int to_min, int minute_of_day);

#endif
