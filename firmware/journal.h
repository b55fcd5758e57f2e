/*
 * The tap journal: every tap the reader decides is committed here (SQLite, WAL,
 * synchronous=FULL) before any feedback is given, and stays until the hub has acknowledged it.
 *
 * Promises:
 *   - journal_append assigns the next per-device sequence number inside the same transaction
 *     as the row, so a sequence number is never reused, across crashes and restarts;
 *   - a tap is never overwritten or dropped before the hub acknowledged it: when the journal
 *     holds `capacity` taps it prunes acknowledged ones (oldest first), and when every tap is
 *     still pending it refuses new taps (-ENOSPC) rather than lose one;
 *   - the schema carries its version (PRAGMA user_version) and is migrated at open.
 *
 * Threads: one handle may be shared by the tap loop and the uplink thread; every call takes
 * the handle's mutex. A second handle on the same file is also fine (WAL, busy timeout).
 * The tap decision's per-card and per-child state live in the same database, updated in the
 * tap's transaction, so debounce and arrival/departure alternation survive restarts.
 */
#ifndef KIUM_FIRMWARE_JOURNAL_H
#define KIUM_FIRMWARE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/tap.h"
#include "common/uidhash.h"

#define JOURNAL_CHILD_ID_MAX 64

struct journal;

struct journal_options {
	const char *path;   /* SQLite file; created with its directory's permissions */
	long capacity;      /* taps kept at most (pending + acknowledged); >= 1 */
	int warn_percent;   /* warn when pending taps reach this share of capacity (80) */
	bool read_only;     /* --dump-journal: no migration, no writes */
};

/* 0 and *out, or a negative errno after logging what is wrong with which file (missing
 * directory, not writable, not a database, schema newer than this program). */
int journal_open(const struct journal_options *opt, struct journal **out);
void journal_close(struct journal *j);

/* The last recorded tap of one card (by UID hash), for the debounce window. */
struct journal_card_last {
	uint64_t seq;
	int64_t wall_ms;
	int64_t mono_ms;
	char boot_id[TAP_BOOT_ID_MAX];
	enum tap_result result;
};
/* 1 and *out when the card has a recorded tap, 0 when not, negative errno on error. */
int journal_card_last(struct journal *j, const char *uidhash, struct journal_card_last *out);
/* The direction of the child's last tap on that Seoul day: TAP_DIR_NONE when none. */
int journal_child_dir(struct journal *j, const char *child_id, int64_t day, enum tap_dir *dir);

/* Commits one tap: assigns tap->seq, stores the row, the card's last tap and (when child_id
 * is not NULL) the child's direction for `day`. Returns 0 only after COMMIT succeeded;
 * -ENOSPC when the journal is full (nothing written), another negative errno on I/O error
 * (nothing written either: the transaction is rolled back). */
int journal_append(struct journal *j, struct tap *tap, const char *uidhash, const char *child_id,
		   int64_t day);

/* The uplink's side. Pending taps are those with seq > the acknowledged sequence. */
/* Up to max pending taps with seq > after, in sequence order, into out[]; *n set. */
int journal_pending(struct journal *j, uint64_t after, struct tap *out, size_t max, size_t *n);
/* The hub holds every tap up to seq: they may be pruned. Acks never move backwards and
 * never beyond the last assigned sequence (-EINVAL). */
int journal_ack(struct journal *j, uint64_t seq);

struct journal_usage {
	uint64_t last_seq;   /* highest sequence ever assigned (0: none) */
	uint64_t acked_seq;  /* hub holds everything up to here */
	uint64_t pending;    /* last_seq - acked_seq */
	uint64_t rows;       /* taps stored (pending + acknowledged not yet pruned) */
	long capacity;
	bool warn;           /* pending >= warn_percent of capacity */
	bool full;           /* pending >= capacity: new taps are refused */
	uint64_t set_aside;  /* taps the hub refused for their content, kept for staff */
};
int journal_usage(struct journal *j, struct journal_usage *u);

/* The hub holds tap seq as rejected (reason: its stable code, e.g. "bad_uid"): the tap is
 * kept, never pruned, marked with the reason (--dump-journal shows it), and counted. A seq
 * no longer in the journal is ignored. 0 or negative errno. */
int journal_set_aside(struct journal *j, uint64_t seq, const char *reason);

/* Folds the WAL into the database file when nothing is in the way (called while idle so that
 * no tap pays for a checkpoint). 0 or negative errno. */
int journal_checkpoint(struct journal *j);

/* SQLite's heap in this process, every connection together (journal, checkpointer, roster
 * caches): bytes now and the high-water mark. For the memory figures of `make bench`. */
void journal_sqlite_memory(int64_t *now, int64_t *peak);

/* Every stored tap as one JSON line (common/tap.h codec), in sequence order. */
int journal_dump(struct journal *j, FILE *out);

#endif
