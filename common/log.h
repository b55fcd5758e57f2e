/*
 * Logging for both daemons and the tools: one line per event on stderr (or a file after
 * log_reopen), in a form journald understands: under systemd ("JOURNAL_STREAM" set) each
 * line starts with a syslog priority prefix such as "<3>"; elsewhere with a UTC timestamp.
 * Never log secrets, tokens, passwords or a child's personal data.
 */
#ifndef KIUM_COMMON_LOG_H
#define KIUM_COMMON_LOG_H

enum log_level {
	KLOG_ERR = 3,
	KLOG_WARNING = 4,
	KLOG_NOTICE = 5,
	KLOG_INFO = 6,
	KLOG_DEBUG = 7,
};

/* ident names the program ("kium-hub"); lines above max_level are dropped. */
void log_init(const char *ident, int max_level);
void log_set_level(int max_level);
/* Parses "error", "warning", "notice", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *name);
/* Sends further lines to path (appending), or back to stderr when path is NULL. Used on
 * SIGHUP so that rotated log files are let go. Returns 0 or -errno (logging stays as it was). */
int log_reopen(const char *path);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(KLOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(KLOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(KLOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(KLOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(KLOG_DEBUG, __VA_ARGS__)

#endif
