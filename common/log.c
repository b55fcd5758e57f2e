/* Logging: see log.h. One lock around each line so that threads never interleave. */
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *log_ident = "kium";
static int log_max = KLOG_INFO;
static int log_journal;
static FILE *log_file; /* NULL: stderr */

static const char *const log_names[] = {
	[KLOG_ERR] = "error", [KLOG_WARNING] = "warning", [KLOG_NOTICE] = "notice",
	[KLOG_INFO] = "info", [KLOG_DEBUG] = "debug",
};

void log_init(const char *ident, int max_level)
{
	log_ident = ident;
	log_max = max_level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_level(int max_level)
{
	log_max = max_level;
}

int log_level_parse(const char *name)
{
	for (int i = KLOG_ERR; i <= KLOG_DEBUG; i++)
		if (strcmp(name, log_names[i]) == 0)
			return i;
	return -1;
}

int log_reopen(const char *path)
{
	FILE *f = NULL;

	if (path) {
		f = fopen(path, "ae");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void log_msg(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	FILE *out;

	if (level > log_max)
		return;
	if (level < KLOG_ERR)
		level = KLOG_ERR;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event, one line: a newline inside a message would forge a second entry. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	pthread_mutex_lock(&log_lock);
	out = log_file ? log_file : stderr;
	if (log_journal && !log_file) {
		fprintf(out, "<%d>%s\n", level, line);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(out, "%s.%03ldZ %s[%d] %s: %s\n", when, ts.tv_nsec / 1000000, log_ident,
			(int)getpid(), log_names[level], line);
	}
	fflush(out);
	pthread_mutex_unlock(&log_lock);
}
