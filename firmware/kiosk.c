/*
 * The kiosk front: one state machine for every backend (see kiosk.h).
 *
 * What is on screen is derived, at each call, from four inputs: a transient tap screen (shown
 * for idle_return_ms of monotonic time), the night blanking schedule (Seoul wall time), the
 * persistent faults, and the idle screen. Precedence, highest first:
 *   tap screen  >  night blanking  >  reader fault  >  journal full  >  idle
 * A tap at night wakes the screen for idle_return_ms, then it goes dark again; a fault at
 * night waits for the morning (nobody is at the door to read it). The backend draws only
 * when that derived state changes: a new screen, a new tap, the offline badge, or (on the
 * idle screen only) the displayed minute of the clock.
 *
 * Backends are chosen by name ("terminal", "framebuffer", "none"); both tables are strong
 * references, so the reader binary always links kiosk_term.o and kiosk_fb.o in.
 */
#include "firmware/kiosk.h"

#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#define KIOSK_DEFAULT_IDLE_MS 4000
#define KIOSK_MAX_TICK_MS 1000
#define KIOSK_SLOW_DRAW_MS 50

struct kiosk {
	const struct kiosk_backend_ops *ops; /* NULL: "none" */
	void *priv;
	int idle_return_ms;
	int blank_from, blank_to; /* minutes of the Seoul day, -1: never */
	char center_name[96];

	/* inputs */
	enum kiosk_screen tap_screen; /* KIOSK_IDLE: no tap screen */
	char tap_name[96];
	int64_t tap_wall_ms;
	int64_t tap_mono_ms;
	bool fault_reader, fault_journal;
	bool offline;
	unsigned waiting;

	/* output: what was last drawn */
	struct kiosk_state shown;
	bool drawn_once;
	unsigned draw_errors;
};

static const char *const kiosk_names[KIOSK_SCREEN_COUNT] = {
	[KIOSK_IDLE] = "idle",
	[KIOSK_ARRIVAL] = "arrival",
	[KIOSK_DEPARTURE] = "departure",
	[KIOSK_DUPLICATE] = "duplicate",
	[KIOSK_UNKNOWN_CARD] = "unknown-card",
	[KIOSK_READER_FAULT] = "reader-fault",
	[KIOSK_JOURNAL_FULL] = "journal-full",
	[KIOSK_BLANK] = "blank",
};

const char *kiosk_screen_name(enum kiosk_screen s)
{
	if ((int)s < 0 || s >= KIOSK_SCREEN_COUNT)
		return "?";
	return kiosk_names[s];
}

static int kiosk_two_digits(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static int kiosk_hhmm(const char *p)
{
	int h = kiosk_two_digits(p), m;

	if (h < 0 || h > 23 || p[2] != ':')
		return -1;
	m = kiosk_two_digits(p + 3);
	if (m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

int kiosk_blank_parse(const char *s, int *from_min, int *to_min)
{
	int from, to;

	*from_min = -1;
	*to_min = -1;
	if (!s || !*s)
		return 0;
	/* exactly "HH:MM-HH:MM": 11 characters; strnlen bounds the read */
	if (strnlen(s, 12) != 11 || s[5] != '-')
		return -EINVAL;
	from = kiosk_hhmm(s);
	to = kiosk_hhmm(s + 6);
	if (from < 0 || to < 0 || from == to)
		return -EINVAL;
	*from_min = from;
	*to_min = to;
	return 0;
}

bool kiosk_blank_active(int from_min, int to_min, int minute_of_day)
{
	if (from_min < 0 || to_min < 0 || from_min == to_min)
		return false;
	if (from_min < to_min)
		return minute_of_day >= from_min && minute_of_day < to_min;
	return minute_of_day >= from_min || minute_of_day < to_min;
}

/* Milliseconds since Seoul midnight of a UTC wall time (floor, also before 1970). */
static int64_t kiosk_seoul_ms_of_day(int64_t wall_ms)
{
	int64_t t = (wall_ms + CLOCK_SEOUL_OFFSET_MS) % CLOCK_DAY_MS;

	return t < 0 ? t + CLOCK_DAY_MS : t;
}

static int64_t kiosk_minute(int64_t wall_ms)
{
	int64_t t = wall_ms + CLOCK_SEOUL_OFFSET_MS;

	return t >= 0 ? t / 60000 : -((-t + 59999) / 60000);
}

static bool kiosk_is_tap_screen(enum kiosk_screen s)
{
	return s > KIOSK_IDLE && s < KIOSK_BLANK;
}

static bool kiosk_tap_active(const struct kiosk *k, int64_t now_mono)
{
	return k->tap_screen != KIOSK_IDLE && now_mono - k->tap_mono_ms < k->idle_return_ms;
}

static bool kiosk_blanked(const struct kiosk *k, int64_t now_wall)
{
	int minute = (int)(kiosk_seoul_ms_of_day(now_wall) / 60000);

	return kiosk_blank_active(k->blank_from, k->blank_to, minute);
}

/* The state that should be on screen now. */
static void kiosk_wanted(const struct kiosk *k, int64_t now_wall, int64_t now_mono,
			 struct kiosk_state *st)
{
	memset(st, 0, sizeof(*st));
	st->now_wall_ms = now_wall;
	st->offline = k->offline;
	st->waiting = k->waiting;
	snprintf(st->center_name, sizeof(st->center_name), "%s", k->center_name);
	if (kiosk_tap_active(k, now_mono)) {
		st->screen = k->tap_screen;
		snprintf(st->name, sizeof(st->name), "%s", k->tap_name);
		st->tap_wall_ms = k->tap_wall_ms;
	} else if (kiosk_blanked(k, now_wall)) {
		st->screen = KIOSK_BLANK;
	} else if (k->fault_reader) {
		st->screen = KIOSK_READER_FAULT;
	} else if (k->fault_journal) {
		st->screen = KIOSK_JOURNAL_FULL;
	} else {
		st->screen = KIOSK_IDLE;
	}
}

static bool kiosk_differs(const struct kiosk *k, const struct kiosk_state *want)
{
	const struct kiosk_state *cur = &k->shown;

	if (!k->drawn_once || cur->screen != want->screen)
		return true;
	if (want->screen == KIOSK_BLANK)
		return false;
	if (cur->offline != want->offline || cur->waiting != want->waiting)
		return true;
	if (cur->tap_wall_ms != want->tap_wall_ms || strcmp(cur->name, want->name) != 0)
		return true;
	/* the clock on the idle screen shows minutes */
	return want->screen == KIOSK_IDLE &&
	       kiosk_minute(cur->now_wall_ms) != kiosk_minute(want->now_wall_ms);
}

static int64_t kiosk_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void kiosk_draw(struct kiosk *k, const struct kiosk_state *st)
{
	int64_t t0, us;
	int rc;

	k->shown = *st;
	k->drawn_once = true;
	if (!k->ops || !k->ops->draw)
		return;
	t0 = kiosk_real_us();
	rc = k->ops->draw(k->priv, st);
	us = kiosk_real_us() - t0;
	if (rc < 0)
		k->draw_errors++;
	if (us > KIOSK_SLOW_DRAW_MS * 1000)
		log_warn("kiosk: drawing the %s screen took %lld ms", kiosk_screen_name(st->screen),
			 (long long)(us / 1000));
}

static void kiosk_refresh(struct kiosk *k, bool force)
{
	struct kiosk_state want;

	kiosk_wanted(k, clock_wall_ms(), clock_mono_ms(), &want);
	if (force || kiosk_differs(k, &want))
		kiosk_draw(k, &want);
}

static const struct kiosk_backend_ops *kiosk_lookup(const char *name, bool *known)
{
	*known = true;
	if (!name || !*name || strcmp(name, "none") == 0)
		return NULL;
	if (strcmp(name, "terminal") == 0)
		return &kiosk_term_ops;
	if (strcmp(name, "framebuffer") == 0)
		return &kiosk_fb_ops;
	*known = false;
	return NULL;
}

int kiosk_open_ops(const struct kiosk_config *cfg, const struct kiosk_backend_ops *ops,
		   struct kiosk **out)
{
	struct kiosk *k;
	int rc;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (!k) {
		log_err("kiosk: out of memory");
		return -ENOMEM;
	}
	k->idle_return_ms = cfg->idle_return_ms > 0 ? cfg->idle_return_ms : KIOSK_DEFAULT_IDLE_MS;
	snprintf(k->center_name, sizeof(k->center_name), "%s",
		 cfg->center_name ? cfg->center_name : "");
	if (kiosk_blank_parse(cfg->blank, &k->blank_from, &k->blank_to) < 0)
		log_warn("kiosk: blank schedule \"%.40s\" is not HH:MM-HH:MM (Seoul time); "
			 "the screen will not be blanked", cfg->blank);
	k->tap_screen = KIOSK_IDLE;
	if (ops && ops->open) {
		rc = ops->open(cfg, &k->priv);
		if (rc < 0) {
			log_warn("kiosk: the %s screen could not be opened (%s); running without a "
				 "screen", ops->name ? ops->name : "?", strerror(-rc));
			ops = NULL;
			k->priv = NULL;
		}
	}
	k->ops = ops;
	*out = k;
	kiosk_refresh(k, true);
	return 0;
}

int kiosk_open(const struct kiosk_config *cfg, struct kiosk **out)
{
	const struct kiosk_backend_ops *ops;
	bool known;

	ops = kiosk_lookup(cfg->backend, &known);
	if (!known)
		log_warn("kiosk: unknown backend \"%.40s\" (terminal, framebuffer or none); "
			 "running without a screen", cfg->backend);
	else if (!ops && cfg->backend && *cfg->backend && strcmp(cfg->backend, "none") != 0)
		log_warn("kiosk: the %s backend is not built in; running without a screen",
			 cfg->backend);
	return kiosk_open_ops(cfg, ops, out);
}

void kiosk_close(struct kiosk *k)
{
	if (!k)
		return;
	if (k->ops && k->ops->close)
		k->ops->close(k->priv);
	free(k);
}

const char *kiosk_backend_name(const struct kiosk *k)
{
	return k && k->ops && k->ops->name ? k->ops->name : "none";
}

unsigned kiosk_draw_errors(const struct kiosk *k)
{
	return k ? k->draw_errors : 0;
}

void kiosk_show(struct kiosk *k, enum kiosk_screen screen, const char *name, int64_t tap_wall_ms)
{
	if (!k)
		return;
	if (!kiosk_is_tap_screen(screen)) {
		log_warn("kiosk: kiosk_show called with the %s screen; ignored",
			 kiosk_screen_name(screen));
		return;
	}
	k->tap_screen = screen;
	snprintf(k->tap_name, sizeof(k->tap_name), "%s", name ? name : "");
	k->tap_wall_ms = tap_wall_ms;
	k->tap_mono_ms = clock_mono_ms();
	kiosk_refresh(k, true); /* a second tap of the same card still redraws */
}

void kiosk_set_offline(struct kiosk *k, bool offline, unsigned waiting)
{
	if (!k)
		return;
	k->offline = offline;
	k->waiting = waiting;
	kiosk_refresh(k, false);
}

void kiosk_set_fault(struct kiosk *k, enum kiosk_screen fault, bool on)
{
	if (!k)
		return;
	if (fault == KIOSK_READER_FAULT) {
		k->fault_reader = on;
	} else if (fault == KIOSK_JOURNAL_FULL) {
		k->fault_journal = on;
	} else {
		log_warn("kiosk: %s is not a persistent fault; ignored", kiosk_screen_name(fault));
		return;
	}
	kiosk_refresh(k, false);
}

int kiosk_tick(struct kiosk *k)
{
	int64_t now_wall, now_mono, next;

	if (!k)
		return KIOSK_MAX_TICK_MS;
	now_wall = clock_wall_ms();
	now_mono = clock_mono_ms();
	if (k->tap_screen != KIOSK_IDLE && !kiosk_tap_active(k, now_mono))
		k->tap_screen = KIOSK_IDLE;
	kiosk_refresh(k, false);

	/* The next change: the end of the tap screen, else the next Seoul minute (clock and
	 * blanking both change only on minute boundaries). Capped so that a stepped wall clock
	 * is noticed within a second. */
	if (k->tap_screen != KIOSK_IDLE)
		next = k->tap_mono_ms + k->idle_return_ms - now_mono;
	else
		next = 60000 - kiosk_seoul_ms_of_day(now_wall) % 60000;
	if (next > KIOSK_MAX_TICK_MS)
		next = KIOSK_MAX_TICK_MS;
	if (next < 1)
		next = 1;
	return (int)next;
}

void kiosk_current(const struct kiosk *k, struct kiosk_state *st)
{
	memset(st, 0, sizeof(*st));
	if (k)
		*st = k->shown;
}
