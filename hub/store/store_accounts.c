/*
 * The SQLite store: portal accounts, their roles, approval history and login counters
 * (store.h, "portal accounts"; sessions, tokens, the outbox and guardian links are in
 * store_portal.c). Portal traffic is light, so statements are prepared per call and do not
 * take slots in store_int.h's cached statement table. Password hashes are stored as given
 * (Argon2id strings) and never logged.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_core.h"
#include "hub/store/store_int.h"

static bool account_id_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n >= 4 && n <= 20;
}

static bool state_valid(const char *s)
{
	return s && (!strcmp(s, "pending") || !strcmp(s, "hold") || !strcmp(s, "approved") ||
		     !strcmp(s, "rejected"));
}

static bool opt_text(const char *s, size_t max)
{
	return !s || !*s || store_text_valid(s, max);
}

static void bind_opt(sqlite3_stmt *s, int col, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, col, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
}

static int history_add(struct store *st, const char *id, const char *from, const char *to,
		       const char *reason, const char *actor, int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO account_approvals (account, from_state,"
					    " to_state, reason, actor, at_ms) VALUES (?,?,?,?,?,?)");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, reason ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now_ms);
	r = store_step_done(st, s, "approval history");
	sqlite3_finalize(s);
	return r;
}

int store_account_add(struct store *st, const struct store_account *a, const char *actor,
		      int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (!account_id_valid(a->id) || !store_text_valid(a->name, STORE_NAME_MAX) ||
	    !state_valid(a->state) || !store_text_valid(a->pw_hash, STORE_PWHASH_MAX) ||
	    !opt_text(a->duty, STORE_SHORT_MAX) || !opt_text(a->district, STORE_SHORT_MAX) ||
	    (a->facility[0] && !store_code_valid(a->facility)) ||
	    !opt_text(a->phone, STORE_PHONE_MAX) || !opt_text(a->office_phone, STORE_PHONE_MAX) ||
	    !opt_text(a->email, STORE_EMAIL_MAX))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	s = store_prepare(st, "INSERT INTO accounts (id, name, duty, district, facility, phone,"
			      " email, state, pw_hash, enabled, created_ms, created_by, changed_ms, office_phone,"
			      " must_change_pw) VALUES (?,?,?,?,?,?,?,?,?,1,?,?,?,?,?)");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->duty, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->district, -1, SQLITE_STATIC);
	bind_opt(s, 5, a->facility);
	bind_opt(s, 6, a->phone);
	sqlite3_bind_text(s, 7, a->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, a->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, a->pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, now_ms);
	sqlite3_bind_text(s, 11, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 12, now_ms);
	sqlite3_bind_text(s, 13, a->office_phone, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 14, a->must_change_pw);
	if ((r = store_step_done(st, s, "account add")) < 0)
		goto out;
	if ((r = history_add(st, a->id, "", a->state, "", actor, now_ms)) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

#define ACCOUNT_COLS "id, name, duty, district, coalesce(facility, ''), coalesce(phone, ''),"  \
	" email, state, enabled, failed, coalesce(locked_ms, 0), created_ms, changed_ms,"      \
	" coalesce(last_login_ms, 0), created_by, pw_hash, office_phone, must_change_pw,"      \
	" coalesce(left_ms, 0)"

static void account_row(sqlite3_stmt *s, struct store_account *a, bool with_hash)
{
	memset(a, 0, sizeof(*a));
	store_col_text(s, 0, a->id, sizeof(a->id));
	store_col_text(s, 1, a->name, sizeof(a->name));
	store_col_text(s, 2, a->duty, sizeof(a->duty));
	store_col_text(s, 3, a->district, sizeof(a->district));
	store_col_text(s, 4, a->facility, sizeof(a->facility));
	store_col_text(s, 5, a->phone, sizeof(a->phone));
	store_col_text(s, 6, a->email, sizeof(a->email));
	store_col_text(s, 7, a->state, sizeof(a->state));
	a->enabled = sqlite3_column_int(s, 8) != 0;
	a->failed = sqlite3_column_int(s, 9);
	a->locked_ms = sqlite3_column_int64(s, 10);
	a->created_ms = sqlite3_column_int64(s, 11);
	a->changed_ms = sqlite3_column_int64(s, 12);
	a->last_login_ms = sqlite3_column_int64(s, 13);
	store_col_text(s, 14, a->created_by, sizeof(a->created_by));
	if (with_hash)
		store_col_text(s, 15, a->pw_hash, sizeof(a->pw_hash));
	store_col_text(s, 16, a->office_phone, sizeof(a->office_phone));
	a->must_change_pw = sqlite3_column_int(s, 17) != 0;
	a->left_ms = sqlite3_column_int64(s, 18);
}

int store_account_get(struct store *st, const char *id, struct store_account *out)
{
	sqlite3_stmt *s;
	int rc, r;

	if (!account_id_valid(id))
		return -ENOENT;
	s = store_prepare(st, "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		account_row(s, out, true);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "account get");
	}
	sqlite3_finalize(s);
	return r;
}

static int account_fill(sqlite3_stmt *s, void *a)
{
	account_row(s, a, false);
	return 0;
}

/* Collects the rows of s into a new array of accounts; finalizes s. */
static int account_rows(struct store *st, sqlite3_stmt *s, struct store_account **out,
			size_t *n)
{
	return store_collect(st, s, sizeof(**out), 16, account_fill, "account list", (void **)out,
			     n);
}

int store_account_list(struct store *st, const struct store_account_filter *f,
		       struct store_account **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " ACCOUNT_COLS " FROM accounts"
					    " WHERE (?1 IS NULL OR district = ?1)"
					    " AND (?2 IS NULL OR facility = ?2)"
					    " AND (?3 IS NULL OR state = ?3)"
					    " AND (?4 = 0 OR facility IS NOT NULL) ORDER BY id");

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	bind_opt(s, 1, f ? f->district : NULL);
	bind_opt(s, 2, f ? f->facility : NULL);
	bind_opt(s, 3, f ? f->state : NULL);
	sqlite3_bind_int(s, 4, f && f->staff_only);
	return account_rows(st, s, out, n);
}

int store_account_find(struct store *st, const char *name, const char *phone,
		       struct store_account **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " ACCOUNT_COLS " FROM accounts WHERE"
					    " name = ? AND phone = ? AND state = 'approved'"
					    " ORDER BY id");

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, phone, -1, SQLITE_STATIC);
	return account_rows(st, s, out, n);
}

int store_account_next_number(struct store *st, const char *facility, int *number)
{
	sqlite3_stmt *s;
	int rc, r = 0, hi = 0;

	if (!store_code_valid(facility))
		return -EINVAL;
	/* Every id ever issued under the facility's code counts, wherever its account is now
	 * (staff moves keep their ids), so a number is never issued twice. */
	s = store_prepare(st, "SELECT id FROM accounts WHERE length(id) ="
			      " length(?1) + 3 AND substr(id, 1, length(?1)) = ?1");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		const char *tail = id + strlen(facility);
		int v = 0;

		for (int i = 0; i < 3; i++)
			v = tail[i] >= '0' && tail[i] <= '9' ? v * 10 + (tail[i] - '0') : -1000;
		if (v > hi)
			hi = v;
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "account number");
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	if (hi >= 999)
		return -ENOSPC;
	*number = hi + 1;
	return 0;
}

int store_account_set_state(struct store *st, const char *id, const char *to,
			    const char *reason, const char *actor, int64_t now_ms)
{
	struct store_account a;
	sqlite3_stmt *s = NULL;
	int r;

	if (!state_valid(to) || !opt_text(reason, STORE_NAME_MAX * 4))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_account_get(st, id, &a)) < 0)
		goto out;
	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	s = store_prepare(st, "UPDATE accounts SET state = ?, changed_ms = ? WHERE id = ?");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	if ((r = store_step_done(st, s, "account state")) < 0)
		goto out;
	if ((r = history_add(st, id, a.state, to, reason, actor, now_ms)) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

static int approval_fill(sqlite3_stmt *s, void *e)
{
	struct store_approval *a = e;

	store_col_text(s, 0, a->from, sizeof(a->from));
	store_col_text(s, 1, a->to, sizeof(a->to));
	store_col_text(s, 2, a->actor, sizeof(a->actor));
	store_col_text(s, 3, a->reason, sizeof(a->reason));
	a->at_ms = sqlite3_column_int64(s, 4);
	return 0;
}

int store_account_history(struct store *st, const char *id, struct store_approval **out,
			  size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT from_state, to_state, actor, reason, at_ms"
					    " FROM account_approvals WHERE account = ? ORDER BY id");

	if (s)
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return store_collect(st, s, sizeof(**out), 8, approval_fill, "approval history",
			     (void **)out, n);
}

static int role_fill(sqlite3_stmt *s, void *e)
{
	struct store_role *r = e;

	store_col_text(s, 0, r->role, sizeof(r->role));
	store_col_text(s, 1, r->type, sizeof(r->type));
	return 0;
}

int store_account_roles(struct store *st, const char *id, struct store_role **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT role, type FROM account_roles"
					    " WHERE account = ? ORDER BY role, type");

	if (s)
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return store_collect(st, s, sizeof(**out), 8, role_fill, "account roles", (void **)out,
			     n);
}

static int role_insert(struct store *st, const char *id, const struct store_role *role,
		       const char *actor, int64_t now_ms)
{
	sqlite3_stmt *s;
	int r;

	if (!store_short_valid(role->role) || (role->type[0] && !store_short_valid(role->type)))
		return -EINVAL;
	s = store_prepare(st, "INSERT OR IGNORE INTO account_roles (account, role, type,"
			      " granted_ms, granted_by) SELECT id, ?, ?, ?, ? FROM accounts"
			      " WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, role->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, role->type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	sqlite3_bind_text(s, 4, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, id, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "role grant");
	sqlite3_finalize(s);
	return r;
}

static int account_exists(struct store *st, const char *id)
{
	struct store_account a;
	int r = store_account_get(st, id, &a);

	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	return r;
}

static int account_touch(struct store *st, const char *id, int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE accounts SET changed_ms = ? WHERE id = ?");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "account touch");
	sqlite3_finalize(s);
	return r;
}

int store_account_roles_set(struct store *st, const char *id, const struct store_role *roles,
			    size_t n, const char *actor, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = account_exists(st, id)) < 0)
		goto out;
	s = store_prepare(st, "DELETE FROM account_roles WHERE account = ?");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((r = store_step_done(st, s, "roles clear")) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((r = role_insert(st, id, &roles[i], actor, now_ms)) < 0)
			goto out;
	if ((r = account_touch(st, id, now_ms)) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

int store_account_roles_add(struct store *st, const char *const *ids, size_t n,
			    const struct store_role *role, const char *actor, int64_t now_ms)
{
	int r;

	if ((r = store_tx_begin(st)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if ((r = account_exists(st, ids[i])) < 0 ||
		    (r = role_insert(st, ids[i], role, actor, now_ms)) < 0 ||
		    (r = account_touch(st, ids[i], now_ms)) < 0)
			goto out;
	}
	return store_tx_commit(st);
out:
	store_tx_rollback(st);
	return r;
}

/* Runs one UPDATE of an account with an int64 and the id; -ENOENT when nothing changed. */
static int account_update(struct store *st, const char *sql, int64_t v, const char *id,
			  const char *what)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, v);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	r = store_step_done(st, s, what);
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	sqlite3_finalize(s);
	return r;
}

int store_account_login_failed(struct store *st, const char *id, int max, int64_t now_ms,
			       bool *locked)
{
	struct store_account a;
	sqlite3_stmt *s;
	int r;

	*locked = false;
	s = store_prepare(st, "UPDATE accounts SET failed = failed + 1, locked_ms = CASE WHEN"
			      " locked_ms IS NULL AND failed + 1 >= ?2 THEN ?1 ELSE locked_ms END"
			      " WHERE id = ?3");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "login failed");
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	if ((r = store_account_get(st, id, &a)) < 0)
		return r;
	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	*locked = a.locked_ms != 0;
	return 0;
}

int store_account_set_enabled(struct store *st, const char *id, bool enabled, int64_t now_ms)
{
	return account_update(st, enabled ? "UPDATE accounts SET enabled = 1, changed_ms = ?"
					    " WHERE id = ?"
					  : "UPDATE accounts SET enabled = 0, changed_ms = ?"
					    " WHERE id = ?", now_ms, id, "account enabled");
}

int store_account_login_ok(struct store *st, const char *id, int64_t now_ms)
{
	return account_update(st, "UPDATE accounts SET failed = 0, last_login_ms = ? WHERE id = ?",
			      now_ms, id, "login ok");
}

int store_account_unlock(struct store *st, const char *id, const char *actor, int64_t now_ms)
{
	(void)actor;
	return account_update(st, "UPDATE accounts SET failed = 0, locked_ms = NULL,"
				  " changed_ms = ? WHERE id = ?", now_ms, id, "unlock");
}

int store_account_set_password(struct store *st, const char *id, const char *pw_hash,
			       int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (!store_text_valid(pw_hash, STORE_PWHASH_MAX))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	s = store_prepare(st, "UPDATE accounts SET pw_hash = ?, failed = 0, locked_ms = NULL,"
			      " must_change_pw = 0, changed_ms = ? WHERE id = ?");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	if ((r = store_step_done(st, s, "set password")) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		r = -ENOENT;
		goto out;
	}
	sqlite3_finalize(s);
	s = store_prepare(st, "DELETE FROM sessions WHERE account = ?");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((r = store_step_done(st, s, "end sessions")) < 0)
		goto out;
	sqlite3_finalize(s);
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return r;
}

/* ---- the account list of 담당자관리 (store_core.h) ---- */

#define ACCOUNT_WHERE                                                                        \
	" WHERE (?1 IS NULL OR district = ?1) AND (?2 IS NULL OR facility = ?2)"            \
	" AND (?3 IS NULL OR state = ?3)"                                                    \
	" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM account_roles r WHERE r.account ="       \
	" accounts.id AND r.role = ?4 AND (?5 IS NULL OR r.type = ?5)))"                     \
	" AND (?6 IS NULL OR (facility IS NOT NULL AND"                                      \
	" instr(',' || ?6 || ',', ',' || substr(facility, 3, 2) || ',') > 0))"               \
	" AND (?7 IS NULL OR instr(id, ?7) > 0 OR instr(name, ?7) > 0)"                     \
	" AND (?8 < 0 OR enabled = ?8)"                                                      \
	" AND (?9 < 0 OR (facility IS NOT NULL) = ?9)"                                       \
	" AND (?10 < 0 OR (left_ms IS NOT NULL) = ?10)"                                    \
	" AND (?11 = 0 OR NOT EXISTS (SELECT 1 FROM account_roles r2 WHERE r2.account ="    \
	" accounts.id AND r2.role NOT IN ('coordinator', 'coordinator_code')))"

static void query_bind(sqlite3_stmt *s, const struct store_account_query *q)
{
	bind_opt(s, 1, q->district);
	bind_opt(s, 2, q->facility);
	bind_opt(s, 3, q->state);
	bind_opt(s, 4, q->role);
	if (q->role && q->role_type)
		sqlite3_bind_text(s, 5, q->role_type, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 5);
	bind_opt(s, 6, q->types);
	bind_opt(s, 7, q->q);
	sqlite3_bind_int(s, 8, q->enabled);
	sqlite3_bind_int(s, 9, q->staff);
	sqlite3_bind_int(s, 10, q->left);
	sqlite3_bind_int(s, 11, q->coordinators_only);
}

int store_account_search(struct store *st, const struct store_account_query *q,
			 struct store_account **out, size_t *n, size_t *total)
{
	sqlite3_stmt *s;
	int rc, r;

	*out = NULL;
	*n = 0;
	*total = 0;
	if (q->page < 1 || q->per_page < 1 || q->per_page > STORE_ACCOUNT_PAGE_MAX ||
	    q->page > 1000000)
		return -EINVAL;
	s = store_prepare(st, "SELECT count(*) FROM accounts" ACCOUNT_WHERE);
	if (!s)
		return -EIO;
	query_bind(s, q);
	rc = sqlite3_step(s);
	r = rc == SQLITE_ROW ? 0 : store_step_error(st, rc, "account count");
	if (r == 0)
		*total = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (r < 0)
		return r;
	s = store_prepare(st, "SELECT " ACCOUNT_COLS " FROM accounts" ACCOUNT_WHERE
			      " ORDER BY created_ms DESC, id DESC LIMIT ?12 OFFSET ?13");
	if (!s)
		return -EIO;
	query_bind(s, q);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)q->per_page);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)((q->page - 1) * q->per_page));
	return account_rows(st, s, out, n);
}
