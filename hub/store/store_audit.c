/*
 * The SQLite store: the audit log (store.h, "portal accounts"). One row per state-changing
 * call and per read of a child's personal data: who, in which role, what, on what, from
 * where, when, and how it was answered. Rows are never updated or deleted by the hub.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_int.h"

int store_audit_add(struct store *st, const struct store_audit *a)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO audit_log (at_ms, actor, role, action,"
					    " target, remote, status) VALUES (?,?,?,?,?,?,?)");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, a->at_ms);
	sqlite3_bind_text(s, 2, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, a->remote, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, a->status);
	r = store_step_done(st, s, "audit add");
	sqlite3_finalize(s);
	return r;
}

static int audit_fill(sqlite3_stmt *s, void *e)
{
	struct store_audit *a = e;

	a->id = sqlite3_column_int64(s, 0);
	a->at_ms = sqlite3_column_int64(s, 1);
	store_col_text(s, 2, a->actor, sizeof(a->actor));
	store_col_text(s, 3, a->role, sizeof(a->role));
	store_col_text(s, 4, a->action, sizeof(a->action));
	store_col_text(s, 5, a->target, sizeof(a->target));
	store_col_text(s, 6, a->remote, sizeof(a->remote));
	a->status = sqlite3_column_int(s, 7);
	return 0;
}

int store_audit_list(struct store *st, const struct store_audit_filter *f,
		     struct store_audit **out, size_t *n)
{
	sqlite3_stmt *s;

	*out = NULL;
	*n = 0;
	if (f->limit < 1 || f->limit > 500)
		return -EINVAL;
	s = store_prepare(st, "SELECT id, at_ms, actor, role, action, target, remote, status"
			      " FROM audit_log WHERE (?1 IS NULL OR actor = ?1)"
			      " AND (?2 IS NULL OR substr(action, 1, length(?2)) = ?2)"
			      " AND (?3 IS NULL OR target = ?3) AND (?4 = 0 OR at_ms >= ?4)"
			      " AND (?5 = 0 OR at_ms < ?5) AND (?6 = 0 OR id < ?6)"
			      " ORDER BY id DESC LIMIT ?7");
	if (!s)
		return -EIO;
	if (f->actor)
		sqlite3_bind_text(s, 1, f->actor, -1, SQLITE_STATIC);
	if (f->action)
		sqlite3_bind_text(s, 2, f->action, -1, SQLITE_STATIC);
	if (f->target)
		sqlite3_bind_text(s, 3, f->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, f->from_ms);
	sqlite3_bind_int64(s, 5, f->to_ms);
	sqlite3_bind_int64(s, 6, f->before_id);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)f->limit);
	return store_collect(st, s, sizeof(**out), 32, audit_fill, "audit list", (void **)out, n);
}
