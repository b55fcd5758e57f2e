/*
 * Notifications to parents and sign-ups (알림톡), the domain's side (issue 7):
 *   - the template table: a stable code per message kind (the outbox's `template` column
 *     and the provider's template code), its Korean text with #{variable} placeholders,
 *     which preference turns it off, whether it goes to a phone number or an account, and
 *     which parameters are secret (scrubbed from the row once the message is done);
 *   - rendering, idempotency keys, the retry schedule, and reading the provider's answer
 *     (pure functions: tests and fuzz targets call them directly);
 *   - the events: a stored tap (notify_on_tap, called by the ingest inside its transaction)
 *     and the missing-departure sweep (notify_sweep_missing, run by the delivery worker).
 * Delivery itself (libcurl, a thread) is hub/notify/worker.c; the request it sends is
 * documented in hub/api/NOTIFY.md.
 */
#ifndef KIUM_HUB_DOMAIN_NOTIFY_H
#define KIUM_HUB_DOMAIN_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tap.h"
#include "hub/store/store.h"
#include "hub/store/store_notify.h"

#define NOTIFY_KEY_LEN 38          /* "kium-" + 32 hex, with NUL */
#define NOTIFY_TEXT_MAX 1000       /* 알림톡 allows 1000 characters; we cap bytes */
/* A tap older than this when the hub receives it is not announced (a reader that was offline
 * for hours would otherwise send "arrived at 15:01" in the evening): the default of
 * notify_set_tap_max_age ([notify] tap_max_age_min). */
#define NOTIFY_TAP_MAX_AGE_MS (2LL * 3600 * 1000)

enum notify_to {
	NOTIFY_TO_ACCOUNT = 0,     /* recipient is an account id: its phone at delivery */
	NOTIFY_TO_PHONE,           /* recipient is a phone number (digits) */
};

struct notify_template {
	const char *code;          /* "arrival", "booking_approved", ... (stable) */
	const char *title;         /* Korean, for the admin listing */
	const char *text;          /* Korean, with #{var} placeholders */
	const char *pref;          /* store_notify_prefs column, or NULL: always sent */
	enum notify_to to;
	const char *secret[3];     /* params scrubbed once done; NULL-terminated */
};

extern const struct notify_template notify_templates[];
extern const size_t notify_ntemplates;
/* NULL for an unknown code. */
const struct notify_template *notify_template_find(const char *code);

/* Renders t's text with vars (a JSON object: strings and integers as they are, arrays of
 * strings joined with ", "). 0, -EINVAL when a placeholder has no value, -ENOSPC when the
 * text does not fit in len (at most NOTIFY_TEXT_MAX + 1 used). */
int notify_render(const struct notify_template *t, const json_t *vars, char *out, size_t len);
/* The variables t's text uses, with their values from vars (what the provider receives in
 * "params": nothing else of the row). New reference or NULL. */
json_t *notify_template_vars(const struct notify_template *t, const json_t *vars);
/* A copy of params (JSON text) with t's secret parameters replaced by "***": malloc'd text,
 * or NULL on allocation failure. params that do not parse give "{}". */
char *notify_scrub(const struct notify_template *t, const char *params);

/* The idempotency key of an event: "kium-" + 32 lower-case hex of BLAKE2b-128 over
 * event_key ("tap/R1/12/mom01"). The same event always gives the same key. */
void notify_event_key(const char *event_key, char out[NOTIFY_KEY_LEN]);

/* The wait before try number `attempt` + 1 after `attempt` failed tries (attempt >= 1):
 * d = min(cap, base * 2^(attempt-1)), then "equal jitter": d/2 + rnd % (d/2 + 1). rnd is a
 * random 32-bit value (tests pass fixed ones). */
int64_t notify_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd);

/* The provider's answer, read from status, its Retry-After header (or NULL) and body. */
enum notify_verdict {
	NOTIFY_DELIVERED = 0,      /* 2xx */
	NOTIFY_RETRY,              /* 408, 425, 429, 5xx, or no answer (status 0) */
	NOTIFY_FAILED,             /* every other status: will never succeed as sent */
};
struct notify_answer {
	enum notify_verdict verdict;
	int64_t retry_after_ms;    /* from Retry-After (delta seconds), 0 when absent */
	char provider_id[64];      /* 2xx body {"id": "..."}: printable ASCII, else "" */
	char error[64];            /* non-2xx body {"error":{"code":"..."}} or {"error":"..."},
				    * [A-Za-z0-9_.-] only; else "http_<status>" */
};
/* Never fails on odd input (bounded: the body is read up to 16 KiB). */
void notify_answer_parse(long status, const char *retry_after, const char *body, size_t len,
			 struct notify_answer *out);

/* Preferences as JSON: {"arrival":true,...,"changed_ms":0}. New reference. */
json_t *notify_prefs_json(const struct store_notify_prefs *p);
/* Applies a PUT body (a JSON object of booleans, any subset of the five keys) to *p.
 * -EINVAL with *why ("bad_json", "not_an_object", "unknown_key", "not_a_boolean"). */
int notify_prefs_apply(const char *body, size_t len, struct store_notify_prefs *p,
		       const char **why);

/* Sets the age (received - tap time) past which notify_on_tap announces nothing; ms > 0,
 * else the default. Process-wide: call at start, before the ingest runs. Returns the value
 * in force before. */
int64_t notify_set_tap_max_age(int64_t ms);

/* The ingest hook: called for each tap just stored (inside the batch's transaction).
 * Arrival and departure taps of a card held by a child (at time_ms, else at received_ms)
 * queue one message per confirmed guardian whose preference allows it, keyed by
 * (device, seq, guardian). Unknown cards, stale taps (notify_set_tap_max_age) and children
 * without guardians cost one indexed query and write nothing. 0 or a store error (the
 * caller rolls the batch back). */
int notify_on_tap(struct store *st, const char *device_id, const char *facility,
		  const struct tap *t, int64_t time_ms, enum store_time_flag flag,
		  int64_t received_ms);

/* The missing-departure sweep of the Seoul days of now_ms and the day before: for each day
 * whose closing time (the term's close_min, else default_close_min) plus grace_min has
 * passed, less than window_ms ago, every child whose last tap of the day at a facility is an
 * arrival gets one message per guardian (key: child, day, guardian: once, whatever how often
 * it runs). *queued: messages written. */
struct notify_sweep_opts {
	int default_close_min;     /* when no term covers the day */
	int grace_min;
	int64_t window_ms;
};
int notify_sweep_missing(struct store *st, int64_t now_ms, const struct notify_sweep_opts *o,
			 size_t *queued);

/* Adds what a template needs but a row may lack (booking rows carry ids): "name" (the
 * child's masked name), "facility_name", "kind_name", "deadline" (Seoul "MM/DD HH:MM"). */
int notify_enrich(struct store *st, json_t *vars);

#endif
