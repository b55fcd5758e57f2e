/*
 * Each child's day of taps (see store_visits.h): one UPSERT per stored tap of a known card
 * (first/last time and count), a range read per facility-day, and the comparison with the
 * recomputation that tests and checks use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/store/store_attendance_sql.h"
#include "hub/store/store_int.h"
#include "hub/store/store_visits.h"

int store_visits_tap(struct store *st, const char *facility, int64_t day, const char *child,
		     int64_t time_ms)
{
	sqlite3_stmt *s = store_stmt(st, SS_VISIT_TAP,
				     "INSERT INTO attendance_child_day (facility, day, child,"
				     " first_ms, last_ms, taps) VALUES (?1, ?2, ?3, ?4, ?4, 1)"
				     " ON CONFLICT DO UPDATE SET"
				     " first_ms = min(first_ms, excluded.first_ms),"
				     " last_ms = max(last_ms, excluded.last_ms), taps = taps + 1");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day);
	sqlite3_bind_text(s, 3, child, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, time_ms);
	r = store_step_done(st, s, "child day of taps");
	sqlite3_reset(s);
	return r;
}

static int visit_row(sqlite3_stmt *s, void *elem)
{
	struct store_visit *v = elem;

	store_col_text(s, 0, v->child, sizeof(v->child));
	v->first_ms = sqlite3_column_int64(s, 1);
	v->last_ms = sqlite3_column_int64(s, 2);
	v->taps = sqlite3_column_int(s, 3);
	return 0;
}

int store_visits_day(struct store *st, const char *facility, int64_t day,
		     struct store_visit **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT child, first_ms, last_ms, taps FROM"
					     " attendance_child_day WHERE facility = ? AND day = ?"
					     " ORDER BY child");

	if (s) {
		sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, day);
	}
	return store_collect(st, s, sizeof(**out), 64, visit_row, "children's days of taps",
			     (void **)out, n);
}

int store_visits_check(struct store *st, size_t *diff)
{
	return store_compare_rebuilt(st, "attendance_child_day",
				     "facility TEXT, day INTEGER, child TEXT, first_ms INTEGER,"
				     " last_ms INTEGER, taps INTEGER",
				     STORE_ATTENDANCE_VISITS_FILL_SQL("temp.ref"), diff);
}
