/*
 * Reconciliation's own rows in the SQLite store (issue 6): staff corrections of a child's
 * attendance status (their own table; the taps are never changed) and the facility-days
 * where a child's cards were tapped (a child's history across facilities).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/store/store_int.h"
#include "hub/store/store_stats.h"

#define BK_LIST_CAP 200000 /* rows one list may return */

/* ---- attendance corrections ---- */

int store_correction_add(struct store *st, const struct store_correction *c)
{
	sqlite3_stmt *s;
	int r;

	if (!store_code_valid(c->facility) || !store_short_valid(c->status) ||
	    !store_text_valid(c->reason, sizeof(c->reason)))
		return -EINVAL;
	s = store_prepare(st, "INSERT INTO attendance_corrections (facility, child, day, status,"
			      " reason, actor, at_ms) VALUES (?,?,?,?,?,?,?)");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, c->facility, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->child, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, c->day);
	sqlite3_bind_text(s, 4, c->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, c->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, c->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, c->at_ms);
	/* The insert and the statistics rollups (store_stats.h) in one transaction. */
	if ((r = store_tx_begin(st)) < 0)
		goto out;
	if ((r = store_step_done(st, s, "correction add")) < 0 ||
	    (r = store_stats_correction(st, c)) < 0)
		store_tx_rollback(st);
	else
		r = store_tx_commit(st);
out:
	sqlite3_finalize(s);
	return r;
}

int store_correction_list(struct store *st, const char *facility, const char *child,
			  int64_t day, struct store_correction **out, size_t *n)
{
	sqlite3_stmt *s = store_cached(st, "SELECT id, facility, child, day, status, reason,"
					    " actor, at_ms FROM attendance_corrections WHERE"
					    " (?1 IS NULL OR facility = ?1) AND (?2 IS NULL OR"
					    " child = ?2) AND (?3 = 0 OR day = ?3) ORDER BY id");
	struct store_correction *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	if (facility)
		sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	if (child)
		sqlite3_bind_text(s, 2, child, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_correction *c;

		if (cnt == cap) {
			struct store_correction *nv;

			cap = cap ? cap * 2 : 16;
			if (cap > BK_LIST_CAP || !(nv = realloc(v, cap * sizeof(*v)))) {
				r = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		c = &v[cnt++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, c->facility, sizeof(c->facility));
		store_col_text(s, 2, c->child, sizeof(c->child));
		c->day = sqlite3_column_int64(s, 3);
		store_col_text(s, 4, c->status, sizeof(c->status));
		store_col_text(s, 5, c->reason, sizeof(c->reason));
		store_col_text(s, 6, c->actor, sizeof(c->actor));
		c->at_ms = sqlite3_column_int64(s, 7);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "corrections");
out:
	store_release(st, s);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store_child_tap_days(struct store *st, const char *child, int64_t from_day, int64_t to_day,
			 char (**facilities)[STORE_FACILITY_CODE_MAX], int64_t **days, size_t *n)
{
	/* Each child's day of taps (store_visits.h), by its (child, day) index. */
	sqlite3_stmt *s = store_prepare(st, "SELECT facility, day FROM attendance_child_day"
					    " INDEXED BY attendance_child_day_child WHERE child = ?"
					    " AND day >= ? AND day <= ? ORDER BY day, facility");
	char (*f)[STORE_FACILITY_CODE_MAX] = NULL;
	int64_t *d = NULL;
	size_t cnt = 0, cap = 0;
	int rc, r = 0;

	*facilities = NULL;
	*days = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, child, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from_day);
	sqlite3_bind_int64(s, 3, to_day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			void *nf, *nd;

			cap = cap ? cap * 2 : 16;
			if (cap > BK_LIST_CAP) {
				r = -ENOMEM;
				goto out;
			}
			nf = realloc(f, cap * sizeof(*f));
			if (nf)
				f = nf;
			nd = nf ? realloc(d, cap * sizeof(*d)) : NULL;
			if (!nd) {
				r = -ENOMEM;
				goto out;
			}
			d = nd;
		}
		store_col_text(s, 0, f[cnt], sizeof(f[cnt]));
		d[cnt++] = sqlite3_column_int64(s, 1);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "child tap days");
out:
	sqlite3_finalize(s);
	if (r < 0) {
		free(f);
		free(d);
		return r;
	}
	*facilities = f;
	*days = d;
	*n = cnt;
	return 0;
}
