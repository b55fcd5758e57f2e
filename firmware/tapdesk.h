/*
 * The tap desk: what happens between a card on the reader and the child's feedback.
 *
 *   card -> UID hash -> debounce (same card within debounce_ms: duplicate, nothing written)
 *        -> roster (child or unknown card) -> direction (per child and Seoul day: first tap
 *        arrival 등원, next departure 하원, alternating) -> journal commit -> feedback -> kiosk
 *
 * Feedback is given only after the commit. When the journal refuses (full) or fails, the
 * child gets the journal-full feedback and screen, and nothing claims the tap was recorded.
 *
 * The reader loop (tapdesk_run) owns the reader: it polls, retries a failing reader, and
 * after repeated failures closes it, shows the fault on the kiosk and reopens it with
 * exponential backoff, forever, never crashing.
 */
#ifndef KIUM_FIRMWARE_TAPDESK_H
#define KIUM_FIRMWARE_TAPDESK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tap.h"
#include "firmware/feedback.h"
#include "firmware/reader.h"
#include "firmware/roster.h"

struct journal;
struct kiosk;
struct feedback;

struct tapdesk_config {
	const char *facility;      /* facility code: the UID hash key */
	int64_t debounce_ms;       /* same card again within this: duplicate (0: off) */
	int fault_after;           /* consecutive reader failures before a reopen (3) */
	int reopen_min_ms;         /* backoff between reopen attempts: from ... */
	int reopen_max_ms;         /* ... doubling up to this */
};

struct tapdesk {
	struct tapdesk_config cfg;
	struct journal *journal;   /* borrowed */
	struct roster *roster;     /* borrowed; NULL: every card is unknown */
	struct feedback *feedback; /* borrowed */
	struct kiosk *kiosk;       /* borrowed; NULL: no screen */
	char boot_id[TAP_BOOT_ID_MAX];
	bool warned_usage;
	bool journal_fault;
};

/* What one tap came to. */
struct tapdesk_outcome {
	enum feedback_result result;
	uint64_t seq;                    /* the journaled tap (for a duplicate: the earlier one) */
	enum tap_dir dir;
	char name[ROSTER_NAME_MAX];      /* masked display name, "" for unknown cards */
};

/* Sets up d (no allocation). */
int tapdesk_init(struct tapdesk *d, const struct tapdesk_config *cfg, struct journal *j,
		 struct roster *r, struct feedback *f, struct kiosk *k);

/* Decides, journals and gives feedback for one card placement. Returns 0 when the tap ended
 * in a feedback (including duplicate, unknown card and journal full), negative errno when
 * even that failed. */
int tapdesk_tap(struct tapdesk *d, const struct reader_card *card, struct tapdesk_outcome *out);

/* Called between polls (at least about once a second) by tapdesk_run. */
typedef void (*tapdesk_idle_fn)(void *user, bool had_card);

/* Runs the reader loop until *stop becomes non-zero. Returns 0 then. */
int tapdesk_run(struct tapdesk *d, const struct reader_ops *ops, const struct reader_options *ro,
		volatile sig_atomic_t *stop, tapdesk_idle_fn idle, void *user);

#endif
