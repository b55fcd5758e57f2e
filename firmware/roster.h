/*
 * The roster: the facility's active cards, so that the reader gives the right feedback with
 * no network at all. Kept in its own SQLite file (the cache), filled from a roster file now
 * and from the hub later. It maps a keyed UID hash (common/uidhash.h) to a child id and a
 * masked display name ("김*수"); raw UIDs of registered children are never stored.
 *
 * Roster file (UTF-8 text, one record a line, at most ROSTER_LINE_MAX bytes a line):
 *
 *   kium-roster 1                      first non-comment line: format and version
 *   facility NWUK015                   must be the reader's facility
 *   version 17                         optional: the hub's roster version
 *   card <uidhash> <child id> <name>   uidhash: 32 hex digits, as uidhash_compute gives
 *   uid <UID hex> <child id> <name>    a raw UID (4/7/10 bytes), hashed at import
 *   # comment, and blank lines
 *
 * A child id is 1..63 of [A-Za-z0-9._-]; the name is the rest of the line (1..95 bytes of
 * valid UTF-8, no control characters). Names that are not masked yet are masked at import
 * (roster_mask_name). A file with any bad line is refused as a whole, naming the line, and
 * the cache keeps the roster it had.
 */
#ifndef KIUM_FIRMWARE_ROSTER_H
#define KIUM_FIRMWARE_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "common/uidhash.h"

#define ROSTER_LINE_MAX 512
#define ROSTER_ENTRIES_MAX 100000
#define ROSTER_CHILD_ID_MAX 64
#define ROSTER_NAME_MAX 96
#define ROSTER_FACILITY_MAX 32

struct roster_entry {
	char uidhash[UIDHASH_HEX_LEN + 1];
	char child_id[ROSTER_CHILD_ID_MAX];
	char name[ROSTER_NAME_MAX];
};

struct roster_parse_info {
	char facility[ROSTER_FACILITY_MAX];
	int64_t version;       /* -1 when the file has none */
	size_t entries;
	int error_line;        /* 0 when the error is not about one line */
	char error[160];       /* why the file was refused */
};

/* Called once per record; a negative return stops parsing and is returned. */
typedef int (*roster_entry_fn)(void *user, const struct roster_entry *e);

/* Parses a roster file held in memory. `facility` is the reader's facility code: the file
 * must name it, and `uid` lines are hashed with it. 0, or -EINVAL with info->error (and
 * info->error_line) set. Logs nothing: the caller names the file. */
int roster_parse(const char *buf, size_t len, const char *facility, roster_entry_fn fn,
		 void *user, struct roster_parse_info *info);

/* "김민수" -> "김*수", "김수" -> "김*", "Mina" -> "M**a"; a name containing '*' is kept.
 * out has ROSTER_NAME_MAX bytes. */
void roster_mask_name(const char *name, char *out, size_t outlen);

struct roster;

/* Opens (creating) the cache. 0 or negative errno, logged with the path. */
int roster_open(const char *cache_path, const char *facility, struct roster **out);
void roster_close(struct roster *r);

/* Replaces the cached roster with a file's content in one transaction. 0, or negative errno
 * after logging "roster file PATH:LINE: why" (the cache is left as it was). */
int roster_import_file(struct roster *r, const char *path);

/* Applies a roster delta from the hub, as GET /api/v1/device/roster answers it:
 *   {"facility":"NWUK015","version":V,"full":bool,
 *    "cards":[{"uidhash":H,"child":ID,"display":"김*수"},...],"removed":[H,...]}
 * in one transaction: full replaces the cache, otherwise cards are upserted and removed
 * hashes deleted; the version is stored. Every field is checked first (facility, hashes,
 * child ids, names; names not yet masked are masked); a bad delta changes nothing and
 * returns -EINVAL after logging why. */
struct json_t;
int roster_apply_hub(struct roster *r, const struct json_t *delta);

/* 1 and *out when the hash is an active card, 0 when unknown, negative errno on error. */
int roster_lookup(struct roster *r, const char *uidhash, struct roster_entry *out);
/* Number of cards cached and the roster version (-1: none). */
int roster_stats(struct roster *r, size_t *cards, int64_t *version);

#endif
