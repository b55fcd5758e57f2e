/*
 * Internals shared by the SQLite store's files (store_sqlite.c: handle, schema, facilities,
 * children, devices; store_cards.c: cards and roster; store_taps.c: taps and attendance;
 * store_tokens.c: API tokens). Nothing outside hub/store includes this.
 */
#ifndef KIUM_HUB_STORE_INT_H
#define KIUM_HUB_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "hub/store/store.h"

/* Statements prepared once, on first use, and kept for the handle's life. */
enum store_stmt_id {
	SS_FACILITY_ADD,
	SS_FACILITY_GET,
	SS_CHILD_ADD,
	SS_CHILD_GET,
	SS_DEVICE_ADD,
	SS_DEVICE_GET,
	SS_DEVICE_REVOKE,
	SS_DEVICE_TOUCH,
	SS_DEVICE_STATUS,
	SS_DEVICE_SEQ_SET,
	SS_TAP_INSERT,
	SS_TAP_HELD,
	SS_CARD_CHILD,
	SS_TOKEN_GET,
	/* notifications (store_notify.c) */
	SS_NOTIFY_TARGETS,
	SS_NOTIFY_PUT,
	/* statistics rollups (store_stats.c) */
	SS_STATS_CARD,
	SS_STATS_CHILD_TAP,
	SS_STATS_CHILD_GET,
	SS_STATS_CHILD_FIX,
	SS_STATS_DAY_ADD,
	SS_STATS_DAYS,
	SS_STATS_USERS,
	SS_STATS_DATA_VERSION,
	/* each child's day of taps (store_visits.c) */
	SS_VISIT_TAP,
	SS_COUNT
};

struct store_stats_cache;

#define STORE_CACHED_MAX 32

struct store {
	sqlite3 *db;
	bool in_tx; /* a store_begin transaction is open */
	bool group; /* a store_group_begin transaction: store_tx_* are savepoints in it */
	sqlite3_stmt *stmt[SS_COUNT];
	struct store_stats_cache *stats; /* store_stats.c: rollups pending in the open batch */
	struct {
		char *text;                      /* the SQL: the key */
		sqlite3_stmt *s;
	} cached[STORE_CACHED_MAX];              /* store_cached */
};

/* store_stats.c: write the facility-day rollups the open batch accumulated (store_commit
 * calls it before COMMIT); forget them and what the batch saw (rollback); free (close). */
int store_stats_flush(struct store *st);
void store_stats_discard(struct store *st);
void store_stats_cache_free(struct store *st);

/* The schema version this program writes, and store_open that migrates only up to version
 * (tests: a database as an older release left it). */
int store_schema_latest(void);
int store_open_at(const char *path, int version, struct store **out);

/* The cached statement id, prepared from sql the first time; reset with bindings cleared.
 * NULL after logging when preparing fails. */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id, const char *sql);
/* Prepares a one-off statement (caller finalizes). NULL after logging. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);
/* A statement compiled once per store and kept (hot paths: the booking rush compiled its
 * SQL on every request). Found by its text, so SQL built in a buffer works too. Give it
 * back with store_release (reset, bindings cleared), never sqlite3_finalize. Not for a
 * statement that may be in use by a caller up the stack. Falls back to store_prepare's
 * behaviour when the cache is full (store_release finalizes). */
sqlite3_stmt *store_cached(struct store *st, const char *sql);
void store_release(struct store *st, sqlite3_stmt *s);
/* Steps a statement that returns no rows: 0, -EEXIST (unique), -ENOENT (foreign key),
 * -EINVAL (other constraint), -EBUSY, -EIO; logs unexpected failures with what. */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what);
/* Maps a sqlite3_step result that was neither ROW nor DONE to an errno, logging it. */
int store_step_error(struct store *st, int rc, const char *what);
/* Runs sql (no parameters). 0 or -EIO/-EBUSY after logging. */
int store_exec(struct store *st, const char *sql, const char *what);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK for a store-internal multi-statement write;
 * -EBUSY when a store_begin transaction is already open. */
int store_tx_begin(struct store *st);
int store_tx_commit(struct store *st);
void store_tx_rollback(struct store *st);

/* Cards (store_cards.c), inside a transaction the caller opened: the facility's roster version
 * bumped (*version the new one; -ENOENT unknown facility), and a card made active for child
 * under a freshly bumped version. */
int store_roster_bump(struct store *st, const char *facility, int64_t *version);
int store_card_insert(struct store *st, const char *hex, const struct store_child *child,
		      int64_t now_ms);

/* Grows a result array *v of elem-sized items: to first items, then doubling. 0, or -ENOMEM
 * leaving *v and *cap as they were (the caller still frees *v). */
int store_grow(void **v, size_t *cap, size_t elem, size_t first);

/* Fills one zeroed element from the current row of s; 0, or a negative errno that aborts. */
typedef int (*store_row_fn)(sqlite3_stmt *s, void *elem);
/* Collects the rows of s (parameters bound) into a new array of elem-sized items grown with
 * store_grow from first: *out (caller frees) and *n, NULL and 0 on error. Always finalizes s;
 * a NULL s is -EIO. -ENOMEM, fill's error, or store_step_error's (logged with what). For
 * elements that own no memory. */
int store_collect(struct store *st, sqlite3_stmt *s, size_t elem, size_t first,
		  store_row_fn fill, const char *what, void **out, size_t *n);

/* Compares table (kept incrementally) with its recomputation: creates temp.ref with the
 * column declarations cols, runs fill (SQL that fills temp.ref from scratch), and sets *diff
 * to the rows that differ either way (0: they agree). Reads only; temp.ref is dropped. */
int store_compare_rebuilt(struct store *st, const char *table, const char *cols,
			  const char *fill, size_t *diff);

/* Copies a text column into buf (truncating; "" for NULL). */
void store_col_text(sqlite3_stmt *s, int col, char *buf, size_t len);

/* Value checks shared by the store's files. */
bool store_code_valid(const char *s);        /* 1..15 of [A-Z0-9] */
bool store_short_valid(const char *s);       /* 1..31 of [A-Za-z0-9_] */
bool store_text_valid(const char *s, size_t max); /* UTF-8, no controls, 1..max-1 bytes */

#endif
