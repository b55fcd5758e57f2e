/*
 * Staff accounts over time (store_core.h): moves between facilities and leaving, each kept
 * in account_moves (migration 11) in the transaction that makes the change; the forced
 * password change flag; and a center's care kind set without touching its capacity.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_core.h"
#include "hub/store/store_int.h"

/* Runs sql with text parameters t[0..nt) then integers v[0..nv). */
static int run(struct store *st, const char *sql, const char *what, const char *const *t,
	       size_t nt, const int64_t *v, size_t nv)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int r;

	if (!s)
		return -EIO;
	for (size_t i = 0; i < nt; i++)
		sqlite3_bind_text(s, (int)i + 1, t[i], -1, SQLITE_STATIC);
	for (size_t i = 0; i < nv; i++)
		sqlite3_bind_int64(s, (int)(nt + i) + 1, v[i]);
	r = store_step_done(st, s, what);
	sqlite3_finalize(s);
	return r;
}

static int move_row(struct store *st, const char *id, const char *from, const char *to,
		    const char *reason, const char *actor, int64_t now_ms)
{
	const char *t[] = { id, from, to, reason, actor ? actor : "" };

	return run(st, "INSERT INTO account_moves (account, from_facility, to_facility, reason,"
		       " actor, at_ms) VALUES (?, ?, ?, ?, ?, ?)", "account move", t, 5, &now_ms,
		   1);
}

int store_account_move(struct store *st, const char *id, const char *to, const char *reason,
		       const char *actor, int64_t now_ms)
{
	struct store_account a;
	struct store_facility f;
	int r;

	if (!store_code_valid(to) || !store_text_valid(reason, 512))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_account_get(st, id, &a)) < 0)
		goto out;
	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	if ((r = store_facility_get(st, to, &f)) < 0)
		goto out;
	if (a.left_ms) {
		r = -EALREADY;
		goto out;
	}
	if (!a.facility[0] || !strcmp(a.facility, to)) {
		r = -EINVAL;
		goto out;
	}
	{
		const char *t[] = { f.code, f.district, id };

		r = run(st, "UPDATE accounts SET facility = ?1, district = ?2, changed_ms = ?4"
			    " WHERE id = ?3", "account facility", t, 3, &now_ms, 1);
	}
	if (r == 0)
		r = move_row(st, id, a.facility, f.code, reason, actor, now_ms);
	if (r < 0)
		goto out;
	return store_tx_commit(st);
out:
	store_tx_rollback(st);
	return r;
}

int store_account_leave(struct store *st, const char *id, const char *reason,
			const char *actor, int64_t now_ms)
{
	static const char *const sql[] = {
		"UPDATE accounts SET enabled = 0, left_ms = ?2, changed_ms = ?2 WHERE id = ?1",
		"DELETE FROM account_roles WHERE account = ?1",
		"DELETE FROM sessions WHERE account = ?1",
	};
	struct store_account a;
	int r;

	if (!store_text_valid(reason, 512))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_account_get(st, id, &a)) < 0)
		goto out;
	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	if (a.left_ms) {
		r = -EALREADY;
		goto out;
	}
	if (!a.facility[0]) {
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		const char *t[] = { id };

		if ((r = run(st, sql[i], "account leave", t, 1, &now_ms, i == 0)) < 0)
			goto out;
	}
	if ((r = move_row(st, id, a.facility, "", reason, actor, now_ms)) < 0)
		goto out;
	return store_tx_commit(st);
out:
	store_tx_rollback(st);
	return r;
}

static int move_fill(sqlite3_stmt *s, void *e)
{
	struct store_account_move *m = e;

	m->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, m->from, sizeof(m->from));
	store_col_text(s, 2, m->to, sizeof(m->to));
	store_col_text(s, 3, m->reason, sizeof(m->reason));
	store_col_text(s, 4, m->actor, sizeof(m->actor));
	m->at_ms = sqlite3_column_int64(s, 5);
	return 0;
}

int store_account_moves(struct store *st, const char *id, struct store_account_move **out,
			size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT id, from_facility, to_facility, reason, actor,"
					    " at_ms FROM account_moves WHERE account = ? ORDER BY id");

	if (s)
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return store_collect(st, s, sizeof(**out), 4, move_fill, "account moves", (void **)out,
			     n);
}

int store_account_set_must_change(struct store *st, const char *id, bool must)
{
	const char *t[] = { id };
	const int64_t v[] = { must };
	int r = run(st, "UPDATE accounts SET must_change_pw = ?2 WHERE id = ?1", "must change",
		    t, 1, v, 1);

	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	return r;
}

int store_care_set_kind(struct store *st, const char *facility, const char *kind, int sick,
			int initial_capacity, const char *actor, int64_t now_ms)
{
	const char *t[] = { facility, kind, actor ? actor : "" };
	const int64_t v[] = { initial_capacity, sick, now_ms };

	if (!store_code_valid(facility) || !store_short_valid(kind) || initial_capacity < 0 ||
	    sick > 100000)
		return -EINVAL;
	return run(st, "INSERT INTO facility_care (facility, kind, changed_by, capacity,"
		       " sick_capacity, changed_ms) VALUES (?1, ?2, ?3, ?4, max(?5, 0), ?6)"
		       " ON CONFLICT(facility) DO UPDATE SET kind = excluded.kind,"
		       " sick_capacity = CASE WHEN ?5 < 0 THEN sick_capacity ELSE ?5 END,"
		       " changed_ms = excluded.changed_ms, changed_by = excluded.changed_by",
		   "care kind", t, 3, v, 3);
}
