/*
 * The gpiod feedback backend (libgpiod 1.6 API): green LED, red LED, buzzer and an optional
 * door relay. give() only hands the pattern to a player thread, so a tap never waits for a
 * beep to end; a new pattern replaces the one playing. The relay is held for relay_ms from
 * the first step that asks for it.
 */
#include "firmware/feedback.h"
#include "common/log.h"

#include <errno.h>
#include <gpiod.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { LINE_GREEN, LINE_RED, LINE_BUZZER, LINE_RELAY, LINE_COUNT };
static const char *const gpio_line_names[LINE_COUNT] = { "green", "red", "buzzer", "relay" };

struct feedback_gpiod {
	struct gpiod_chip *chip;
	struct gpiod_line *line[LINE_COUNT];
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int pattern;      /* -1: none pending */
	int relay_ms;
	char chip_name[64];
};

static int64_t gpio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void gpio_set(struct feedback_gpiod *g, int which, bool on)
{
	if (g->line[which] && gpiod_line_set_value(g->line[which], on ? 1 : 0) < 0)
		log_warn("gpio %s line %s: cannot set: %s", g->chip_name, gpio_line_names[which],
			 strerror(errno));
}

/* Waits until deadline (monotonic ms; <0: forever) or a signal. Called with mu held. */
static void gpio_wait(struct feedback_gpiod *g, int64_t deadline)
{
	struct timespec ts;

	if (deadline < 0) {
		pthread_cond_wait(&g->cv, &g->mu);
		return;
	}
	ts.tv_sec = deadline / 1000;
	ts.tv_nsec = (deadline % 1000) * 1000000;
	pthread_cond_timedwait(&g->cv, &g->mu, &ts);
}

static void *gpio_player(void *arg)
{
	struct feedback_gpiod *g = arg;
	const struct feedback_step *steps = NULL;
	int step = 0;
	int64_t step_end = -1, relay_end = -1;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		int64_t now = gpio_now_ms(), next;

		if (g->pattern >= 0) {
			steps = feedback_patterns[g->pattern];
			g->pattern = -1;
			step = 0;
			step_end = now;
		}
		if (relay_end >= 0 && now >= relay_end) {
			gpio_set(g, LINE_RELAY, false);
			relay_end = -1;
		}
		if (steps && now >= step_end) {
			if (step < FEEDBACK_STEPS_MAX && steps[step].ms) {
				const struct feedback_step *s = &steps[step++];

				gpio_set(g, LINE_GREEN, s->green);
				gpio_set(g, LINE_RED, s->red);
				gpio_set(g, LINE_BUZZER, s->buzzer);
				if (s->relay && g->relay_ms > 0 && relay_end < 0) {
					gpio_set(g, LINE_RELAY, true);
					relay_end = now + g->relay_ms;
				}
				step_end = now + s->ms;
			} else {
				gpio_set(g, LINE_GREEN, false);
				gpio_set(g, LINE_RED, false);
				gpio_set(g, LINE_BUZZER, false);
				steps = NULL;
				step_end = -1;
			}
		}
		next = step_end;
		if (relay_end >= 0 && (next < 0 || relay_end < next))
			next = relay_end;
		gpio_wait(g, next);
	}
	pthread_mutex_unlock(&g->mu);
	for (int i = 0; i < LINE_COUNT; i++)
		gpio_set(g, i, false);
	return NULL;
}

static void feedback_gpiod_close(void *priv)
{
	struct feedback_gpiod *g = priv;

	if (!g)
		return;
	if (g->started) {
		pthread_mutex_lock(&g->mu);
		g->stop = true;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->thread, NULL);
	}
	for (int i = 0; i < LINE_COUNT; i++)
		if (g->line[i])
			gpiod_line_release(g->line[i]);
	if (g->chip)
		gpiod_chip_close(g->chip);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

static int feedback_gpiod_open(const struct feedback_config *cfg, void **priv)
{
	struct feedback_gpiod *g = NULL;
	const int offsets[LINE_COUNT] = { cfg->green, cfg->red, cfg->buzzer, cfg->relay };
	pthread_condattr_t ca;
	int ret = -ENOMEM;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	g->pattern = -1;
	g->relay_ms = cfg->relay_ms;
	snprintf(g->chip_name, sizeof(g->chip_name), "%s", cfg->chip ? cfg->chip : "");
	if (!cfg->chip || !*cfg->chip) {
		log_err("[feedback] chip is required with backend = gpiod (see the board profile)");
		ret = -EINVAL;
		goto out;
	}
	g->chip = gpiod_chip_open_lookup(cfg->chip);
	if (!g->chip) {
		ret = -errno ? -errno : -ENODEV;
		log_err("gpio chip %s: cannot open: %s", cfg->chip, strerror(-ret));
		goto out;
	}
	for (int i = 0; i < LINE_COUNT; i++) {
		int flags = cfg->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

		if (offsets[i] < 0)
			continue;
		g->line[i] = gpiod_chip_get_line(g->chip, (unsigned)offsets[i]);
		if (!g->line[i] ||
		    gpiod_line_request_output_flags(g->line[i], "kium-reader", flags, 0) < 0) {
			ret = -errno ? -errno : -EIO;
			log_err("gpio chip %s line %d (%s): cannot request as output: %s", cfg->chip,
				offsets[i], gpio_line_names[i], strerror(-ret));
			g->line[i] = NULL;
			goto out;
		}
	}
	ret = -pthread_create(&g->thread, NULL, gpio_player, g);
	if (ret < 0) {
		log_err("gpio: cannot start the pattern player: %s", strerror(-ret));
		goto out;
	}
	g->started = true;
	*priv = g;
	g = NULL;
	ret = 0;
out:
	feedback_gpiod_close(g);
	return ret;
}

static int feedback_gpiod_give(void *priv, enum feedback_result r, uint64_t seq,
			       const uint8_t *uid, uint8_t uid_len)
{
	struct feedback_gpiod *g = priv;

	(void)seq;
	(void)uid;
	(void)uid_len;
	pthread_mutex_lock(&g->mu);
	g->pattern = (int)r;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	return 0;
}

const struct feedback_ops feedback_gpiod_ops = {
	.name = "gpiod",
	.open = feedback_gpiod_open,
	.give = feedback_gpiod_give,
	.close = feedback_gpiod_close,
};
