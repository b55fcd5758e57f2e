/*
 * The SQLite store: cards and the roster delta. Every assignment and deactivation writes a
 * card row stamped with the facility's next roster_version, so "what changed since version
 * V" is a range query; deactivated rows stay as history (and as removals for readers).
 * At most one active row per UID (a partial unique index).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/uidhash.h"
#include "hub/store/store_int.h"

static bool uid_len_valid(uint8_t len)
{
	return len == 4 || len == 7 || len == 10;
}

int store_roster_bump(struct store *st, const char *facility, int64_t *version)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE facilities SET roster_version = roster_version + 1"
					    " WHERE code = ? RETURNING roster_version");
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "roster bump");
	sqlite3_finalize(s);
	return r;
}

int store_card_insert(struct store *st, const char *hex, const struct store_child *child,
		      int64_t now_ms)
{
	sqlite3_stmt *s;
	int64_t version;
	int r;

	if ((r = store_roster_bump(st, child->facility, &version)) < 0)
		return r;
	s = store_prepare(st, "INSERT INTO cards (uid, facility, child_id, active, version,"
			      " assigned_ms) VALUES (?, ?, ?, 1, ?, ?)");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, child->facility, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, child->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, version);
	sqlite3_bind_int64(s, 5, now_ms);
	r = store_step_done(st, s, "card insert");
	sqlite3_finalize(s);
	return r;
}

int store_card_assign(struct store *st, const uint8_t *uid, uint8_t uid_len,
		      const char *child_id, int64_t now_ms)
{
	struct store_child child;
	char hex[STORE_UID_HEX_MAX];
	int r;

	if (!uid_len_valid(uid_len))
		return -EINVAL;
	tap_uid_format(uid, uid_len, hex, sizeof(hex));
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_child_get(st, child_id, &child)) < 0)
		goto out;
	if ((r = store_card_insert(st, hex, &child, now_ms)) < 0)
		goto out;
	return store_tx_commit(st);
out:
	store_tx_rollback(st);
	return r;
}

int store_card_deactivate(struct store *st, const uint8_t *uid, uint8_t uid_len, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	char hex[STORE_UID_HEX_MAX], facility[STORE_FACILITY_CODE_MAX];
	int64_t card_id, version;
	int rc, r;

	if (!uid_len_valid(uid_len))
		return -EINVAL;
	tap_uid_format(uid, uid_len, hex, sizeof(hex));
	if ((r = store_tx_begin(st)) < 0)
		return r;
	s = store_prepare(st, "SELECT id, facility FROM cards WHERE uid = ? AND active = 1");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "card lookup");
		goto out;
	}
	card_id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, facility, sizeof(facility));
	sqlite3_finalize(s);
	s = NULL;
	if ((r = store_roster_bump(st, facility, &version)) < 0)
		goto out;
	s = store_prepare(st, "UPDATE cards SET active = 0, removed_ms = ?, version = ?"
			      " WHERE id = ?");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, version);
	sqlite3_bind_int64(s, 3, card_id);
	if ((r = store_step_done(st, s, "card deactivate")) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

static int uid_hash(const char *facility, const char *hex, char *out)
{
	uint8_t uid[TAP_UID_MAX], len;

	if (tap_uid_parse(hex, uid, &len) < 0)
		return -EIO; /* the store wrote it; a bad one means a damaged database */
	return uidhash_compute(facility, uid, len, out);
}

void store_roster_free(struct store_roster *r)
{
	if (!r)
		return;
	free(r->entries);
	free(r->removed);
	memset(r, 0, sizeof(*r));
}

static int roster_entries(struct store *st, const char *facility, int64_t since,
			  struct store_roster *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT c.uid, c.child_id, ch.name FROM cards c"
					    " JOIN children ch ON ch.id = c.child_id"
					    " WHERE c.facility = ? AND c.active = 1 AND c.version > ?"
					    " ORDER BY c.version");
	struct store_roster_entry *t, *e;
	char uid[STORE_UID_HEX_MAX], name[STORE_NAME_MAX];
	size_t cap = 0;
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n_entries == cap) {
			cap = cap ? cap * 2 : 64;
			t = realloc(out->entries, cap * sizeof(*t));
			if (!t) {
				r = -ENOMEM;
				goto out;
			}
			out->entries = t;
		}
		e = &out->entries[out->n_entries];
		memset(e, 0, sizeof(*e));
		store_col_text(s, 0, uid, sizeof(uid));
		store_col_text(s, 1, e->child_id, sizeof(e->child_id));
		store_col_text(s, 2, name, sizeof(name));
		if ((r = uid_hash(facility, uid, e->uidhash)) < 0)
			goto out;
		if (store_name_mask(name, e->display, sizeof(e->display)) < 0)
			snprintf(e->display, sizeof(e->display), "*");
		out->n_entries++;
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "roster entries");
out:
	sqlite3_finalize(s);
	return r;
}

static int roster_removed(struct store *st, const char *facility, int64_t since,
			  struct store_roster *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT DISTINCT c.uid FROM cards c"
					    " WHERE c.facility = ?1 AND c.active = 0 AND c.version > ?2"
					    " AND NOT EXISTS (SELECT 1 FROM cards a WHERE a.uid = c.uid"
					    " AND a.active = 1 AND a.facility = ?1)");
	char(*t)[UIDHASH_HEX_LEN + 1];
	char uid[STORE_UID_HEX_MAX];
	size_t cap = 0;
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n_removed == cap) {
			cap = cap ? cap * 2 : 16;
			t = realloc(out->removed, cap * sizeof(*t));
			if (!t) {
				r = -ENOMEM;
				goto out;
			}
			out->removed = t;
		}
		store_col_text(s, 0, uid, sizeof(uid));
		if ((r = uid_hash(facility, uid, out->removed[out->n_removed])) < 0)
			goto out;
		out->n_removed++;
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "roster removals");
out:
	sqlite3_finalize(s);
	return r;
}

int store_roster_delta(struct store *st, const char *facility, int64_t since,
		       struct store_roster *out)
{
	struct store_facility f;
	int r;

	memset(out, 0, sizeof(*out));
	/* One read transaction so that the version and the rows agree. */
	if (!st->in_tx && (r = store_exec(st, "BEGIN", "roster read")) < 0)
		return r;
	if ((r = store_facility_get(st, facility, &f)) < 0)
		goto out;
	out->version = f.roster_version;
	if (since <= 0 || since > f.roster_version) {
		out->full = true;
		since = 0;
	}
	if ((r = roster_entries(st, f.code, since, out)) < 0)
		goto out;
	if (!out->full && (r = roster_removed(st, f.code, since, out)) < 0)
		goto out;
out:
	if (!st->in_tx)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (r < 0)
		store_roster_free(out);
	return r;
}
