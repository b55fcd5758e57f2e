/*
 * Feedback at the door: LEDs, buzzer and door relay (libgpiod), or a recorder for tests.
 *
 * Contract with the tap loop: feedback_give() is called only after the tap's journal
 * transaction committed (or, for a duplicate, after the earlier tap's commit was read back),
 * so a child never sees "recorded" for a tap that is not. It never blocks for long: the gpiod
 * backend plays its pattern on its own thread, the recorder appends one line.
 *
 * The recorder's line, one per feedback event, written with a single write():
 *   <monotonic_ms> <result> <seq> <uid>
 * result: arrival departure duplicate unknown journal_full reader_fault; seq: the tap's
 * sequence (a duplicate gives the sequence of the tap it repeats; 0 when none); uid: lower-case
 * hex, or "-" when there is no card (reader fault).
 */
#ifndef KIUM_FIRMWARE_FEEDBACK_H
#define KIUM_FIRMWARE_FEEDBACK_H

#include <stdbool.h>
#include <stdint.h>

enum feedback_result {
	FEEDBACK_ARRIVAL = 0,
	FEEDBACK_DEPARTURE,
	FEEDBACK_DUPLICATE,
	FEEDBACK_UNKNOWN,
	FEEDBACK_JOURNAL_FULL,
	FEEDBACK_READER_FAULT,
	FEEDBACK_RESULT_COUNT,
};

struct feedback_config {
	const char *backend;      /* "gpiod", "record" or "none" */
	const char *record_path;  /* record: file appended to */
	const char *chip;         /* gpiod: gpiochip name, path or number */
	int green, red, buzzer, relay; /* gpiod: line offsets, -1 = not wired */
	bool active_low;          /* gpiod: lines are driven low to switch on */
	int relay_ms;             /* gpiod: how long the door relay is held (0: never) */
};

/* One step of a pattern: lines on for ms. A pattern ends at a step with ms == 0. */
struct feedback_step {
	bool green, red, buzzer, relay;
	uint16_t ms;
};
#define FEEDBACK_STEPS_MAX 12
/* The pattern each result plays (gpiod backend; also documented in firmware/README.md). */
extern const struct feedback_step feedback_patterns[FEEDBACK_RESULT_COUNT][FEEDBACK_STEPS_MAX];

struct feedback_ops {
	const char *name;
	int (*open)(const struct feedback_config *cfg, void **priv);
	int (*give)(void *priv, enum feedback_result r, uint64_t seq, const uint8_t *uid,
		    uint8_t uid_len);
	void (*close)(void *priv);
};

extern const struct feedback_ops feedback_record_ops;
extern const struct feedback_ops feedback_gpiod_ops;

struct feedback;

/* Opens the configured backend: 0, or a negative errno after logging why (unknown backend,
 * record file not writable, gpiochip or line missing or busy). */
int feedback_open(const struct feedback_config *cfg, struct feedback **out);
/* Same with a given backend table (tests). */
int feedback_open_ops(const struct feedback_ops *ops, const struct feedback_config *cfg,
		      struct feedback **out);
void feedback_close(struct feedback *f);
/* 0 or negative errno (logged by the backend); a failure never undoes the tap. */
int feedback_give(struct feedback *f, enum feedback_result r, uint64_t seq, const uint8_t *uid,
		  uint8_t uid_len);

const char *feedback_result_name(enum feedback_result r);

#endif
