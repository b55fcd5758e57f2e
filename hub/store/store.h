/*
 * The hub's store: every durable fact the hub keeps (facilities, children, cards and their
 * roster versions, devices, taps, API tokens) behind one interface, so that handlers and the
 * domain never see SQL or a database handle. The SQLite backend lives in store_sqlite.c; a
 * PostgreSQL backend can implement this same header later.
 *
 * Conventions
 *   - Every function returns 0 or a negative errno: -EINVAL (a malformed argument, nothing
 *     stored), -ENOENT (no such facility/child/device/card/token), -EEXIST (the id is taken),
 *     -EIO (the database failed; logged once where it happened), -ENOMEM.
 *   - Times are UTC milliseconds since the epoch, passed in by the caller (the clock seam).
 *   - Strings are copied; nothing returned borrows from the store unless stated. Lists are
 *     returned as one calloc'd array: the caller frees it with free().
 *   - Identifiers are validated here too (lengths, charsets), so a bad value is never stored
 *     even when a caller forgot to check. Values are always bound as SQL parameters.
 *
 * Threads: a struct store is NOT internally locked. Use each handle from one thread at a time
 * (the hub's event loop owns one). Several handles, in one process or several (kium-hub and
 * kiumctl at once), may open the same database: SQLite WAL lets readers run beside the one
 * writer, and a writer waits up to 5 s for another writer before failing with -EBUSY.
 *
 * Durability: a write returns after its transaction is committed with synchronous=FULL, so
 * an answer given to a device after a successful store call survives a power cut.
 */
#ifndef KIUM_HUB_STORE_H
#define KIUM_HUB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tap.h"
#include "common/uidhash.h"

#define STORE_FACILITY_CODE_MAX 16 /* "NWUK015" and room to grow, with NUL */
#define STORE_ID_MAX 64            /* child ids, with NUL: 1..63 of [A-Za-z0-9._-] */
#define STORE_NAME_MAX 128         /* UTF-8 names, with NUL */
#define STORE_SHORT_MAX 32         /* district/type codes, clock states, roles, with NUL */
#define STORE_VERSION_MAX 64       /* a reader's software version string, with NUL */
#define STORE_HEX_MAX 80           /* certificate serial or SHA-256 fingerprint as hex, NUL */
#define STORE_UID_HEX_MAX (2 * TAP_UID_MAX + 1)
#define STORE_TOKEN_MAX 96         /* an API token secret, with NUL */

struct store;

/* Opens (creating if needed) the database at path, sets WAL and synchronous=FULL, and brings
 * the schema to the current version, migrating older ones forward in one transaction. A
 * database written by a newer schema than this program knows is refused (-EPROTO).
 * Caller frees with store_close. */
int store_open(const char *path, struct store **out);
/* NULL-safe. */
void store_close(struct store *st);
/* How long a statement waits for another process's lock before failing with -EBUSY (store_open
 * sets 5000 ms, for tools). The hub's single-threaded loop sets a short wait, so that a tool
 * holding the write lock costs a reader a quick 503 rather than stalling every connection. */
void store_set_busy_timeout(struct store *st, int ms);
/* The schema version the database is at (after store_open: the current one). */
int store_schema_version(struct store *st);

/* ---- facilities ------------------------------------------------------------------------
 * Minimal record for now; issue 5 adds the full one (address, age groups, area, ...), which
 * the table is designed to grow into by migration. */
struct store_facility {
	char code[STORE_FACILITY_CODE_MAX];  /* "NWUK015" */
	char name[STORE_NAME_MAX];
	char district[STORE_SHORT_MAX];      /* "NW" */
	char type[STORE_SHORT_MAX];          /* "UK" */
	int64_t roster_version;              /* bumped by every card change of the facility */
};

/* code: 1..15 of [A-Z0-9]; name: valid UTF-8 without control characters. The district
 * and type are stored as given (hub/domain checks them against the code tables). */
int store_facility_add(struct store *st, const struct store_facility *f, int64_t now_ms);
int store_facility_get(struct store *st, const char *code, struct store_facility *out);
int store_facility_list(struct store *st, struct store_facility **out, size_t *n);

/* ---- children ---------------------------------------------------------------------------*/
struct store_child {
	char id[STORE_ID_MAX];
	char name[STORE_NAME_MAX];           /* full name; staff only, never logged */
	char display[STORE_NAME_MAX];        /* masked, as readers and parents' screens show it */
	char facility[STORE_FACILITY_CODE_MAX];
};

/* -ENOENT when the facility does not exist; -EEXIST when the id is taken. */
int store_child_add(struct store *st, const char *id, const char *name, const char *facility,
		    int64_t now_ms);
int store_child_get(struct store *st, const char *id, struct store_child *out);

/* The masked display name: first and last character kept, the middle starred ("김민수" ->
 * "김*수", "남궁민수" -> "남**수", "김수" -> "김*", a single character kept). Counts UTF-8
 * characters. -EINVAL for invalid UTF-8; -ENOSPC when out is too small. */
int store_name_mask(const char *name, char *out, size_t outlen);

/* ---- cards and the roster ----------------------------------------------------------------
 * A card (its UID) is assigned to one child at a time; the card belongs to the child's
 * facility. Each assignment or deactivation bumps that facility's roster_version. */

/* uid: raw bytes (4, 7 or 10). -ENOENT unknown child; -EEXIST when the card is already
 * assigned (deactivate it first); -EINVAL for a bad length. */
int store_card_assign(struct store *st, const uint8_t *uid, uint8_t uid_len,
		      const char *child_id, int64_t now_ms);
/* -ENOENT when the card is not assigned. */
int store_card_deactivate(struct store *st, const uint8_t *uid, uint8_t uid_len, int64_t now_ms);

struct store_roster_entry {
	char uidhash[UIDHASH_HEX_LEN + 1];
	char child_id[STORE_ID_MAX];
	char display[STORE_NAME_MAX];
};

struct store_roster {
	int64_t version;   /* the facility's roster version this delta brings the reader to */
	bool full;         /* true: entries is the whole roster; drop what you hold first */
	size_t n_entries;  /* cards active now that changed after `since` */
	struct store_roster_entry *entries;
	size_t n_removed;  /* uidhashes no longer active that were changed after `since` */
	char (*removed)[UIDHASH_HEX_LEN + 1];
};

/* The delta from `since` to the current version. since = 0, or a since the store cannot
 * answer as a delta (greater than the current version, e.g. after a restore), gives the
 * full roster with full = true. Caller frees with store_roster_free. */
int store_roster_delta(struct store *st, const char *facility, int64_t since,
		       struct store_roster *out);
/* NULL-safe; leaves *r empty. */
void store_roster_free(struct store_roster *r);

/* ---- devices -----------------------------------------------------------------------------*/
struct store_device {
	char id[TAP_DEVICE_ID_MAX];
	char facility[STORE_FACILITY_CODE_MAX];
	char cert_serial[STORE_HEX_MAX];     /* hex, as issued by kiumctl */
	char cert_sha256[STORE_HEX_MAX];     /* hex SHA-256 of the certificate's DER */
	bool revoked;
	int64_t created_ms;
	int64_t revoked_ms;                  /* 0 when not revoked */
	int64_t last_seen_ms;                /* 0: never seen */
	char version[STORE_VERSION_MAX];     /* from the last status report, "" if none */
	int64_t queue_depth;                 /* from the last status report, -1 if none */
	char clock_state[STORE_SHORT_MAX];   /* "synced"/"unsynced" from the last status, or "" */
	uint64_t seq_high;                   /* highest tap sequence held contiguously from 1 */
};

/* id: tap_device_id_valid. -ENOENT unknown facility; -EEXIST id taken (revoked ids stay
 * taken: issue a new id for a replacement reader). */
int store_device_add(struct store *st, const char *id, const char *facility,
		     const char *cert_serial, const char *cert_sha256, int64_t now_ms);
/* Records a renewed certificate (the previous one stops matching). -ENOENT unknown,
 * -EACCES revoked, -EINVAL bad hex. */
int store_device_cert_set(struct store *st, const char *id, const char *cert_serial,
			  const char *cert_sha256);
/* -ENOENT unknown; revoking twice is 0. */
int store_device_revoke(struct store *st, const char *id, int64_t now_ms);
int store_device_get(struct store *st, const char *id, struct store_device *out);
/* Every device, ordered by id. */
int store_device_list(struct store *st, struct store_device **out, size_t *n);
/* Records that the device was heard from (any authenticated request). */
int store_device_touch(struct store *st, const char *id, int64_t now_ms);

struct store_device_status {
	const char *version;     /* printable ASCII, < STORE_VERSION_MAX */
	int64_t queue_depth;     /* >= 0 */
	const char *clock_state; /* "synced" or "unsynced" */
};
/* A heartbeat: stores the status and last_seen = now_ms. -EINVAL for bad values. */
int store_device_status_put(struct store *st, const char *id,
			    const struct store_device_status *s, int64_t now_ms);
/* Non-revoked devices not heard from since now_ms - silent_ms (never-seen devices count from
 * their creation), ordered by id. */
int store_device_list_silent(struct store *st, int64_t now_ms, int64_t silent_ms,
			     struct store_device **out, size_t *n);

/* ---- taps ----------------------------------------------------------------------------------
 * Used by hub/domain/attendance.c, which decides what each record is; handlers call
 * attendance_ingest, not these. */
enum store_time_flag {
	STORE_TIME_READER = 0,       /* the reader's clock was synced: its wall time is used */
	STORE_TIME_CORRECTED,        /* unsynced, same boot as the batch: corrected by the hub */
	STORE_TIME_UNCORRECTABLE,    /* unsynced, not placeable: the reader's value, untrusted */
};

enum store_put_outcome {
	STORE_PUT_STORED = 0,   /* new: written */
	STORE_PUT_DUPLICATE,    /* (device, seq) already held as a tap; nothing changed */
	STORE_PUT_HELD_REJECT,  /* (device, seq) already held as a rejected record */
	STORE_PUT_CONFLICT,     /* (device, seq) held for a different tap: the seq was reused */
};

/* One transaction around a batch (or a group of batches): begin, puts, commit (durable) or
 * rollback. Nesting is refused (-EBUSY). store_rollback is safe to call when no transaction
 * is open. Single-statement writes made while it is open join it; calls that open their
 * own transaction (card assignments, account changes) return -EBUSY instead. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Holds (device, tap->seq) at most once. reject == NULL: a tap, with time_ms its effective
 * time (per flag); for a CORRECTED tap, batch_mono_ms is the batch's monotonic time the
 * correction used, kept so that time_ms = received_ms - (batch_mono_ms - tap->mono_ms) can
 * be checked from the row (ignored otherwise).
 * reject != NULL: the record was malformed but its sequence number is held (so the device's
 * contiguous sequence can pass it) with that stable reason code; tap fields may be partial.
 * On an existing (device, seq), *outcome says what is held and *held_reject (if not NULL)
 * points to a static copy of a held reason code. Within store_begin/commit only. */
int store_tap_put(struct store *st, const char *device_id, const char *facility,
		  const struct tap *tap, int64_t received_ms, int64_t time_ms,
		  enum store_time_flag flag, int64_t batch_mono_ms, const char *reject,
		  enum store_put_outcome *outcome, const char **held_reject);
/* Sets the device's contiguous high-water mark and last_seen = now_ms (within the batch's
 * transaction). */
int store_device_seq_set(struct store *st, const char *device_id, uint64_t seq_high,
			 int64_t now_ms);

/* ---- attendance ---------------------------------------------------------------------------*/
struct store_attendance_row {
	char device_id[TAP_DEVICE_ID_MAX];
	uint64_t seq;
	char uid[STORE_UID_HEX_MAX];         /* lower-case hex */
	char child_id[STORE_ID_MAX];         /* the card's holder when tapped ("" if none) */
	char child_name[STORE_NAME_MAX];     /* full name (staff view), "" when unknown */
	int64_t time_ms;                     /* effective time, see flag */
	int64_t reader_wall_ms;              /* the reader's own wall time, as sent */
	int64_t received_ms;
	enum store_time_flag flag;
	enum tap_dir dir;
	enum tap_result result;
};

/* The taps (not rejected records) of a facility whose effective time falls on the Seoul
 * local day `day` (clock_seoul_day), ordered by time then device and seq. The child is the
 * card's holder at the tap's effective time (at its receipt for an uncorrectable time),
 * else its holder when the hub received the tap (a card assigned just after a reader with a
 * slow clock saw it). */
int store_attendance_day(struct store *st, const char *facility, int64_t day,
			 struct store_attendance_row **out, size_t *n);

/* ---- API tokens -----------------------------------------------------------------------------
 * For the admin API before the account system (a later issue) exists. A token is
 * "kt1_<id>_<43 base64url chars>"; the store keeps only a BLAKE2b-256 hash of its secret
 * part, so a copy of the database does not give working tokens. */
struct store_token {
	int64_t id;
	char role[STORE_SHORT_MAX];
	char label[STORE_NAME_MAX];
	int64_t created_ms;
	int64_t revoked_ms;                  /* 0 when active */
};

/* role: 1..31 of [a-z_] (e.g. "admin"). Writes the token to secret (the only time it
 * exists in clear; never log it) and its id to *id. secret needs STORE_TOKEN_MAX bytes. */
int store_token_create(struct store *st, const char *role, const char *label, int64_t now_ms,
		       int64_t *id, char *secret, size_t secret_len);
/* -EACCES for anything that is not an active token (malformed, unknown, wrong, revoked),
 * without saying which. On success fills *id and role. */
int store_token_verify(struct store *st, const char *secret, int64_t *id, char *role,
		       size_t role_len);
/* -ENOENT unknown; revoking twice is 0. */
int store_token_revoke(struct store *st, int64_t id, int64_t now_ms);
int store_token_list(struct store *st, struct store_token **out, size_t *n);

/* ==== portal accounts, sessions, one-time tokens, outbox, audit (issue 5; store_accounts.c,
 * store_audit.c) ================================================================== */
#define STORE_ACCOUNT_ID_MAX 32   /* 4..20 of [A-Za-z0-9_], with NUL */
#define STORE_PWHASH_MAX 160      /* an Argon2id encoded hash (crypto_pwhash_STRBYTES) */
#define STORE_EMAIL_MAX 256
#define STORE_PHONE_MAX 24
#define STORE_HASH_BYTES 32       /* BLAKE2b-256 of a session id or one-time token */

/* Approval states of an account: "pending" (승인대기), "hold" (승인보류), "approved"
 * (승인완료), "rejected" (반려). Only approved accounts may log in. */
struct store_account {
	char id[STORE_ACCOUNT_ID_MAX];
	char name[STORE_NAME_MAX];
	char duty[STORE_SHORT_MAX];          /* 담당업무: a facility type code, or "" */
	char district[STORE_SHORT_MAX];      /* "NW", or "" (city, parents) */
	char facility[STORE_FACILITY_CODE_MAX]; /* staff accounts: their facility, or "" */
	char phone[STORE_PHONE_MAX];         /* mobile, digits only, "" when none; unique */
	char office_phone[STORE_PHONE_MAX];  /* 전화번호: digits only, "" when none */
	char email[STORE_EMAIL_MAX];
	char state[STORE_SHORT_MAX];
	char pw_hash[STORE_PWHASH_MAX];      /* never logged, never sent */
	bool enabled;
	int failed;                          /* consecutive login failures */
	int64_t locked_ms;                   /* 0 when not locked */
	int64_t created_ms, changed_ms, last_login_ms;
	char created_by[STORE_ACCOUNT_ID_MAX];
	bool must_change_pw;                 /* made by someone else: change before anything */
	int64_t left_ms;                     /* staff who left (퇴사), 0 otherwise */
};

struct store_role {
	char role[STORE_SHORT_MAX];          /* "city", "district", "center", ... */
	char type[STORE_SHORT_MAX];          /* facility type code, or "" */
};

struct store_account_filter {
	const char *district;   /* NULL: any */
	const char *facility;   /* NULL: any */
	const char *state;      /* NULL: any */
	bool staff_only;        /* only accounts bound to a facility */
};

struct store_approval {
	char from[STORE_SHORT_MAX], to[STORE_SHORT_MAX];
	char actor[STORE_ACCOUNT_ID_MAX];
	char reason[STORE_NAME_MAX * 4];
	int64_t at_ms;
};

/* -EEXIST when the id (or the phone number) is taken; -ENOENT unknown facility. Writes the
 * first approval-history row ("" -> state) in the same transaction. */
int store_account_add(struct store *st, const struct store_account *a, const char *actor,
		      int64_t now_ms);
int store_account_get(struct store *st, const char *id, struct store_account *out);
/* Ordered by id; pw_hash is not filled. Caller frees *out. */
int store_account_list(struct store *st, const struct store_account_filter *f,
		       struct store_account **out, size_t *n);
/* The ids of approved accounts with this name and phone (id lookup). Caller frees. */
int store_account_find(struct store *st, const char *name, const char *phone,
		       struct store_account **out, size_t *n);
/* The next free number of a facility's staff ids (1 + the highest used), 1..999;
 * -ENOSPC when 999 is used. */
int store_account_next_number(struct store *st, const char *facility, int *number);
/* Moves the approval state and records (from, to, reason, actor, now) in the history, in
 * one transaction. -ENOENT unknown account. */
int store_account_set_state(struct store *st, const char *id, const char *to,
			    const char *reason, const char *actor, int64_t now_ms);
int store_account_history(struct store *st, const char *id, struct store_approval **out,
			  size_t *n);
int store_account_roles(struct store *st, const char *id, struct store_role **out, size_t *n);
/* Replaces the account's roles. */
int store_account_roles_set(struct store *st, const char *id, const struct store_role *roles,
			    size_t n, const char *actor, int64_t now_ms);
/* Adds one role to each account, all or none (-ENOENT names no account). */
int store_account_roles_add(struct store *st, const char *const *ids, size_t n,
			    const struct store_role *role, const char *actor, int64_t now_ms);
/* A failed login: counts it and locks the account at max failures; *locked tells. */
int store_account_login_failed(struct store *st, const char *id, int max, int64_t now_ms,
			       bool *locked);
int store_account_login_ok(struct store *st, const char *id, int64_t now_ms);
/* Clears the lock and the failure count. */
int store_account_unlock(struct store *st, const char *id, const char *actor, int64_t now_ms);
/* Sets a new hash, clears lock, failures and a forced change, ends the account's sessions. */
int store_account_set_password(struct store *st, const char *id, const char *pw_hash,
			       int64_t now_ms);

/* Sessions: the store keeps BLAKE2b(session id), never the id. */
struct store_session {
	char account[STORE_ACCOUNT_ID_MAX];
	char csrf[64];
	int64_t created_ms, last_ms;
};
int store_session_create(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
			 const char *account, const char *csrf, const char *remote,
			 int64_t now_ms);
int store_session_get(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
		      struct store_session *out);
int store_session_touch(struct store *st, const uint8_t hash[STORE_HASH_BYTES], int64_t now_ms);
int store_session_delete(struct store *st, const uint8_t hash[STORE_HASH_BYTES]);
/* Deletes sessions idle since before idle_before_ms or created before created_before_ms, and
 * one-time tokens expired before now_ms; *n (may be NULL) gets how many sessions went. */
int store_session_prune(struct store *st, int64_t idle_before_ms, int64_t created_before_ms,
			int64_t now_ms, size_t *n);
/* 사용여부: a disabled account cannot log in and its sessions stop working. */
int store_account_set_enabled(struct store *st, const char *id, bool enabled, int64_t now_ms);

/* One-time tokens (purpose "password_reset"), stored hashed, and the notification outbox:
 * the token row and its message are written in one transaction. params is a JSON object. */
int store_otp_create(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
		     const char *account, const char *purpose, int64_t expires_ms,
		     const char *recipient, const char *template_code, const char *params,
		     int64_t now_ms);
/* Marks an unexpired, unused token of that purpose used and names its account; -EACCES for
 * anything else, without saying which. */
int store_otp_consume(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
		      const char *purpose, int64_t now_ms, char *account, size_t account_len);

struct store_outbox_msg {
	int64_t id;
	char recipient[STORE_EMAIL_MAX];
	char template_code[STORE_SHORT_MAX];
	char *params;                        /* JSON text; freed by store_outbox_free */
	char state[STORE_SHORT_MAX];         /* "pending" until a provider sends it */
	int64_t created_ms;
};
int store_outbox_add(struct store *st, const char *recipient, const char *template_code,
		     const char *params, int64_t now_ms);
/* Messages with id > after_id, oldest first. Free with store_outbox_free. */
int store_outbox_list(struct store *st, int64_t after_id, struct store_outbox_msg **out,
		      size_t *n);
void store_outbox_free(struct store_outbox_msg *m, size_t n);

/* Phone verification of a sign-up: one live code per phone (a new one replaces it), stored
 * hashed, with its outbox message in the same transaction. */
int store_phone_code_create(struct store *st, const char *phone,
			    const uint8_t hash[STORE_HASH_BYTES], int64_t expires_ms,
			    const char *params, int64_t now_ms);
/* 0 when hash is the phone's live code (unexpired, unused, fewer than max_attempts wrong
 * tries), marking it used when consume; -EACCES otherwise, counting a wrong try. */
int store_phone_code_check(struct store *st, const char *phone,
			   const uint8_t hash[STORE_HASH_BYTES], int max_attempts, bool consume,
			   int64_t now_ms);

/* Guardian-child links: a parent asks, the child's center confirms. */
int store_guardian_request(struct store *st, const char *parent, const char *child,
			   int64_t now_ms);
int store_guardian_confirm(struct store *st, const char *parent, const char *child,
			   const char *actor, int64_t now_ms);
/* 0 when confirmed, -ENOENT otherwise. */
int store_guardian_linked(struct store *st, const char *parent, const char *child);
struct store_guardian {
	char parent[STORE_ACCOUNT_ID_MAX];
	char name[STORE_NAME_MAX];           /* the parent's name */
	int64_t requested_ms, confirmed_ms;  /* confirmed_ms 0 while pending */
};
/* The links of a child, pending and confirmed, oldest first. Caller frees. */
int store_guardian_list(struct store *st, const char *child, struct store_guardian **out,
			size_t *n);

/* Audit log (store_audit.c). */
struct store_audit {
	int64_t id;
	int64_t at_ms;
	char actor[STORE_ACCOUNT_ID_MAX];    /* account id, "token:N", or "" (anonymous) */
	char role[STORE_NAME_MAX];           /* the actor's roles, as names */
	char action[STORE_NAME_MAX];         /* "POST /api/v1/accounts/{id}/approval", "child.read" */
	char target[STORE_NAME_MAX];
	char remote[64];                     /* the client's address */
	int status;                          /* the HTTP status answered */
};
struct store_audit_filter {
	const char *actor, *action, *target; /* NULL: any; action matches as a prefix */
	int64_t from_ms, to_ms;              /* 0: open */
	int64_t before_id;                   /* paging: rows with id < before_id; 0: newest */
	size_t limit;                        /* 1..500 */
};
int store_audit_add(struct store *st, const struct store_audit *a);
/* Newest first. Caller frees. */
int store_audit_list(struct store *st, const struct store_audit_filter *f,
		     struct store_audit **out, size_t *n);
/* ==== end of portal accounts ==================================================== */

/* ==== bookings, capacity, waitlists, terms, attendance corrections (issue 6;
 * store_bookings.c, store_corrections.c) ============================================ */
#define STORE_REASON_MAX 512

/* What a center offers: 운영유형 ("general", "convergent", "hub"), 정원, sick-child places. */
struct store_care {
	char facility[STORE_FACILITY_CODE_MAX];
	char kind[STORE_SHORT_MAX];
	int capacity;
	int sick_capacity;                   /* 0: no sick-child care */
	int64_t changed_ms;
	char changed_by[STORE_ACCOUNT_ID_MAX];
};
/* -ENOENT unknown facility; -EINVAL bad values (capacity < 0, unknown kind). */
int store_care_set(struct store *st, const struct store_care *c, const char *actor,
		   int64_t now_ms);
/* -ENOENT when the facility's care is not set. */
int store_care_get(struct store *st, const char *facility, struct store_care *out);

/* A term (이용분기) of a year, as the city set it. */
struct store_term {
	int year, index;                     /* index 1..4 */
	char name[64];
	int64_t start_day, end_day;          /* Seoul day numbers, inclusive */
	int open_min, close_min;             /* opening hours, minutes since midnight */
	bool meal, snack;
};
/* Replaces a year's terms (all n rows in one transaction). The database refuses
 * overlapping hours or dates out of order (-EINVAL). */
int store_terms_set(struct store *st, int year, const struct store_term *t, size_t n);
/* Every term whose days meet [from_day, to_day], ordered by start. Caller frees. */
int store_terms_range(struct store *st, int64_t from_day, int64_t to_day,
		      struct store_term **out, size_t *n);

struct store_booking {
	int64_t id;
	char facility[STORE_FACILITY_CODE_MAX];
	char child[STORE_ID_MAX];
	char parent[STORE_ACCOUNT_ID_MAX];   /* "" for an offline booking without a member */
	char kind[STORE_SHORT_MAX];          /* "regular", "temporary", "sick" */
	char state[STORE_SHORT_MAX];         /* booking_state_code */
	int64_t start_day, end_day;
	unsigned weekdays;                   /* bit 0 Monday .. bit 6 Sunday */
	int start_min, end_min;
	bool offline;                        /* registered by staff (오프라인 등록) */
	int64_t extends_id;                  /* the booking this one extends, 0 for none */
	char reason[STORE_REASON_MAX];       /* the last decision's reason */
	char docs[STORE_REASON_MAX];         /* the documents checklist as JSON */
	int64_t offer_expires_ms;            /* offered: deadline to accept; else 0 */
	int64_t created_ms, changed_ms;
	char created_by[STORE_ACCOUNT_ID_MAX];
	int position;                        /* waiting: 1 = first in line; else 0 */
	bool guardian_linked;                /* the child has a confirmed guardian */
};

/* The places held at a facility as load points (hub/domain/booking.h's
 * booking_load_point; table booking_load): at minute of day, delta[pool] held bookings
 * start (+) or end (-); pools 0 regular, 1 temporary, 2 sick. */
struct store_booking_load {
	int64_t day;
	int minute;
	int delta[3];
};

/* The rule deciding whether cand may take a place, given the center's care settings, the
 * load points of the places held on cand's days before its end (sorted by day and minute,
 * one per minute), and how many wait for the same kind (and, for temporary and sick care,
 * the same day). Returns 0 (a place: cand is held), 1 (no place: cand waits) or a negative
 * errno refusing it (*why a reason code). Called inside the store's write transaction: it
 * must not call the store. */
typedef int (*store_booking_fit_fn)(void *arg, const struct store_care *care,
				    const struct store_booking *cand,
				    const struct store_booking_load *load, size_t nload,
				    size_t nwaiting, const char **why);

/* Compares booking_load, kept one decision at a time, with its recomputation from the
 * bookings (store_booking_sql.h): *diff the number of rows that differ either way (0 when
 * they agree). For tests and checks; reads only. */
int store_booking_load_check(struct store *st, size_t *diff);

/* Places a booking in ONE write transaction (BEGIN IMMEDIATE): reads the load points, asks
 * fit, inserts b as "pending" (place held) or "waiting", records the event, and commits; two
 * handles can never both take the last place. b->state/id/position are set on success.
 * approve_now: staff registrations are approved at once when a place is free. -ENOENT
 * unknown facility/child or care not set (*why "care_not_set"); -ENOSPC/-EINVAL from fit
 * with *why; -EEXIST when the child already holds or waits for an overlapping booking. */
int store_booking_add(struct store *st, struct store_booking *b, bool approve_now,
		      store_booking_fit_fn fit, void *arg, int64_t now_ms, const char **why);
/* -ENOENT unknown. position and guardian_linked are filled. */
int store_booking_get(struct store *st, int64_t id, struct store_booking *out);

struct store_booking_filter {
	const char *facility;    /* NULL: any */
	const char *parent;      /* NULL: any */
	const char *child;       /* NULL: any */
	const char *kind;        /* NULL: any */
	const char *const *states; /* NULL-terminated; NULL: any */
	bool extensions_only;    /* extends_id != 0 */
	int64_t on_or_after_day; /* end_day >= this; 0: any */
	int64_t on_day;          /* takes place on this day (weekday aware); 0: any */
};
/* Ordered by id. Caller frees. */
int store_booking_list(struct store *st, const struct store_booking_filter *f,
		       struct store_booking **out, size_t *n);

/* A decision on a booking, in one transaction with its event row and, when the booking has
 * a parent, a notification in the outbox (template booking_<to>):
 *   "approved": from pending;  "rejected": from pending, waiting or offered (reason);
 *   "cancelled": from pending, approved, waiting, offered;
 *   "accepted": an offered booking taken up before its deadline -> pending;
 *               past the deadline -> expired (-ETIMEDOUT).
 * When a held place is freed (reject, cancel, expiry), the first waiting booking of the
 * facility that now fits (fit again) is offered with a deadline of now + offer_ms, and
 * notified. -ENOENT unknown; -EBUSY wrong state (*why "state_conflict"). */
int store_booking_decide(struct store *st, int64_t id, const char *action, const char *reason,
			 const char *actor, int64_t offer_ms, store_booking_fit_fn fit,
			 void *arg, int64_t now_ms, const char **why);
/* Offers past their deadline become expired and their places are offered on; *n expired. */
int store_booking_expire_offers(struct store *st, int64_t offer_ms, store_booking_fit_fn fit,
				void *arg, int64_t now_ms, size_t *n);

/* Attendance corrections (출결 정정): staff set a child's status of a day with a reason; the
 * taps are never changed. status: a reconcile status code. */
struct store_correction {
	int64_t id;
	char facility[STORE_FACILITY_CODE_MAX];
	char child[STORE_ID_MAX];
	int64_t day;
	char status[STORE_SHORT_MAX];
	char reason[STORE_REASON_MAX];
	char actor[STORE_ACCOUNT_ID_MAX];
	int64_t at_ms;
};
int store_correction_add(struct store *st, const struct store_correction *c);
/* A facility's corrections of a day (facility NULL: a child's across facilities, day 0: all
 * days of child), oldest first. Caller frees. */
int store_correction_list(struct store *st, const char *facility, const char *child,
			  int64_t day, struct store_correction **out, size_t *n);
/* The (facility, Seoul day) pairs where a card held by child at the time was tapped, within
 * [from_day, to_day], ordered by day then facility (from each child's day of taps, kept as
 * taps arrive: store_visits.h). Caller frees both arrays. */
int store_child_tap_days(struct store *st, const char *child, int64_t from_day, int64_t to_day,
			 char (**facilities)[STORE_FACILITY_CODE_MAX], int64_t **days, size_t *n);
/* ==== end of bookings ================================================================= */

/* ==== facility records, code ledger, capacity changes, departments (issue 5;
 * store_facilities.c) ================================================================
 * The full facility record grows the facilities table (migration); its capacity and Kium
 * kind are facility_care's (the bookings' table): one truth for what the booking rules read.
 * Every facility code ever issued stays in a ledger, so a number is never issued twice. */
#define STORE_FAC_NUMBER_MAX 999

struct store_facility_info {
	struct store_facility f;             /* code, name, district, type, roster_version */
	char kind[STORE_SHORT_MAX];          /* facility_care.kind (UK), "" when none */
	int capacity;                        /* facility_care.capacity, -1 when none */
	char dong[64];                       /* 동 */
	char ages[STORE_SHORT_MAX];          /* infant|preschool|elementary|middle|elem_middle */
	char documents[512];                 /* 필요 서류, may be "" */
	char address[256];
	int64_t lat_e6, lon_e6;              /* micro-degrees */
	char opened[11];                     /* 운영일 "YYYY-MM-DD", or "" */
	char email[STORE_EMAIL_MAX];
	char phone[STORE_PHONE_MAX];         /* digits only, or "" */
	int64_t area_centi;                  /* 전용면적 in hundredths of a m² */
	bool operating;                      /* 운영여부 */
	int64_t created_ms, changed_ms;
	char created_by[STORE_ACCOUNT_ID_MAX], changed_by[STORE_ACCOUNT_ID_MAX];
};

/* Creates a facility with the next number of its district and type (or with `number` when
 * > 0: an imported legacy code, refused -EEXIST when that code was ever issued), writes
 * f.code back, records the code in the ledger and, for a Kium center (kind set), its
 * facility_care row with capacity = the given capacity; all in one transaction.
 * -ENOSPC when the next number would pass 999. */
int store_facility_create(struct store *st, struct store_facility_info *fi, int number,
			  const char *actor, int64_t now_ms);
/* The number store_facility_create would issue next (1..1000; 1000 means none left). */
int store_facility_next_number(struct store *st, const char *district, const char *type,
			       int *number);
int store_facility_info_get(struct store *st, const char *code,
			    struct store_facility_info *out);
/* Updates the descriptive fields (not code, district, type, kind or capacity). */
int store_facility_update(struct store *st, const struct store_facility_info *fi,
			  const char *actor, int64_t now_ms);

struct store_facility_query {
	const char *district;      /* NULL: any */
	const char *types;         /* NULL: any; else "UK,CC": one of these types */
	const char *type;          /* NULL: any */
	const char *kind;          /* NULL: any */
	const char *code;          /* NULL: any (a center sees only its own) */
	const char *q;             /* substring of name, address or code; NULL: any */
	int operating;             /* -1 any, 0, 1 */
	int64_t from_ms, to_ms;    /* created in [from_ms, to_ms); 0: open */
	size_t page, per_page;     /* page from 1; per_page 1..100 */
};
/* Newest first. *total counts every match. Caller frees *out. */
int store_facility_search(struct store *st, const struct store_facility_query *q,
			  struct store_facility_info **out, size_t *n, size_t *total);

/* Capacity changes (정원변경): proposed, then approved or rejected by the district. */
struct store_capacity_request {
	int64_t id;
	char facility[STORE_FACILITY_CODE_MAX];
	int from_capacity, to_capacity;
	char reason[512];
	char state[STORE_SHORT_MAX];         /* pending, approved, rejected */
	char requested_by[STORE_ACCOUNT_ID_MAX];
	int64_t requested_ms;
	char decided_by[STORE_ACCOUNT_ID_MAX];
	int64_t decided_ms;
	char decision_reason[512];
};
/* -ENOENT when the facility has no facility_care row; -EEXIST when a request is pending. */
int store_capacity_request_add(struct store *st, const char *facility, int to_capacity,
			       const char *reason, const char *actor, int64_t now_ms,
			       int64_t *id);
int store_capacity_request_get(struct store *st, int64_t id,
			       struct store_capacity_request *out);
/* Approving sets facility_care.capacity in the same transaction. -EALREADY when decided. */
int store_capacity_request_decide(struct store *st, int64_t id, bool approve,
				  const char *reason, const char *actor, int64_t now_ms);
/* A facility's requests, newest first. Caller frees. */
int store_capacity_request_list(struct store *st, const char *facility,
				struct store_capacity_request **out, size_t *n);

/* Departments (부서) of a district, a tree, and the facilities mapped to them (시설 ID 매핑). */
struct store_department {
	int64_t id, parent;                  /* parent 0: top level */
	char district[STORE_SHORT_MAX];
	char name[STORE_NAME_MAX];
	char phone[STORE_PHONE_MAX], fax[STORE_PHONE_MAX];
	size_t n_facilities;
};
/* -ENOENT unknown parent (or a parent of another district); -EEXIST same name under parent. */
int store_department_add(struct store *st, const struct store_department *d, int64_t now_ms,
			 int64_t *id);
int store_department_get(struct store *st, int64_t id, struct store_department *out);
/* district NULL: all. Ordered by id. Caller frees. */
int store_department_list(struct store *st, const char *district,
			  struct store_department **out, size_t *n);
/* Maps a facility to a department (one department per facility; replaces). */
int store_department_map(struct store *st, int64_t department, const char *facility,
			 int64_t now_ms);
/* The facility's department id, 0 when unmapped. */
int store_facility_department(struct store *st, const char *facility, int64_t *department);
/* ==== end of facility records ==================================================== */

#endif
