/* The recording feedback backend: one line per feedback event, for tests and benchmarks. */
#include "firmware/feedback.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct feedback_record {
	int fd;
	char *path;
};

static int feedback_record_open(const struct feedback_config *cfg, void **priv)
{
	struct feedback_record *r;

	if (!cfg->record_path || !*cfg->record_path) {
		log_err("[feedback] record_path is required with backend = record");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(cfg->record_path))) {
		free(r);
		return -ENOMEM;
	}
	r->fd = open(cfg->record_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (r->fd < 0) {
		int err = errno;

		log_err("feedback record file %s: cannot open: %s", cfg->record_path, strerror(err));
		free(r->path);
		free(r);
		return -err;
	}
	*priv = r;
	return 0;
}

static int feedback_record_give(void *priv, enum feedback_result res, uint64_t seq,
				const uint8_t *uid, uint8_t uid_len)
{
	struct feedback_record *r = priv;
	char hex[2 * TAP_UID_MAX + 1] = "-", line[128];
	int n;

	if (uid && uid_len)
		tap_uid_format(uid, uid_len, hex, sizeof(hex));
	n = snprintf(line, sizeof(line), "%" PRId64 " %s %" PRIu64 " %s\n", clock_mono_ms(),
		     feedback_result_name(res), seq, hex);
	if (write(r->fd, line, (size_t)n) != n) {
		int err = errno ? errno : EIO;

		log_err("feedback record file %s: cannot write: %s", r->path, strerror(err));
		return -err;
	}
	return 0;
}

static void feedback_record_close(void *priv)
{
	struct feedback_record *r = priv;

	if (!r)
		return;
	close(r->fd);
	free(r->path);
	free(r);
}

const struct feedback_ops feedback_record_ops = {
	.name = "record",
	.open = feedback_record_open,
	.give = feedback_record_give,
	.close = feedback_record_close,
};
