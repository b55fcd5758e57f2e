/*
 * The store's side of notifications (issue 7; store_notify.c, schema migration 8): the
 * outbox with its delivery state and idempotency keys, who is to be told about a child's
 * tap, and parents' notification preferences. Conventions as in store.h (0 or -errno,
 * caller frees lists, values bound as parameters).
 *
 * The outbox row's lifecycle: pending (next_ms says when it is due) -> delivered or failed
 * (done_ms). Each row carries an idempotency key, unique in the table: the same event for the
 * same recipient can be queued only once, and the key never changes, so a resend after a
 * crash carries the same key and the provider drops it as a repeat.
 */
#ifndef KIUM_HUB_STORE_NOTIFY_H
#define KIUM_HUB_STORE_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/store/store.h"

#define STORE_IDEM_KEY_MAX 65     /* 8..64 characters, with NUL */

/* Which kinds of message a parent receives; no row means every one is on. */
struct store_notify_prefs {
	bool arrival, departure, booking, waitlist_offer, missing_departure;
	int64_t changed_ms;                  /* 0: never set (the defaults) */
};

/* A message to queue. */
struct store_outbox_new {
	const char *recipient;     /* an account id, or a phone number (digits) */
	const char *template_code; /* 1..31 of [A-Za-z0-9_] */
	const char *params;        /* a JSON object */
	const char *idem_key;      /* NULL: a random key is made */
	const char *facility;      /* the facility it is about (scopes the admin listing); NULL */
	const char *pref;          /* NULL, or a notify_prefs column that must be on for an
				    * account recipient ("booking", "waitlist_offer", ...) */
};

/* Queues m, due at once. 0 when written; 1 when a row with the same key already exists or
 * the recipient's preferences turn it off (nothing written). Joins an open transaction. */
int store_outbox_put(struct store *st, const struct store_outbox_new *m, int64_t now_ms);

/* The confirmed guardians of the child holding card uid (lower-case hex) at at_ms (else at
 * fallback_ms) whose preference column pref is on, with the child and facility names. */
struct store_notify_target {
	char parent[STORE_ACCOUNT_ID_MAX];
	char child[STORE_ID_MAX];
	char child_name[STORE_NAME_MAX];     /* full name: mask it before it leaves the hub */
	char facility_name[STORE_NAME_MAX];
};
/* Fills at most cap targets; *n how many. Prepared once per handle (the ingest path). */
int store_notify_card_targets(struct store *st, const char *uid, const char *facility,
			      int64_t at_ms, int64_t fallback_ms, const char *pref,
			      struct store_notify_target *out, size_t cap, size_t *n);
/* The same for a known child. */
int store_notify_child_targets(struct store *st, const char *child, const char *facility,
			       const char *pref, struct store_notify_target *out, size_t cap,
			       size_t *n);

/* ---- delivery (the worker's handle) ---- */
struct store_outbox_row {
	int64_t id;
	char recipient[STORE_EMAIL_MAX];
	char template_code[STORE_SHORT_MAX];
	char *params;                        /* JSON text, freed by store_outbox_rows_free */
	char state[STORE_SHORT_MAX];
	char idem_key[STORE_IDEM_KEY_MAX];
	char facility[STORE_FACILITY_CODE_MAX];
	int attempts;
	int64_t created_ms, next_ms, done_ms;
	int last_status;                     /* HTTP status of the last try, 0 for none */
	char last_error[64];
	bool scrubbed;
};
/* Pending rows with next_ms <= now_ms, soonest first, at most limit. */
int store_outbox_due(struct store *st, int64_t now_ms, size_t limit,
		     struct store_outbox_row **out, size_t *n);
/* One try's outcome. state "pending" (retry at next_ms) or "delivered"/"failed" (done at
 * now_ms; params, when not NULL, replace the stored ones: the scrubbed copy). Only a pending
 * row changes (-ENOENT otherwise). */
int store_outbox_mark(struct store *st, int64_t id, const char *state, int attempts,
		      int64_t next_ms, int http_status, const char *error, const char *params,
		      int64_t now_ms);
/* Deletes delivered and failed rows done before before_ms; *n how many. */
int store_outbox_prune(struct store *st, int64_t before_ms, size_t *n);

/* The admin listing: no params. district: NULL for all, else rows of facilities of that
 * district; state/template NULL for any; before_id 0 for the newest; limit 1..500. */
struct store_outbox_filter {
	const char *district, *state, *template_code;
	int64_t before_id;
	size_t limit;
};
int store_outbox_query(struct store *st, const struct store_outbox_filter *f,
		       struct store_outbox_row **out, size_t *n);
/* Pending rows, and rows delivered and failed since since_ms (index range scans only, so
 * that /metrics stays cheap however much the retention keeps). */
int store_outbox_counts(struct store *st, int64_t since_ms, int64_t counts[3]);
void store_outbox_rows_free(struct store_outbox_row *v, size_t n);

/* ---- preferences ---- */
int store_notify_prefs_get(struct store *st, const char *parent, struct store_notify_prefs *out);
int store_notify_prefs_set(struct store *st, const char *parent,
			   const struct store_notify_prefs *p, int64_t now_ms);

/* The confirmed children of a parent, oldest link first (at most 64). Caller frees. */
int store_parent_children(struct store *st, const char *parent, struct store_child **out,
			  size_t *n);

#endif
