/* Feedback front: picks the backend by name and holds the patterns. See feedback.h. */
#include "firmware/feedback.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct feedback {
	const struct feedback_ops *ops;
	void *priv;
};

static const char *const feedback_names[FEEDBACK_RESULT_COUNT] = {
	"arrival", "departure", "duplicate", "unknown", "journal_full", "reader_fault",
};

/* G = green, R = red, B = buzzer, D = door relay (held separately for relay_ms). */
const struct feedback_step feedback_patterns[FEEDBACK_RESULT_COUNT][FEEDBACK_STEPS_MAX] = {
	/* one short beep, green for 1.5 s, door opens */
	[FEEDBACK_ARRIVAL] = { { .green = 1, .buzzer = 1, .relay = 1, .ms = 100 },
			       { .green = 1, .ms = 1400 } },
	/* two short beeps, green for 1.5 s, door opens */
	[FEEDBACK_DEPARTURE] = { { .green = 1, .buzzer = 1, .relay = 1, .ms = 70 },
				 { .green = 1, .ms = 70 },
				 { .green = 1, .buzzer = 1, .ms = 70 },
				 { .green = 1, .ms = 1290 } },
	/* green blinks twice, no beep: already recorded */
	[FEEDBACK_DUPLICATE] = { { .green = 1, .ms = 200 }, { .ms = 150 }, { .green = 1, .ms = 200 } },
	/* red 1.5 s with three beeps: not registered */
	[FEEDBACK_UNKNOWN] = { { .red = 1, .buzzer = 1, .ms = 100 }, { .red = 1, .ms = 100 },
			       { .red = 1, .buzzer = 1, .ms = 100 }, { .red = 1, .ms = 100 },
			       { .red = 1, .buzzer = 1, .ms = 100 }, { .red = 1, .ms = 1000 } },
	/* long beep, red blinking: cannot record, tell staff */
	[FEEDBACK_JOURNAL_FULL] = { { .red = 1, .buzzer = 1, .ms = 800 }, { .ms = 200 },
				    { .red = 1, .ms = 200 }, { .ms = 200 }, { .red = 1, .ms = 200 },
				    { .ms = 200 }, { .red = 1, .ms = 200 } },
	/* red and green together, slowly, silent */
	[FEEDBACK_READER_FAULT] = { { .red = 1, .green = 1, .ms = 500 }, { .ms = 500 },
				    { .red = 1, .green = 1, .ms = 500 } },
};

const char *feedback_result_name(enum feedback_result r)
{
	return (unsigned)r < FEEDBACK_RESULT_COUNT ? feedback_names[r] : "?";
}

int feedback_open(const struct feedback_config *cfg, struct feedback **out)
{
	const struct feedback_ops *ops = NULL;

	*out = NULL;
	if (!cfg->backend || !strcmp(cfg->backend, "none"))
		ops = NULL;
	else if (!strcmp(cfg->backend, "record"))
		ops = &feedback_record_ops;
	else if (!strcmp(cfg->backend, "gpiod"))
		ops = &feedback_gpiod_ops;
	else {
		log_err("[feedback] backend = '%s' is not gpiod, record or none", cfg->backend);
		return -EINVAL;
	}
	return feedback_open_ops(ops, cfg, out);
}

int feedback_open_ops(const struct feedback_ops *ops, const struct feedback_config *cfg,
		      struct feedback **out)
{
	struct feedback *f;
	int ret;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->ops = ops;
	if (ops) {
		ret = ops->open(cfg, &f->priv);
		if (ret < 0) {
			free(f);
			return ret;
		}
	}
	*out = f;
	return 0;
}

void feedback_close(struct feedback *f)
{
	if (!f)
		return;
	if (f->ops)
		f->ops->close(f->priv);
	free(f);
}

int feedback_give(struct feedback *f, enum feedback_result r, uint64_t seq, const uint8_t *uid,
		  uint8_t uid_len)
{
	if (!f->ops)
		return 0;
	return f->ops->give(f->priv, r, seq, uid, uid_len);
}
