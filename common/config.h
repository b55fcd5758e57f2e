/*
 * INI configuration (inih underneath) with a declared key table per program, so that
 * --help documents every key and a misspelt key is an error naming file and line rather
 * than a silently ignored setting.
 *
 *   static const struct config_key keys[] = {
 *       { "journal", "path", "/var/lib/kium/journal.db", "SQLite journal file" },
 *       { NULL },
 *   };
 *   struct config *cfg;
 *   if (config_load(path, keys, &cfg) < 0) ...   // caller frees with config_free
 */
#ifndef KIUM_COMMON_CONFIG_H
#define KIUM_COMMON_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config_key {
	const char *section;
	const char *key;
	const char *def; /* NULL: no default (optional unless a program says otherwise) */
	const char *help;
};

struct config;

/* Loads path and checks every key against keys. 0, or a negative errno after logging
 * what is wrong (missing file, syntax error at line N, unknown key at line N). */
int config_load(const char *path, const struct config_key *keys, struct config **out);
/* An empty configuration holding only the defaults (tests, tools). */
int config_new_defaults(const struct config_key *keys, struct config **out);
void config_free(struct config *cfg);

/* Overrides or adds one value after loading (command-line options, board profiles). */
int config_set(struct config *cfg, const char *section, const char *key, const char *value);

/* The value, the key's default, or NULL. The pointer lives as long as cfg. */
const char *config_get(const struct config *cfg, const char *section, const char *key);
/* A value that must be present: logs "[section] key is required" and returns NULL. */
const char *config_require(const struct config *cfg, const char *section, const char *key);
/* Integer in [min, max]; logs and returns -EINVAL when present but malformed or out of range.
 * An absent key without default gives def. */
int config_get_int(const struct config *cfg, const char *section, const char *key, long def,
		   long min, long max, long *out);
int config_get_bool(const struct config *cfg, const char *section, const char *key, bool def,
		    bool *out);
/* Where the value came from, for messages: "FILE:LINE" or "default". */
const char *config_origin(const struct config *cfg, const char *section, const char *key);

/* Prints the key table as --help text. */
void config_print_help(FILE *out, const struct config_key *keys);

#endif
