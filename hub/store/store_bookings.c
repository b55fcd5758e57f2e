/*
 * Bookings in the SQLite store (issue 6): care settings, terms, bookings with their events,
 * the waitlist's offers, attendance corrections. The capacity rule itself lives in
 * hub/domain/booking.c and reaches the store as a fit callback, called inside the
 * BEGIN IMMEDIATE transaction that reads the held places and inserts the booking: SQLite
 * admits one writer at a time, so no two handles (threads or processes) can both see the
 * last place free. The places held are kept as load points (booking_load, one row per
 * facility, day and minute where the count changes), moved in the same transaction as
 * every state change that takes or frees a place; store_booking_load_check compares them
 * with a recomputation from the bookings. The schema's CHECKs refuse what must never be stored (unknown kinds and
 * states, a temporary booking over several days, an offer without a deadline).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "hub/store/store_booking_sql.h"
#include "hub/store/store_int.h"
#include "hub/store/store_notify.h"
#include "hub/store/store_stats.h"

#define BK_LIST_CAP 200000 /* rows one list may return */

int store_care_set(struct store *st, const struct store_care *c, const char *actor,
		   int64_t now_ms)
{
	sqlite3_stmt *s;
	int r;

	if (!store_code_valid(c->facility) || c->capacity < 0 || c->sick_capacity < 0 ||
	    c->capacity > 100000 || c->sick_capacity > 100000)
		return -EINVAL;
	s = store_prepare(st, "INSERT INTO facility_care (facility, kind, capacity, sick_capacity,"
			      " changed_ms, changed_by) VALUES (?,?,?,?,?,?)"
			      " ON CONFLICT(facility) DO UPDATE SET kind = excluded.kind,"
			      " capacity = excluded.capacity, sick_capacity = excluded.sick_capacity,"
			      " changed_ms = excluded.changed_ms, changed_by = excluded.changed_by");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, c->facility, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, c->capacity);
	sqlite3_bind_int(s, 4, c->sick_capacity);
	sqlite3_bind_int64(s, 5, now_ms);
	sqlite3_bind_text(s, 6, actor ? actor : "", -1, SQLITE_STATIC);
	r = store_step_done(st, s, "care set");
	sqlite3_finalize(s);
	return r;
}

int store_care_get(struct store *st, const char *facility, struct store_care *out)
{
	sqlite3_stmt *s = store_cached(st, "SELECT facility, kind, capacity, sick_capacity,"
					    " changed_ms, changed_by FROM facility_care"
					    " WHERE facility = ?");
	int rc, r = 0;

	if (!s)
		return -EIO;
	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_col_text(s, 0, out->facility, sizeof(out->facility));
		store_col_text(s, 1, out->kind, sizeof(out->kind));
		out->capacity = sqlite3_column_int(s, 2);
		out->sick_capacity = sqlite3_column_int(s, 3);
		out->changed_ms = sqlite3_column_int64(s, 4);
		store_col_text(s, 5, out->changed_by, sizeof(out->changed_by));
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = store_step_error(st, rc, "care get");
	}
	store_release(st, s);
	return r;
}

int store_terms_set(struct store *st, int year, const struct store_term *t, size_t n)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (n == 0 || n > 4)
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	s = store_prepare(st, "DELETE FROM terms WHERE year = ?");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int(s, 1, year);
	if ((r = store_step_done(st, s, "terms delete")) < 0)
		goto out;
	sqlite3_finalize(s);
	s = store_prepare(st, "INSERT INTO terms (year, idx, name, start_day, end_day, open_min,"
			      " close_min, meal, snack) VALUES (?,?,?,?,?,?,?,?,?)");
	if (!s) {
		r = -EIO;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int(s, 1, year);
		sqlite3_bind_int(s, 2, t[i].index);
		sqlite3_bind_text(s, 3, t[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, t[i].start_day);
		sqlite3_bind_int64(s, 5, t[i].end_day);
		sqlite3_bind_int(s, 6, t[i].open_min);
		sqlite3_bind_int(s, 7, t[i].close_min);
		sqlite3_bind_int(s, 8, t[i].meal);
		sqlite3_bind_int(s, 9, t[i].snack);
		if ((r = store_step_done(st, s, "terms insert")) < 0)
			goto out;
	}
	r = store_tx_commit(st);
out:
	sqlite3_finalize(s);
	if (r < 0)
		store_tx_rollback(st);
	return r;
}

int store_terms_range(struct store *st, int64_t from_day, int64_t to_day,
		      struct store_term **out, size_t *n)
{
	sqlite3_stmt *s = store_cached(st, "SELECT year, idx, name, start_day, end_day, open_min,"
					    " close_min, meal, snack FROM terms WHERE"
					    " end_day >= ? AND start_day <= ? ORDER BY start_day");
	struct store_term *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, from_day);
	sqlite3_bind_int64(s, 2, to_day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_term *t;

		if (cnt == cap) {
			struct store_term *nv;

			cap = cap ? cap * 2 : 8;
			if (cap > 4096 || !(nv = realloc(v, cap * sizeof(*v)))) {
				r = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		t = &v[cnt++];
		memset(t, 0, sizeof(*t));
		t->year = sqlite3_column_int(s, 0);
		t->index = sqlite3_column_int(s, 1);
		store_col_text(s, 2, t->name, sizeof(t->name));
		t->start_day = sqlite3_column_int64(s, 3);
		t->end_day = sqlite3_column_int64(s, 4);
		t->open_min = sqlite3_column_int(s, 5);
		t->close_min = sqlite3_column_int(s, 6);
		t->meal = sqlite3_column_int(s, 7);
		t->snack = sqlite3_column_int(s, 8);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "terms range");
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

/* ---- bookings ---- */

#define BK_COLS                                                                            \
	"b.id, b.facility, b.child, coalesce(b.parent, ''), b.kind, b.state, b.start_day,"  \
	" b.end_day, b.weekdays, b.start_min, b.end_min, b.offline, coalesce(b.extends_id, 0)," \
	" b.reason, b.docs, coalesce(b.offer_expires_ms, 0), b.created_ms, b.changed_ms,"    \
	" b.created_by,"                                                                    \
	" CASE WHEN b.state = 'waiting' THEN (SELECT count(*) FROM bookings w WHERE"        \
	"  w.facility = b.facility AND w.state = 'waiting' AND w.kind = b.kind AND"         \
	"  (b.kind = 'regular' OR w.start_day = b.start_day) AND w.id <= b.id) ELSE 0 END,"  \
	" EXISTS (SELECT 1 FROM guardian_links g WHERE g.child = b.child AND"               \
	"  g.confirmed_ms IS NOT NULL)"

static void bk_row(sqlite3_stmt *s, struct store_booking *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, b->facility, sizeof(b->facility));
	store_col_text(s, 2, b->child, sizeof(b->child));
	store_col_text(s, 3, b->parent, sizeof(b->parent));
	store_col_text(s, 4, b->kind, sizeof(b->kind));
	store_col_text(s, 5, b->state, sizeof(b->state));
	b->start_day = sqlite3_column_int64(s, 6);
	b->end_day = sqlite3_column_int64(s, 7);
	b->weekdays = (unsigned)sqlite3_column_int(s, 8);
	b->start_min = sqlite3_column_int(s, 9);
	b->end_min = sqlite3_column_int(s, 10);
	b->offline = sqlite3_column_int(s, 11);
	b->extends_id = sqlite3_column_int64(s, 12);
	store_col_text(s, 13, b->reason, sizeof(b->reason));
	store_col_text(s, 14, b->docs, sizeof(b->docs));
	b->offer_expires_ms = sqlite3_column_int64(s, 15);
	b->created_ms = sqlite3_column_int64(s, 16);
	b->changed_ms = sqlite3_column_int64(s, 17);
	store_col_text(s, 18, b->created_by, sizeof(b->created_by));
	b->position = sqlite3_column_int(s, 19);
	b->guardian_linked = sqlite3_column_int(s, 20);
}

/* Steps s collecting rows into a growable array. */
static int bk_collect(struct store *st, sqlite3_stmt *s, struct store_booking **out, size_t *n)
{
	struct store_booking *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			struct store_booking *nv;

			cap = cap ? cap * 2 : 16;
			if (cap > BK_LIST_CAP || !(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		bk_row(s, &v[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		free(v);
		return store_step_error(st, rc, "bookings list");
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* The load points of facility on cand's days before its end (all a capacity check reads):
 * one range of booking_load's key per decision, however many places are held. */
static int bk_load_read(struct store *st, const char *facility, const struct store_booking *cand,
			struct store_booking_load **out, size_t *n)
{
	sqlite3_stmt *s = store_cached(st, "SELECT day, minute, d_regular, d_temporary, d_sick"
					    " FROM booking_load WHERE facility = ? AND day >= ?"
					    " AND day <= ? AND minute < ? ORDER BY day, minute");
	struct store_booking_load *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, cand->start_day);
	sqlite3_bind_int64(s, 3, cand->end_day);
	sqlite3_bind_int(s, 4, cand->end_min);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_booking_load *p;

		if (cnt == cap) {
			struct store_booking_load *nv;

			cap = cap ? cap * 2 : 64;
			if (cap > BK_LIST_CAP || !(nv = realloc(v, cap * sizeof(*v)))) {
				r = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		p = &v[cnt++];
		p->day = sqlite3_column_int64(s, 0);
		p->minute = sqlite3_column_int(s, 1);
		for (int k = 0; k < 3; k++)
			p->delta[k] = sqlite3_column_int(s, 2 + k);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "booking load");
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

static bool bk_state_held(const char *state)
{
	return !strcmp(state, "pending") || !strcmp(state, "approved") ||
	       !strcmp(state, "offered");
}

/* One load point moved by delta in pool; a point that comes back to zero is removed. */
static int bk_load_point(struct store *st, const char *facility, int64_t day, int minute,
			 int pool, int delta)
{
	sqlite3_stmt *s = store_cached(st, "INSERT INTO booking_load (facility, day, minute,"
					    " d_regular, d_temporary, d_sick) VALUES (?,?,?,?,?,?)"
					    " ON CONFLICT (facility, day, minute) DO UPDATE SET"
					    " d_regular = d_regular + excluded.d_regular,"
					    " d_temporary = d_temporary + excluded.d_temporary,"
					    " d_sick = d_sick + excluded.d_sick"
					    " RETURNING d_regular = 0 AND d_temporary = 0 AND"
					    " d_sick = 0");
	bool zero = false;
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day);
	sqlite3_bind_int(s, 3, minute);
	for (int k = 0; k < 3; k++)
		sqlite3_bind_int(s, 4 + k, k == pool ? delta : 0);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		zero = sqlite3_column_int(s, 0) != 0;
		rc = sqlite3_step(s);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "booking load point");
	store_release(st, s);
	if (r < 0 || !zero)
		return r;
	s = store_cached(st, "DELETE FROM booking_load WHERE facility = ? AND day = ? AND"
			     " minute = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day);
	sqlite3_bind_int(s, 3, minute);
	r = store_step_done(st, s, "booking load point");
	store_release(st, s);
	return r;
}

/* b starts (sign +1) or stops (-1) holding its places: its load points on each day it takes
 * place (regular care on its weekdays; Monday bit 0, day 0 a Thursday). */
static int bk_load_apply(struct store *st, const struct store_booking *b, int sign)
{
	bool regular = !strcmp(b->kind, "regular");
	int pool = regular ? 0 : !strcmp(b->kind, "temporary") ? 1 : 2, r = 0;

	for (int64_t d = b->start_day; d <= b->end_day && r == 0; d++) {
		int64_t wd = (d + 3) % 7;

		if (regular && !((b->weekdays >> (wd < 0 ? wd + 7 : wd)) & 1u))
			continue;
		if ((r = bk_load_point(st, b->facility, d, b->start_min, pool, sign)) == 0)
			r = bk_load_point(st, b->facility, d, b->end_min, pool, -sign);
	}
	return r;
}

int store_booking_load_check(struct store *st, size_t *diff)
{
	return store_compare_rebuilt(st, "booking_load",
				     "facility TEXT, day INTEGER, minute INTEGER, d_regular INTEGER,"
				     " d_temporary INTEGER, d_sick INTEGER",
				     STORE_BOOKING_LOAD_FILL_SQL("temp.ref"), diff);
}

static int bk_count_waiting(struct store *st, const struct store_booking *b, size_t *n)
{
	/* Regular bookings wait per kind, the others per day: two statements, so that each
	 * is a count over one range of bookings_facility_state (an OR would walk them all). */
	bool regular = !strcmp(b->kind, "regular");
	sqlite3_stmt *s = regular
		? store_cached(st, "SELECT count(*) FROM bookings WHERE facility = ? AND"
				   " state = 'waiting' AND kind = ?")
		: store_cached(st, "SELECT count(*) FROM bookings WHERE facility = ? AND"
				   " state = 'waiting' AND kind = ? AND start_day = ?");
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, b->facility, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, b->kind, -1, SQLITE_STATIC);
	if (!regular)
		sqlite3_bind_int64(s, 3, b->start_day);
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(s, 0) : 0;
	store_release(st, s);
	return rc == SQLITE_ROW ? 0 : store_step_error(st, rc, "waiting count");
}

/* Whether the child already holds or waits for a booking meeting b's days and hours. */
static int bk_child_overlap(struct store *st, const struct store_booking *b, bool *found)
{
	sqlite3_stmt *s = store_cached(st, "SELECT 1 FROM bookings WHERE child = ? AND"
					    " state IN ('pending','approved','offered','waiting') AND"
					    " start_day <= ? AND end_day >= ? AND start_min < ? AND"
					    " end_min > ? AND (weekdays & ?) != 0 LIMIT 1");
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, b->child, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, b->end_day);
	sqlite3_bind_int64(s, 3, b->start_day);
	sqlite3_bind_int(s, 4, b->end_min);
	sqlite3_bind_int(s, 5, b->start_min);
	sqlite3_bind_int(s, 6, (int)b->weekdays);
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	store_release(st, s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_step_error(st, rc, "overlap");
}

static int bk_event(struct store *st, int64_t id, const char *from, const char *to,
		    const char *actor, const char *reason, int64_t now_ms)
{
	sqlite3_stmt *s = store_cached(st, "INSERT INTO booking_events (booking, from_state,"
					    " to_state, actor, reason, at_ms) VALUES (?,?,?,?,?,?)");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, reason ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now_ms);
	r = store_step_done(st, s, "booking event");
	store_release(st, s);
	return r;
}

/* A notification to the booking's parent (if any) in the current transaction. */
static int bk_notify(struct store *st, const struct store_booking *b, const char *tmpl,
		     const char *reason, int64_t now_ms)
{
	json_t *p;
	char *txt;
	int r;

	if (!b->parent[0])
		return 0;
	p = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "booking", (json_int_t)b->id, "facility",
		      b->facility, "child", b->child, "kind", b->kind, "offer_expires_ms",
		      (json_int_t)b->offer_expires_ms, "reason", reason ? reason : "");
	txt = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	if (!txt)
		return -ENOMEM;
	{
		/* Scoped to the facility for the admin listing; the parent's preferences
		 * decide (booking results, waitlist offers). */
		struct store_outbox_new m = { b->parent, tmpl, txt, NULL, b->facility,
					      strcmp(tmpl, "booking_offered") ? "booking"
									: "waitlist_offer" };

		r = store_outbox_put(st, &m, now_ms);
	}
	free(txt);
	if (r > 0)
		r = 0;
	return r;
}

static int bk_set_state(struct store *st, struct store_booking *b, const char *to,
			const char *reason, const char *actor, int64_t expires_ms, int64_t now_ms)
{
	sqlite3_stmt *s = store_cached(st, "UPDATE bookings SET state = ?, reason = ?,"
					    " offer_expires_ms = ?, changed_ms = ? WHERE id = ?");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, reason ? reason : "", -1, SQLITE_STATIC);
	if (expires_ms)
		sqlite3_bind_int64(s, 3, expires_ms);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, now_ms);
	sqlite3_bind_int64(s, 5, b->id);
	r = store_step_done(st, s, "booking state");
	store_release(st, s);
	if (r < 0)
		return r;
	if (bk_state_held(b->state) != bk_state_held(to) &&
	    (r = bk_load_apply(st, b, bk_state_held(to) ? 1 : -1)) < 0)
		return r;
	r = bk_event(st, b->id, b->state, to, actor, reason, now_ms);
	if (r == 0)
		r = store_stats_booking(st, b, b->state, to, now_ms); /* statistics rollups */
	snprintf(b->state, sizeof(b->state), "%s", to);
	b->offer_expires_ms = expires_ms;
	return r;
}

int store_booking_add(struct store *st, struct store_booking *b, bool approve_now,
		      store_booking_fit_fn fit, void *arg, int64_t now_ms, const char **why)
{
	struct store_booking_load *load = NULL;
	struct store_care care;
	sqlite3_stmt *s = NULL;
	size_t nload = 0, nwait = 0;
	bool dup;
	int r, d;

	*why = NULL;
	if (!store_code_valid(b->facility) || !b->child[0] || b->start_day > b->end_day)
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_care_get(st, b->facility, &care)) < 0) {
		if (r == -ENOENT)
			*why = "care_not_set";
		goto out;
	}
	if ((r = bk_child_overlap(st, b, &dup)) < 0)
		goto out;
	if (dup) {
		*why = "booking_duplicate";
		r = -EEXIST;
		goto out;
	}
	if ((r = bk_load_read(st, b->facility, b, &load, &nload)) < 0 ||
	    (r = bk_count_waiting(st, b, &nwait)) < 0)
		goto out;
	d = fit(arg, &care, b, load, nload, nwait, why);
	if (d < 0) {
		r = d;
		goto out;
	}
	snprintf(b->state, sizeof(b->state), "%s",
		 d == 1 ? "waiting" : approve_now ? "approved" : "pending");
	s = store_cached(st, "INSERT INTO bookings (facility, child, parent, kind, state,"
			      " start_day, end_day, weekdays, start_min, end_min, offline,"
			      " extends_id, docs, created_ms, changed_ms, created_by)"
			      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, b->facility, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, b->child, -1, SQLITE_STATIC);
	if (b->parent[0])
		sqlite3_bind_text(s, 3, b->parent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, b->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, b->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, b->start_day);
	sqlite3_bind_int64(s, 7, b->end_day);
	sqlite3_bind_int(s, 8, (int)b->weekdays);
	sqlite3_bind_int(s, 9, b->start_min);
	sqlite3_bind_int(s, 10, b->end_min);
	sqlite3_bind_int(s, 11, b->offline);
	if (b->extends_id)
		sqlite3_bind_int64(s, 12, b->extends_id);
	sqlite3_bind_text(s, 13, b->docs[0] ? b->docs : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, now_ms);
	sqlite3_bind_int64(s, 15, now_ms);
	sqlite3_bind_text(s, 16, b->created_by, -1, SQLITE_STATIC);
	if ((r = store_step_done(st, s, "booking insert")) < 0)
		goto out;
	b->id = sqlite3_last_insert_rowid(st->db);
	b->created_ms = b->changed_ms = now_ms;
	b->position = d == 1 ? (int)nwait + 1 : 0;
	if (d == 0 && (r = bk_load_apply(st, b, 1)) < 0)
		goto out;
	if ((r = bk_event(st, b->id, "", b->state, b->created_by, "", now_ms)) < 0 ||
	    (r = store_stats_booking(st, b, "", b->state, now_ms)) < 0)
		goto out;
	if (approve_now && d == 0 && (r = bk_notify(st, b, "booking_approved", "", now_ms)) < 0)
		goto out;
	r = store_tx_commit(st);
out:
	store_release(st, s);
	free(load);
	if (r < 0)
		store_tx_rollback(st);
	return r;
}

int store_booking_get(struct store *st, int64_t id, struct store_booking *out)
{
	sqlite3_stmt *s = store_cached(st, "SELECT " BK_COLS " FROM bookings b WHERE b.id = ?");
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		bk_row(s, out);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "booking get");
	store_release(st, s);
	return r;
}

int store_booking_list(struct store *st, const struct store_booking_filter *f,
		       struct store_booking **out, size_t *n)
{
	char sql[2048];
	size_t len;
	sqlite3_stmt *s;
	int r;

	/* Only the conditions in use, so SQLite can pick the facility, child or parent index. */
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT " BK_COLS " FROM bookings b WHERE"
			       " b.end_day >= ?6");
#define BK_AND(cond, text) \
	if (cond)          \
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", text)
	BK_AND(f->facility, " AND b.facility = ?1");
	BK_AND(f->parent, " AND b.parent = ?2");
	BK_AND(f->child, " AND b.child = ?3");
	BK_AND(f->kind, " AND b.kind = ?4");
	BK_AND(f->extensions_only, " AND b.extends_id IS NOT NULL AND ?5");
	BK_AND(f->on_day, " AND b.start_day <= ?7 AND b.end_day >= ?7 AND (b.kind <> 'regular'"
			  " OR (b.weekdays >> ((?7 + 3) % 7)) & 1)");
#undef BK_AND
	if (f->states) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND b.state IN (");
		for (int k = 0; f->states[k] && k < 8; k++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?%d",
						k ? "," : "", 8 + k);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
	}
	snprintf(sql + len, sizeof(sql) - len, " ORDER BY b.id");
	if (!(s = store_cached(st, sql)))
		return -EIO;
	if (f->facility)
		sqlite3_bind_text(s, 1, f->facility, -1, SQLITE_STATIC);
	if (f->parent)
		sqlite3_bind_text(s, 2, f->parent, -1, SQLITE_STATIC);
	if (f->child)
		sqlite3_bind_text(s, 3, f->child, -1, SQLITE_STATIC);
	if (f->kind)
		sqlite3_bind_text(s, 4, f->kind, -1, SQLITE_STATIC);
	if (f->extensions_only)
		sqlite3_bind_int(s, 5, 1);
	sqlite3_bind_int64(s, 6, f->on_or_after_day);
	if (f->on_day)
		sqlite3_bind_int64(s, 7, f->on_day);
	for (int k = 0; f->states && f->states[k] && k < 8; k++)
		sqlite3_bind_text(s, 8 + k, f->states[k], -1, SQLITE_STATIC);
	r = bk_collect(st, s, out, n);
	store_release(st, s);
	return r;
}

/* Offers the freed place at facility to the first waiting booking that now fits. */
static int bk_offer_next(struct store *st, const char *facility, int64_t offer_ms,
			 store_booking_fit_fn fit, void *arg, int64_t now_ms)
{
	const char *states[] = { "waiting", NULL };
	struct store_booking_filter f = { .facility = facility, .states = states };
	struct store_booking *w = NULL;
	struct store_booking_load *load = NULL;
	struct store_care care;
	size_t nw = 0, nload = 0;
	const char *why;
	int r;

	if ((r = store_care_get(st, facility, &care)) < 0 ||
	    (r = store_booking_list(st, &f, &w, &nw)) < 0)
		return r == -ENOENT ? 0 : r;
	for (size_t i = 0; i < nw; i++) {
		int d;

		free(load);
		load = NULL;
		if ((r = bk_load_read(st, facility, &w[i], &load, &nload)) < 0)
			break;
		d = fit(arg, &care, &w[i], load, nload, 0, &why);
		if (d != 0)
			continue;
		if ((r = bk_set_state(st, &w[i], "offered", "", "system", now_ms + offer_ms,
				      now_ms)) < 0 ||
		    (r = bk_notify(st, &w[i], "booking_offered", "", now_ms)) < 0)
			break;
		break;
	}
	free(load);
	free(w);
	return r;
}

int store_booking_decide(struct store *st, int64_t id, const char *action, const char *reason,
			 const char *actor, int64_t offer_ms, store_booking_fit_fn fit,
			 void *arg, int64_t now_ms, const char **why)
{
	struct store_booking b;
	const char *to = NULL;
	bool held, ok = false, freed = false;
	int r;

	*why = NULL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_booking_get(st, id, &b)) < 0)
		goto out;
	held = bk_state_held(b.state);
	if (!strcmp(action, "approved")) {
		ok = !strcmp(b.state, "pending");
		to = "approved";
	} else if (!strcmp(action, "rejected")) {
		ok = !strcmp(b.state, "pending") || !strcmp(b.state, "waiting") ||
		     !strcmp(b.state, "offered");
		to = "rejected";
		freed = held;
	} else if (!strcmp(action, "cancelled")) {
		ok = held || !strcmp(b.state, "waiting");
		to = "cancelled";
		freed = held;
	} else if (!strcmp(action, "accepted")) {
		ok = !strcmp(b.state, "offered");
		to = "pending";
		if (ok && now_ms > b.offer_expires_ms) {
			to = "expired";
			freed = true;
		}
	} else {
		r = -EINVAL;
		goto out;
	}
	if (!ok) {
		*why = "state_conflict";
		r = -EBUSY;
		goto out;
	}
	if ((r = bk_set_state(st, &b, to, reason, actor, 0, now_ms)) < 0)
		goto out;
	if (strcmp(to, "pending") && strcmp(to, "cancelled")) {
		char tmpl[STORE_SHORT_MAX];

		snprintf(tmpl, sizeof(tmpl), "booking_%s", to);
		if ((r = bk_notify(st, &b, tmpl, reason, now_ms)) < 0)
			goto out;
	}
	if (freed && (r = bk_offer_next(st, b.facility, offer_ms, fit, arg, now_ms)) < 0)
		goto out;
	if ((r = store_tx_commit(st)) < 0)
		goto out;
	if (!strcmp(to, "expired")) {
		*why = "offer_expired";
		return -ETIMEDOUT;
	}
	return 0;
out:
	store_tx_rollback(st);
	return r;
}

int store_booking_expire_offers(struct store *st, int64_t offer_ms, store_booking_fit_fn fit,
				void *arg, int64_t now_ms, size_t *n)
{
	const char *states[] = { "offered", NULL };
	struct store_booking_filter f = { .states = states };
	struct store_booking *v = NULL;
	sqlite3_stmt *q;
	size_t nv = 0, cnt = 0;
	int r, rc;

	if (n)
		*n = 0;
	/* A read first: the common case (nothing due) costs no write transaction. */
	q = store_cached(st, "SELECT 1 FROM bookings WHERE state = 'offered' AND"
			      " offer_expires_ms < ? LIMIT 1");
	if (!q)
		return -EIO;
	sqlite3_bind_int64(q, 1, now_ms);
	rc = sqlite3_step(q);
	store_release(st, q);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_step_error(st, rc, "offers due");
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_booking_list(st, &f, &v, &nv)) < 0)
		goto out;
	for (size_t i = 0; i < nv; i++) {
		if (v[i].offer_expires_ms >= now_ms)
			continue;
		if ((r = bk_set_state(st, &v[i], "expired", "", "system", 0, now_ms)) < 0 ||
		    (r = bk_notify(st, &v[i], "booking_expired", "", now_ms)) < 0 ||
		    (r = bk_offer_next(st, v[i].facility, offer_ms, fit, arg, now_ms)) < 0)
			goto out;
		cnt++;
	}
	r = store_tx_commit(st);
out:
	free(v);
	if (r < 0)
		store_tx_rollback(st);
	else if (n)
		*n = cnt;
	return r;
}
