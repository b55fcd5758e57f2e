/*
 * kiumctl's internals: argument handling shared by its command files (main.c: dispatch,
 * init, tokens; ctl_device.c: readers; ctl_org.c: facilities, children, cards, attendance).
 * Exit codes: 0 success, 1 failure (message names what was wrong), 2 usage.
 */
#ifndef KIUM_KIUMCTL_CTL_H
#define KIUM_KIUMCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2
#define CTL_MAX_ARGS 32

struct store;

/* A command's arguments: positionals, then "--name value" options and "--flag"s. */
struct ctl_args {
	const char *pos[CTL_MAX_ARGS];
	size_t n_pos;
	const char *opt_name[CTL_MAX_ARGS];
	const char *opt_value[CTL_MAX_ARGS];
	size_t n_opt;
};

/* Splits argv. with_value: NULL-terminated option names taking a value; flags: names
 * without one. Returns -EINVAL after printing a usage message for anything else. */
int ctl_args_parse(int argc, char **argv, const char *const *with_value,
		   const char *const *flags, struct ctl_args *out);
/* The last value of --name, or NULL. */
const char *ctl_opt(const struct ctl_args *a, const char *name);
bool ctl_flag(const struct ctl_args *a, const char *name);
/* Every value of a repeated option, in order, into out (max entries); returns the count. */
size_t ctl_opt_all(const struct ctl_args *a, const char *name, const char **out, size_t max);

/* Prints "kiumctl: ..." to stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error and returns CTL_EXIT_USAGE. */
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens DATA/hub.db; prints why on failure. Caller closes. */
int ctl_store_open(const char *data, struct store **st);

int ctl_device(const char *data, int argc, char **argv);
int ctl_facility(const char *data, int argc, char **argv);
int ctl_child(const char *data, int argc, char **argv);
int ctl_card(const char *data, int argc, char **argv);
int ctl_attendance(const char *data, int argc, char **argv);
/* ctl_account.c: portal accounts (create-city-admin, unlock, list). */
int ctl_account(const char *data, int argc, char **argv);
/* ctl_import.c: facilities from CSV with a verification report. */
int ctl_import(const char *data, int argc, char **argv);
/* ctl_stats.c: statistics rollups (rebuild, check). */
int ctl_stats(const char *data, int argc, char **argv);

#endif
