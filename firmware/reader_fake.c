/*
 * The scripted fake reader ("fake:PATH"), for unit tests and the power-cut test. The script is
 * read once at open; each poll() plays the next line:
 *
 *   place UIDHEX     a card is placed (poll returns 1)
 *   idle             nothing new (poll returns 0 at once)
 *   sleep MS         nothing new, after waiting MS (interruptible)
 *   fault            the reader answers garbage (poll returns -EIO)
 *   unplug N         the reader is gone: poll returns -ENODEV and the next N opens fail
 *   loop             start again from the first line
 *   # comment
 *
 * After the last line poll waits poll_ms and returns 0, like an idle reader. The position in
 * the script survives close/open of the same path (a reopen after a fault goes on where it
 * was), since one process drives one fake reader at a time.
 */
#include "firmware/reader.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define FAKE_LINES_MAX 100000

struct fake_line {
	char op[8];
	char arg[32];
};

static struct {
	char path[512];
	size_t pos;
	int failing_opens;
} fake_resume;

struct reader_fake {
	struct fake_line *lines;
	size_t n;
	int poll_ms;
	int efd;
};

static int fake_load(struct reader_fake *f, const char *path)
{
	FILE *fp = fopen(path, "re");
	char buf[256];
	int lineno = 0, ret = 0;

	if (!fp) {
		ret = -errno;
		log_err("fake reader script %s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(buf, sizeof(buf), fp)) {
		struct fake_line l = { { 0 }, { 0 } };
		int k;

		lineno++;
		k = sscanf(buf, "%7s %31s", l.op, l.arg);
		if (k < 1 || l.op[0] == '#')
			continue;
		if (strcmp(l.op, "place") && strcmp(l.op, "idle") && strcmp(l.op, "sleep") &&
		    strcmp(l.op, "fault") && strcmp(l.op, "unplug") && strcmp(l.op, "loop")) {
			log_err("fake reader script %s:%d: unknown line '%s'", path, lineno, l.op);
			ret = -EINVAL;
			break;
		}
		if (f->n == FAKE_LINES_MAX) {
			log_err("fake reader script %s: more than %d lines", path, FAKE_LINES_MAX);
			ret = -E2BIG;
			break;
		}
		if (f->n % 64 == 0) {
			struct fake_line *nl = realloc(f->lines, (f->n + 64) * sizeof(*nl));

			if (!nl) {
				ret = -ENOMEM;
				break;
			}
			f->lines = nl;
		}
		f->lines[f->n++] = l;
	}
	fclose(fp);
	return ret;
}

static void fake_close(void *priv)
{
	struct reader_fake *f = priv;

	if (!f)
		return;
	if (f->efd >= 0)
		close(f->efd);
	free(f->lines);
	free(f);
}

static int fake_open(const struct reader_options *opt, void **priv)
{
	const char *path = opt->connstring + 5;
	struct reader_fake *f;
	int ret;

	if (strcmp(fake_resume.path, path) != 0) {
		snprintf(fake_resume.path, sizeof(fake_resume.path), "%s", path);
		fake_resume.pos = 0;
		fake_resume.failing_opens = 0;
	}
	if (fake_resume.failing_opens > 0) {
		fake_resume.failing_opens--;
		log_err("fake reader %s: cannot open: No such device", path);
		return -ENODEV;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->poll_ms = opt->poll_ms;
	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = f->efd < 0 ? -errno : fake_load(f, path);
	if (ret < 0) {
		fake_close(f);
		return ret;
	}
	*priv = f;
	return 0;
}

/* Sleeps ms unless interrupted. */
static void fake_sleep(struct reader_fake *f, int ms)
{
	struct pollfd p = { .fd = f->efd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) > 0 && read(f->efd, &v, sizeof(v)) < 0)
		v = 0;
}

static int fake_poll(void *priv, struct reader_card *card)
{
	struct reader_fake *f = priv;
	const struct fake_line *l;

	if (fake_resume.pos >= f->n) {
		fake_sleep(f, f->poll_ms);
		return 0;
	}
	l = &f->lines[fake_resume.pos++];
	if (!strcmp(l->op, "place")) {
		if (tap_uid_parse(l->arg, card->uid, &card->uid_len) < 0) {
			log_err("fake reader: '%s' is not a UID", l->arg);
			return -EINVAL;
		}
		return 1;
	}
	if (!strcmp(l->op, "sleep")) {
		fake_sleep(f, atoi(l->arg));
		return 0;
	}
	if (!strcmp(l->op, "fault")) {
		log_warn("fake reader: garbage from the reader");
		return -EIO;
	}
	if (!strcmp(l->op, "unplug")) {
		fake_resume.failing_opens = atoi(l->arg);
		log_warn("fake reader: unplugged");
		return -ENODEV;
	}
	if (!strcmp(l->op, "loop"))
		fake_resume.pos = 0;
	return 0;
}

static void fake_interrupt(void *priv)
{
	struct reader_fake *f = priv;
	uint64_t one = 1;

	if (write(f->efd, &one, sizeof(one)) < 0)
		one = 0;
}

const struct reader_ops reader_fake_ops = {
	.name = "fake",
	.open = fake_open,
	.poll = fake_poll,
	.interrupt = fake_interrupt,
	.close = fake_close,
};
