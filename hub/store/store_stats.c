/*
 * Statistics rollups in the SQLite store (see store_stats.h): the hooks that keep
 * stats_day and stats_child_day current one event at a time, their recomputation from
 * scratch, and the reads the statistics screens make. The per-tap hook is on the ingest's
 * hot path: statements prepared once, one indexed card lookup and one or two UPSERTs on
 * small WITHOUT ROWID tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/store/store_int.h"
#include "hub/store/store_stats.h"
#include "hub/store/store_stats_sql.h"
#include "hub/store/store_visits.h"
#include "hub/store/store_attendance_sql.h"

#define STATS_LIST_CAP 4000000 /* rows one read may return */

int store_stats_kind_index(const char *kind)
{
	static const char *const kinds[] = { "regular", "temporary", "sick" };

	for (int i = 0; kind && i < 3; i++)
		if (!strcmp(kind, kinds[i]))
			return i;
	return -1;
}

static bool status_present(const char *s)
{
	static const char *const yes[] = { "present", "late", "left_early", "no_departure",
					   "unreserved" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcmp(s, yes[i]))
			return true;
	return false;
}

/* Adds to one facility-day row (created at zero). */
static int day_add(struct store *st, const char *facility, int64_t day, int present, int taps,
		   int arrivals, int departures, int unknown, const int booked[3])
{
	sqlite3_stmt *s = store_stmt(st, SS_STATS_DAY_ADD,
				     "INSERT INTO stats_day (facility, day, present, taps, arrivals,"
				     " departures, unknown, booked_regular, booked_temporary,"
				     " booked_sick) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE"
				     " SET present = present + excluded.present,"
				     " taps = taps + excluded.taps,"
				     " arrivals = arrivals + excluded.arrivals,"
				     " departures = departures + excluded.departures,"
				     " unknown = unknown + excluded.unknown,"
				     " booked_regular = booked_regular + excluded.booked_regular,"
				     " booked_temporary = booked_temporary + excluded.booked_temporary,"
				     " booked_sick = booked_sick + excluded.booked_sick");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day);
	sqlite3_bind_int(s, 3, present);
	sqlite3_bind_int(s, 4, taps);
	sqlite3_bind_int(s, 5, arrivals);
	sqlite3_bind_int(s, 6, departures);
	sqlite3_bind_int(s, 7, unknown);
	for (int k = 0; k < 3; k++)
		sqlite3_bind_int(s, 8 + k, booked ? booked[k] : 0);
	r = store_step_done(st, s, "stats day");
	sqlite3_reset(s);
	return r;
}

/* What a batch's taps add to facility-day rows, kept in memory until store_commit writes
 * it (one UPSERT per facility and day of the transaction instead of one per tap), the
 * child-days this handle knows to be in stats_child_day and the holders of cards (direct-
 * mapped caches: a miss only costs the query it saves; cleared when a transaction is rolled
 * back, since the rows it inserted are gone, or when another process committed). */
#define PEND_MAX 32
#define SEEN_SLOTS 4096

struct pending {
	char facility[STORE_FACILITY_CODE_MAX];
	int64_t day;
	int present, taps, arrivals, departures, unknown;
};

struct seen {
	char facility[STORE_FACILITY_CODE_MAX];
	char child[STORE_ID_MAX];
	int64_t day;
};

/* A card whose whole history is one open assignment (child since from), or none at all
 * (child ""): its holder at any time follows without a query. Valid while gen matches the
 * cache's generation, which moves when a card row changes on this handle (update hook) or
 * another process committed anything (PRAGMA data_version, checked once per batch). */
struct holder {
	char uid[STORE_UID_HEX_MAX];
	char child[STORE_ID_MAX];
	int64_t from;
	uint64_t gen;
};

struct store_stats_cache {
	struct pending pend[PEND_MAX];
	size_t npend;
	bool checked;            /* data_version was read in this transaction */
	int64_t data_version;
	uint64_t gen;            /* starts at 1: zeroed slots are never valid */
	struct seen seen[SEEN_SLOTS];
	struct holder holders[SEEN_SLOTS];
};

static void cards_changed(void *arg, int op, const char *db, const char *table, sqlite3_int64 id)
{
	struct store *st = arg;

	(void)op, (void)db, (void)id;
	if (st->stats && !strcmp(table, "cards"))
		st->stats->gen++;
}

static uint64_t fnv(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The card's holder when tapped (store_attendance_day's rule): the assignment valid at
 * at_ms, else the one valid at received_ms; "" when nobody held the card. A card has few
 * assignments: all are read from the covering (uid, assigned_ms, ...) index. */
static int tap_child(struct store *st, const char *uid, int64_t at_ms, int64_t received_ms,
		     char *child, size_t len)
{
	struct store_stats_cache *c = st->stats;
	struct holder *h = &c->holders[fnv(uid, 1469598103934665603ull) % SEEN_SLOTS];
	char only[STORE_ID_MAX] = "";
	sqlite3_stmt *s;
	bool at_tap = false;
	int rc, rows = 0, open = 0;
	int64_t from = 0;

	child[0] = '\0';
	if (h->gen == c->gen && !strcmp(h->uid, uid)) {
		if (h->child[0] && (at_ms >= h->from || received_ms >= h->from))
			snprintf(child, len, "%s", h->child);
		return 0;
	}
	s = store_stmt(st, SS_STATS_CARD, "SELECT child_id, assigned_ms, removed_ms FROM cards"
					  " WHERE uid = ? ORDER BY assigned_ms DESC");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, uid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(s, 1), r = sqlite3_column_int64(s, 2);
		bool is_open = sqlite3_column_type(s, 2) == SQLITE_NULL;

		rows++;
		open += is_open;
		from = a;
		if (rows == 1)
			store_col_text(s, 0, only, sizeof(only));
		if (at_tap)
			continue;
		if (a <= at_ms && (is_open || r > at_ms)) {
			store_col_text(s, 0, child, len);
			at_tap = true;
		} else if (!child[0] && a <= received_ms && (is_open || r > received_ms)) {
			store_col_text(s, 0, child, len);
		}
	}
	if (rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return store_step_error(st, rc, "stats card");
	}
	if (rows == 0 || (rows == 1 && open == 1)) {
		snprintf(h->uid, sizeof(h->uid), "%s", uid);
		snprintf(h->child, sizeof(h->child), "%s", only);
		h->from = from;
		h->gen = c->gen;
	}
	sqlite3_reset(s);
	return 0;
}

int store_stats_flush(struct store *st)
{
	struct store_stats_cache *c = st->stats;
	int r = 0;

	for (size_t i = 0; c && i < c->npend && r == 0; i++) {
		struct pending *p = &c->pend[i];

		r = day_add(st, p->facility, p->day, p->present, p->taps, p->arrivals,
			    p->departures, p->unknown, NULL);
	}
	if (c) {
		c->npend = 0;
		c->checked = false;
	}
	return r;
}

void store_stats_discard(struct store *st)
{
	struct store_stats_cache *c = st->stats;

	if (!c)
		return;
	c->npend = 0;
	c->checked = false;
	c->gen++;
	memset(c->seen, 0, sizeof(c->seen));
}

/* Once per transaction: whether another process committed since (it may have changed
 * cards or rebuilt the rollups); if so, forget the card holders and the child-days seen. */
static int check_others(struct store *st)
{
	struct store_stats_cache *c = st->stats;
	sqlite3_stmt *s;
	int64_t v;
	int rc;

	if (c->checked)
		return 0;
	if (!(s = store_stmt(st, SS_STATS_DATA_VERSION, "PRAGMA data_version")))
		return -EIO;
	rc = sqlite3_step(s);
	v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_step_error(st, rc, "data version");
	if (v != c->data_version) { /* kiumctl changed cards, or rebuilt the rollups */
		c->gen++;
		memset(c->seen, 0, sizeof(c->seen));
	}
	c->data_version = v;
	c->checked = true;
	return 0;
}

void store_stats_cache_free(struct store *st)
{
	free(st->stats);
	st->stats = NULL;
}

static struct pending *pending_of(struct store *st, const char *facility, int64_t day)
{
	struct store_stats_cache *c = st->stats;

	for (size_t i = c->npend; i-- > 0;)
		if (c->pend[i].day == day && !strcmp(c->pend[i].facility, facility))
			return &c->pend[i];
	if (c->npend == PEND_MAX && store_stats_flush(st) < 0)
		return NULL;
	memset(&c->pend[c->npend], 0, sizeof(c->pend[0]));
	snprintf(c->pend[c->npend].facility, sizeof(c->pend[0].facility), "%s", facility);
	c->pend[c->npend].day = day;
	return &c->pend[c->npend++];
}

static struct seen *seen_slot(struct store *st, const char *facility, int64_t day,
			      const char *child)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)day;

	for (const char *p = facility; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = child; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return &st->stats->seen[h % SEEN_SLOTS];
}

int store_stats_tap(struct store *st, const char *facility, const struct tap *tap,
		    int64_t time_ms, int64_t received_ms, enum store_time_flag flag)
{
	char uid[STORE_UID_HEX_MAX], child[STORE_ID_MAX];
	int64_t day = clock_seoul_day(time_ms);
	struct pending *p;
	struct seen *sn;
	sqlite3_stmt *s;
	int r;

	if (!st->in_tx)
		return -EINVAL; /* flushed by store_commit only */
	if (!st->stats) {
		if (!(st->stats = calloc(1, sizeof(*st->stats))))
			return -ENOMEM;
		st->stats->gen = 1;
		sqlite3_update_hook(st->db, cards_changed, st);
	}
	if ((r = check_others(st)) < 0)
		return r;
	tap_uid_format(tap->uid, tap->uid_len, uid, sizeof(uid));
	if ((r = tap_child(st, uid, flag == STORE_TIME_UNCORRECTABLE ? received_ms : time_ms,
			   received_ms, child, sizeof(child))) < 0)
		return r;
	if (!(p = pending_of(st, facility, day)))
		return -EIO;
	p->taps++;
	p->arrivals += tap->result == TAP_RESULT_ARRIVAL;
	p->departures += tap->result == TAP_RESULT_DEPARTURE;
	if (!child[0]) {
		p->unknown++;
		return 0;
	}
	/* The child's day of taps, which reconciliation reads (store_visits.h). */
	if ((r = store_visits_tap(st, facility, day, child, time_ms)) < 0)
		return r;
	sn = seen_slot(st, facility, day, child);
	if (sn->day == day && !strcmp(sn->child, child) && !strcmp(sn->facility, facility))
		return 0; /* the child-day row exists: a later tap changes nothing */
	/* The child's first tap of the day makes it present; an existing row (an earlier
	 * tap, or a staff correction, which then decides) changes nothing. */
	s = store_stmt(st, SS_STATS_CHILD_TAP,
		       "INSERT INTO stats_child_day (facility, day, child, status, present)"
		       " VALUES (?, ?, ?, NULL, 1) ON CONFLICT DO NOTHING");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day);
	sqlite3_bind_text(s, 3, child, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "stats child day");
	sqlite3_reset(s);
	if (r < 0)
		return r;
	p->present += sqlite3_changes(st->db) == 1;
	snprintf(sn->facility, sizeof(sn->facility), "%s", facility);
	snprintf(sn->child, sizeof(sn->child), "%s", child);
	sn->day = day;
	return 0;
}

int store_stats_correction(struct store *st, const struct store_correction *c)
{
	sqlite3_stmt *q = store_stmt(st, SS_STATS_CHILD_GET,
				     "SELECT present FROM stats_child_day WHERE facility = ? AND"
				     " day = ? AND child = ?");
	sqlite3_stmt *s;
	int now = status_present(c->status), before = 0, rc, r;

	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, c->facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, c->day);
	sqlite3_bind_text(q, 3, c->child, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		before = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_step_error(st, rc, "stats child day");
	s = store_stmt(st, SS_STATS_CHILD_FIX,
		       "INSERT INTO stats_child_day (facility, day, child, status, present)"
		       " VALUES (?1, ?2, ?3, ?4, ?5)"
		       " ON CONFLICT DO UPDATE SET status = ?4, present = ?5");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, c->facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, c->day);
	sqlite3_bind_text(s, 3, c->child, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, c->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, now);
	r = store_step_done(st, s, "stats correction");
	sqlite3_reset(s);
	if (r < 0 || now == before)
		return r;
	return day_add(st, c->facility, c->day, now - before, 0, 0, 0, 0, NULL);
}

int store_stats_booking(struct store *st, const struct store_booking *b, const char *from,
			const char *to, int64_t now_ms)
{
	bool was = from && !strcmp(from, "approved"), is = to && !strcmp(to, "approved");
	int k = store_stats_kind_index(b->kind), booked[3] = { 0, 0, 0 }, r;
	int64_t first = b->start_day;

	if (was == is || k < 0)
		return 0;
	booked[k] = is ? 1 : -1;
	if (!is && clock_seoul_day(now_ms) > first)
		first = clock_seoul_day(now_ms); /* days already past stay booked */
	for (int64_t d = first; d <= b->end_day; d++) {
		int64_t wd = (d + 3) % 7; /* Monday 0, as booking_weekday */

		if (k == 0 && !((b->weekdays >> (wd < 0 ? wd + 7 : wd)) & 1u))
			continue;
		if ((r = day_add(st, b->facility, d, 0, 0, 0, 0, 0, booked)) < 0)
			return r;
	}
	return 0;
}

int store_stats_rebuild(struct store *st)
{
	int r;

	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_exec(st, STORE_STATS_REBUILD_SQL "DELETE FROM attendance_child_day;"
				STORE_ATTENDANCE_VISITS_FILL_SQL("attendance_child_day"),
			    "stats rebuild")) < 0) {
		store_tx_rollback(st);
		return r;
	}
	return store_tx_commit(st);
}

/* ---- reads ---- */

#define SCOPE_WHERE                                                                            \
	" (?1 IS NULL OR f.district = ?1)"                                                     \
	" AND (?2 IS NULL OR instr(',' || ?2 || ',', ',' || f.type || ',') > 0)"               \
	" AND (?3 IS NULL OR f.code = ?3) AND (?4 IS NULL OR c.kind = ?4)"                     \
	" AND (?5 < 0 OR f.operating = ?5)"

static void scope_bind(sqlite3_stmt *s, const struct store_stats_scope *sc)
{
	if (sc->district)
		sqlite3_bind_text(s, 1, sc->district, -1, SQLITE_STATIC);
	if (sc->types)
		sqlite3_bind_text(s, 2, sc->types, -1, SQLITE_STATIC);
	if (sc->facility)
		sqlite3_bind_text(s, 3, sc->facility, -1, SQLITE_STATIC);
	if (sc->kind)
		sqlite3_bind_text(s, 4, sc->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, sc->operating);
}

int store_stats_facilities(struct store *st, const struct store_stats_scope *sc,
			   struct store_stats_facility **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT f.code, f.name, f.district, f.type,"
					    " coalesce(c.kind, ''), coalesce(c.capacity, -1),"
					    " f.operating FROM facilities f LEFT JOIN facility_care c"
					    " ON c.facility = f.code WHERE" SCOPE_WHERE
					    " ORDER BY f.code");
	struct store_stats_facility *v = NULL, *x;
	size_t cap = 0, k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	scope_bind(s, sc);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == cap && (k >= STATS_LIST_CAP ||
				 store_grow((void **)&v, &cap, sizeof(*v), 64) < 0)) {
			r = -ENOMEM;
			goto out;
		}
		x = &v[k++];
		store_col_text(s, 0, x->code, sizeof(x->code));
		store_col_text(s, 1, x->name, sizeof(x->name));
		store_col_text(s, 2, x->district, sizeof(x->district));
		store_col_text(s, 3, x->type, sizeof(x->type));
		store_col_text(s, 4, x->kind, sizeof(x->kind));
		x->capacity = sqlite3_column_int(s, 5);
		x->operating = sqlite3_column_int(s, 6);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "stats facilities");
out:
	sqlite3_finalize(s);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int store_stats_days(struct store *st, const char *facility, int64_t from_day, int64_t to_day,
		     struct store_stats_day **v, size_t *n, size_t *cap)
{
	sqlite3_stmt *s = store_stmt(st, SS_STATS_DAYS,
				     "SELECT day, present, taps, arrivals, departures, unknown,"
				     " booked_regular, booked_temporary, booked_sick,"
				     " coalesce((SELECT h.capacity FROM capacity_history h"
				     "  WHERE h.facility = d.facility AND h.since_day <= d.day"
				     "  ORDER BY h.since_day DESC LIMIT 1), -1)"
				     " FROM stats_day d"
				     " WHERE facility = ? AND day >= ? AND day <= ? ORDER BY day");
	struct store_stats_day *x;
	int rc, r = 0;

	if (!s || (r = store_stats_flush(st)) < 0) /* a batch open on this handle */
		return s ? r : -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from_day);
	sqlite3_bind_int64(s, 3, to_day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == *cap && (*n >= STATS_LIST_CAP ||
				   store_grow((void **)v, cap, sizeof(**v), 256) < 0)) {
			r = -ENOMEM;
			goto out;
		}
		x = &(*v)[(*n)++];
		snprintf(x->facility, sizeof(x->facility), "%s", facility);
		x->day = sqlite3_column_int64(s, 0);
		x->present = sqlite3_column_int64(s, 1);
		x->taps = sqlite3_column_int64(s, 2);
		x->arrivals = sqlite3_column_int64(s, 3);
		x->departures = sqlite3_column_int64(s, 4);
		x->unknown = sqlite3_column_int64(s, 5);
		for (int i = 0; i < 3; i++)
			x->booked[i] = sqlite3_column_int64(s, 6 + i);
		x->capacity = sqlite3_column_int(s, 9);
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "stats days");
out:
	sqlite3_reset(s);
	return r;
}

int store_stats_users(struct store *st, const char *facility, int64_t from_day, int64_t to_day,
		      struct store_stats_user **v, size_t *n, size_t *cap)
{
	sqlite3_stmt *s = store_stmt(st, SS_STATS_USERS,
		"SELECT DISTINCT b.kind, b.child FROM bookings b WHERE b.facility = ?1"
		" AND b.end_day >= ?2 AND b.start_day <= ?3"
		" AND (b.state = 'approved' OR (b.state = 'cancelled' AND"
		"  EXISTS (SELECT 1 FROM booking_events e WHERE e.booking = b.id"
		"  AND e.from_state = 'approved' AND e.to_state = 'cancelled'"
		"  AND (e.at_ms + 32400000) / 86400000 > max(b.start_day, ?2))))"
		" UNION ALL SELECT DISTINCT 'attended', x.child FROM stats_child_day x"
		"  WHERE x.facility = ?1"
		"  AND x.day >= ?2 AND x.day <= ?3 AND x.present = 1");
	struct store_stats_user *x;
	char kind[STORE_SHORT_MAX];
	int rc, r = 0;

	if (!s || (r = store_stats_flush(st)) < 0)
		return s ? r : -EIO;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, from_day);
	sqlite3_bind_int64(s, 3, to_day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == *cap && (*n >= STATS_LIST_CAP ||
				   store_grow((void **)v, cap, sizeof(**v), 256) < 0)) {
			r = -ENOMEM;
			goto out;
		}
		x = &(*v)[(*n)++];
		snprintf(x->facility, sizeof(x->facility), "%s", facility);
		store_col_text(s, 0, kind, sizeof(kind));
		x->kind = store_stats_kind_index(kind);
		store_col_text(s, 1, x->child, sizeof(x->child));
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "stats users");
out:
	sqlite3_reset(s);
	return r;
}
