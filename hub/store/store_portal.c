/*
 * The SQLite store: portal sessions (kept as BLAKE2b hashes of their ids), one-time tokens
 * with the notification outbox (token and message in one transaction), phone verification
 * codes of sign-ups, and guardian-child links (store.h, "portal accounts"). Secrets never
 * reach this file in clear except the outbox parameters, which a provider must be able to
 * send. Statements are prepared per call, as in store_accounts.c.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_int.h"
#include "hub/store/store_notify.h"

/* ---- sessions ---- */

int store_session_create(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
			 const char *account, const char *csrf, const char *remote,
			 int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO sessions (hash, account, csrf, remote,"
					    " created_ms, last_ms) VALUES (?,?,?,?,?,?)");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_blob(s, 1, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, remote ? remote : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now_ms);
	sqlite3_bind_int64(s, 6, now_ms);
	r = store_step_done(st, s, "session create");
	sqlite3_finalize(s);
	return r;
}

int store_session_get(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
		      struct store_session *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT account, csrf, created_ms, last_ms"
					    " FROM sessions WHERE hash = ?");
	int rc, r;

	if (!s)
		return -EIO;
	sqlite3_bind_blob(s, 1, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		store_col_text(s, 0, out->account, sizeof(out->account));
		store_col_text(s, 1, out->csrf, sizeof(out->csrf));
		out->created_ms = sqlite3_column_int64(s, 2);
		out->last_ms = sqlite3_column_int64(s, 3);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "session get");
	}
	sqlite3_finalize(s);
	return r;
}

static int session_stmt(struct store *st, const char *sql, const uint8_t *hash, int64_t v,
			bool with_v, const char *what)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int r;

	if (!s)
		return -EIO;
	if (with_v) {
		sqlite3_bind_int64(s, 1, v);
		sqlite3_bind_blob(s, 2, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	} else {
		sqlite3_bind_blob(s, 1, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	}
	r = store_step_done(st, s, what);
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	sqlite3_finalize(s);
	return r;
}

int store_session_touch(struct store *st, const uint8_t hash[STORE_HASH_BYTES], int64_t now_ms)
{
	return session_stmt(st, "UPDATE sessions SET last_ms = ? WHERE hash = ?", hash, now_ms,
			    true, "session touch");
}

int store_session_delete(struct store *st, const uint8_t hash[STORE_HASH_BYTES])
{
	return session_stmt(st, "DELETE FROM sessions WHERE hash = ?", hash, 0, false,
			    "session delete");
}

int store_session_prune(struct store *st, int64_t idle_before_ms, int64_t created_before_ms,
			int64_t now_ms, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "DELETE FROM sessions WHERE last_ms < ? OR"
					    " created_ms < ?");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, idle_before_ms);
	sqlite3_bind_int64(s, 2, created_before_ms);
	r = store_step_done(st, s, "session prune");
	if (n)
		*n = r == 0 ? (size_t)sqlite3_changes(st->db) : 0;
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	s = store_prepare(st, "DELETE FROM one_time_tokens WHERE expires_ms < ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	r = store_step_done(st, s, "token prune");
	sqlite3_finalize(s);
	return r;
}

/* ---- one-time tokens and the outbox ---- */

int store_outbox_add(struct store *st, const char *recipient, const char *template_code,
		     const char *params, int64_t now_ms)
{
	struct store_outbox_new m = { recipient, template_code, params, NULL, NULL, NULL };
	int r = store_outbox_put(st, &m, now_ms);

	return r > 0 ? 0 : r;
}

int store_otp_create(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
		     const char *account, const char *purpose, int64_t expires_ms,
		     const char *recipient, const char *template_code, const char *params,
		     int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (!store_short_valid(purpose))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	s = store_prepare(st, "INSERT INTO one_time_tokens (hash, account, purpose, created_ms,"
			      " expires_ms) VALUES (?,?,?,?,?)");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_blob(s, 1, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, purpose, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	sqlite3_bind_int64(s, 5, expires_ms);
	if ((r = store_step_done(st, s, "token create")) < 0)
		goto out;
	if ((r = store_outbox_add(st, recipient, template_code, params, now_ms)) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

int store_otp_consume(struct store *st, const uint8_t hash[STORE_HASH_BYTES],
		      const char *purpose, int64_t now_ms, char *account, size_t account_len)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE one_time_tokens SET used_ms = ?1"
					    " WHERE hash = ?2 AND purpose = ?3 AND used_ms IS NULL"
					    " AND expires_ms > ?1 RETURNING account");
	int rc, r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_blob(s, 2, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, purpose, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_col_text(s, 0, account, account_len);
		rc = sqlite3_step(s);
		r = rc == SQLITE_DONE ? 0 : store_step_error(st, rc, "token consume");
	} else {
		r = rc == SQLITE_DONE ? -EACCES : store_step_error(st, rc, "token consume");
	}
	sqlite3_finalize(s);
	return r;
}

int store_outbox_list(struct store *st, int64_t after_id, struct store_outbox_msg **out,
		      size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT id, recipient, template, params, state,"
					    " created_ms FROM notification_outbox WHERE id > ?"
					    " ORDER BY id LIMIT 1000");
	struct store_outbox_msg *v = NULL;
	size_t cap = 0, k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, after_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *p;

		if (k == cap && store_grow((void **)&v, &cap, sizeof(*v), 8) < 0) {
			r = -ENOMEM;
			goto out;
		}
		memset(&v[k], 0, sizeof(v[k]));
		v[k].id = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, v[k].recipient, sizeof(v[k].recipient));
		store_col_text(s, 2, v[k].template_code, sizeof(v[k].template_code));
		p = sqlite3_column_text(s, 3);
		v[k].params = strdup(p ? (const char *)p : "{}");
		store_col_text(s, 4, v[k].state, sizeof(v[k].state));
		v[k].created_ms = sqlite3_column_int64(s, 5);
		k++;
		if (!v[k - 1].params) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "outbox list");
out:
	sqlite3_finalize(s);
	if (r < 0) {
		store_outbox_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

void store_outbox_free(struct store_outbox_msg *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++)
		free(m[i].params);
	free(m);
}

/* ---- phone verification ---- */

int store_phone_code_create(struct store *st, const char *phone,
			    const uint8_t hash[STORE_HASH_BYTES], int64_t expires_ms,
			    const char *params, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (!store_text_valid(phone, STORE_PHONE_MAX))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	s = store_prepare(st, "INSERT OR REPLACE INTO phone_codes (phone, hash, created_ms,"
			      " expires_ms) VALUES (?,?,?,?)");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, phone, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, hash, STORE_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	sqlite3_bind_int64(s, 4, expires_ms);
	if ((r = store_step_done(st, s, "phone code")) < 0 ||
	    (r = store_outbox_add(st, phone, "phone_verify", params, now_ms)) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

int store_phone_code_check(struct store *st, const char *phone,
			   const uint8_t hash[STORE_HASH_BYTES], int max_attempts, bool consume,
			   int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT hash FROM phone_codes WHERE phone = ?1"
					    " AND used_ms IS NULL AND expires_ms > ?2"
					    " AND attempts < ?3");
	bool match = false;
	int rc, r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, phone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_int(s, 3, max_attempts);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		match = sqlite3_column_bytes(s, 0) == STORE_HASH_BYTES &&
			sodium_memcmp(sqlite3_column_blob(s, 0), hash, STORE_HASH_BYTES) == 0;
	else if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "phone code check");
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return r;
	if (match && !consume)
		return 0;
	s = store_prepare(st, match ? "UPDATE phone_codes SET used_ms = ?1 WHERE phone = ?2"
				    : "UPDATE phone_codes SET attempts = attempts + 1 + 0 * ?1"
				      " WHERE phone = ?2");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, phone, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "phone code update");
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	return match ? 0 : -EACCES;
}

/* ---- guardian links ---- */

int store_guardian_request(struct store *st, const char *parent, const char *child,
			   int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO guardian_links (parent, child,"
					    " requested_ms) VALUES (?,?,?)");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, child, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	r = store_step_done(st, s, "guardian request");
	sqlite3_finalize(s);
	return r;
}

int store_guardian_confirm(struct store *st, const char *parent, const char *child,
			   const char *actor, int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE guardian_links SET confirmed_ms = ?,"
					    " confirmed_by = ? WHERE parent = ? AND child = ?");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, child, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "guardian confirm");
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	sqlite3_finalize(s);
	return r;
}

int store_guardian_linked(struct store *st, const char *parent, const char *child)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT 1 FROM guardian_links WHERE parent = ?"
					    " AND child = ? AND confirmed_ms IS NOT NULL");
	int rc, r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, child, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT
						      : store_step_error(st, rc, "guardian");
	sqlite3_finalize(s);
	return r;
}

static int guardian_fill(sqlite3_stmt *s, void *e)
{
	struct store_guardian *g = e;

	store_col_text(s, 0, g->parent, sizeof(g->parent));
	store_col_text(s, 1, g->name, sizeof(g->name));
	g->requested_ms = sqlite3_column_int64(s, 2);
	g->confirmed_ms = sqlite3_column_int64(s, 3);
	return 0;
}

int store_guardian_list(struct store *st, const char *child, struct store_guardian **out,
			size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT g.parent, a.name, g.requested_ms,"
					    " coalesce(g.confirmed_ms, 0) FROM guardian_links g"
					    " JOIN accounts a ON a.id = g.parent WHERE g.child = ?"
					    " ORDER BY g.requested_ms, g.parent LIMIT 100");

	if (s)
		sqlite3_bind_text(s, 1, child, -1, SQLITE_STATIC);
	return store_collect(st, s, sizeof(**out), 4, guardian_fill, "guardian list",
			     (void **)out, n);
}
