/*
 * Unit tests of the statistics (issue 7): rollups kept by the ingest, booking and
 * correction hooks; the figures and rates of the tables (a child present twice a day counts
 * once, zero booked, zero capacity, Seoul month boundaries, a child of another facility);
 * booked days that stay booked after a cancellation; rollups equal to a recomputation from
 * scratch after a random mix of taps, replays, late taps and corrections; the query parser;
 * scope per role through the API; CSV and XLSX bytes.
 */
#include "hub/api/portal.h"
#include "hub/api/stats.h"
#include "hub/domain/attendance.h"
#include "hub/domain/reconcile.h"
#include "hub/domain/stats.h"
#include "hub/store/store_int.h"
#include "hub/store/store_stats.h"
#include "hub/store/store_stats_sql.h"
#include "hub/store/store_visits.h"
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include <errno.h>
#include <sqlite3.h>

#include "common/log.h"

#define BOOT "11111111-2222-3333-4444-555555555555"

static struct pf F;
static uint64_t seqs[8];
static const char *const devs[] = { "R-NW15", "R-NW16", "R-GN01", "R-NW15b" };

static void close_world(void *arg)
{
	(void)arg;
	pf_close(&F);
}

static int64_t day_of(const char *s)
{
	int64_t d = 0;

	clock_day_parse(s, &d);
	return d;
}

/* Seoul wall time of a day at hh:mm, in UTC ms. */
static int64_t at(const char *day, int hh, int mm)
{
	return clock_day_start_ms(day_of(day)) + ((int64_t)hh * 60 + mm) * 60000;
}

static int uid_of(int n, uint8_t uid[4])
{
	uid[0] = 0x04;
	uid[1] = 0x10;
	uid[2] = (uint8_t)(n >> 8);
	uid[3] = (uint8_t)n;
	return 4;
}

static int ok_fit(void *arg, const struct store_care *care, const struct store_booking *cand,
		  const struct store_booking_load *load, size_t nload, size_t nwaiting,
		  const char **why)
{
	(void)arg, (void)care, (void)cand, (void)load, (void)nload, (void)nwaiting, (void)why;
	return 0;
}

/* Facilities NWUK015 (capacity 10), NWUK016 (no care settings), GNUK001 (capacity 4);
 * children C1..C6 at NWUK015, C7 at NWUK016, C8 at GNUK001; card n belongs to Cn;
 * cards 50.. nobody holds. */
static int world(void)
{
	struct store_care c1 = { "NWUK015", "general", 10, 2, 0, "" };
	struct store_care c3 = { "GNUK001", "general", 4, 0, 0, "" };
	char id[16];
	uint8_t uid[4];

	clock_pin(at("2026-11-20", 12, 0), 1000, true);
	memset(seqs, 0, sizeof(seqs));
	if (pf_open(&F) < 0 || pf_facility(&F, "NWUK015", "NW", "UK") < 0 ||
	    pf_facility(&F, "NWUK016", "NW", "UK") < 0 || pf_facility(&F, "GNUK001", "GN", "UK") < 0 ||
	    store_care_set(F.st, &c1, "t", 1000) < 0 || store_care_set(F.st, &c3, "t", 1000) < 0)
		return -1;
	harness_defer(close_world, NULL);
	for (int i = 1; i <= 8; i++) {
		snprintf(id, sizeof(id), "C%d", i);
		if (store_child_add(F.st, id, "아동", i <= 6 ? "NWUK015" : i == 7 ? "NWUK016"
						       : "GNUK001", 1000) < 0 ||
		    store_card_assign(F.st, uid, (uint8_t)uid_of(i, uid), id, 1000) < 0)
			return -1;
	}
	if (store_device_add(F.st, devs[0], "NWUK015", "01", "aa", 1000) < 0 ||
	    store_device_add(F.st, devs[1], "NWUK016", "02", "bb", 1000) < 0 ||
	    store_device_add(F.st, devs[2], "GNUK001", "03", "cc", 1000) < 0 ||
	    store_device_add(F.st, devs[3], "NWUK015", "04", "dd", 1000) < 0)
		return -1;
	return 0;
}

/* One tap of card n on device dev at wall time w (synced unless boot differs), received
 * at recv; replay = resend the device's last seq instead of a new one. */
static int tap_full(int dev, int n, int64_t w, enum tap_result res, int64_t recv, bool synced,
		    bool replay, enum attendance_outcome *outcome)
{
	struct attendance_result r[1];
	struct tap t;
	struct tap_batch b;
	uint64_t high;
	int e;

	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	snprintf(b.device, sizeof(b.device), "%s", devs[dev]);
	snprintf(b.boot_id, sizeof(b.boot_id), BOOT);
	b.mono_ms = 10000000;
	b.wall_ms = recv;
	b.clock_synced = true;
	b.n = 1;
	b.taps = &t;
	t.seq = replay ? seqs[dev] : ++seqs[dev];
	t.uid_len = (uint8_t)uid_of(n, t.uid);
	t.wall_ms = w;
	snprintf(t.boot_id, sizeof(t.boot_id), synced ? BOOT : "99999999-2222-3333-4444-555555555555");
	t.mono_ms = 5000;
	t.clock_synced = synced;
	t.dir = res == TAP_RESULT_DEPARTURE ? TAP_DIR_OUT : TAP_DIR_IN;
	t.result = res;
	e = attendance_ingest(F.st, devs[dev], &b, NULL, recv, r, &high);
	if (outcome)
		*outcome = r[0].outcome;
	return e;
}

static int tap(int dev, int n, int64_t w, enum tap_result res)
{
	return tap_full(dev, n, w, res, w + 1000, true, false, NULL);
}

static int build(enum stats_what what, enum stats_group g, const char *from, const char *to,
		 const char *district, struct stats_table *t)
{
	struct stats_query q = { .what = what, .group = g, .operating = -1 };

	q.from_day = day_of(from);
	q.to_day = day_of(to);
	snprintf(q.district, sizeof(q.district), "%s", district ? district : "");
	return stats_build(F.st, &q, t);
}

static int col(const struct stats_table *t, const char *key)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c].key, key))
			return (int)c;
	return -1;
}

/* The row whose first column is key (rows only; "합계" is the total). */
static int row(const struct stats_table *t, const char *key)
{
	for (size_t r = 0; r <= t->nrows; r++)
		if (!strcmp(t->vals[r * t->ncols].text, key))
			return (int)r;
	return -1;
}

static int64_t num(const struct stats_table *t, const char *rk, const char *ck)
{
	int r = row(t, rk), c = col(t, ck);

	return r < 0 || c < 0 ? -999 : t->vals[(size_t)r * t->ncols + (size_t)c].n;
}

/* A rate in tenths of a percent, -1 when null, -999 when missing. */
static int rate(const struct stats_table *t, const char *rk, const char *ck)
{
	int r = row(t, rk), c = col(t, ck);
	double p;

	if (r < 0 || c < 0)
		return -999;
	if (!stats_rate_percent(&t->vals[(size_t)r * t->ncols + (size_t)c], &p))
		return -1;
	return (int)(p * 10 + 0.5);
}

static int64_t book(const char *fac, const char *child, const char *kind, const char *from,
		    const char *to, bool approve)
{
	struct store_booking b = { 0 };
	const char *why;

	snprintf(b.facility, sizeof(b.facility), "%s", fac);
	snprintf(b.child, sizeof(b.child), "%s", child);
	snprintf(b.kind, sizeof(b.kind), "%s", kind);
	b.start_day = day_of(from);
	b.end_day = strcmp(kind, "regular") ? b.start_day : day_of(to);
	b.weekdays = 0x1f; /* Monday..Friday */
	b.start_min = 13 * 60;
	b.end_min = 18 * 60;
	if (store_booking_add(F.st, &b, approve, ok_fit, NULL, clock_wall_ms(), &why) < 0)
		return -1;
	return b.id;
}

TEST(present_once_rates_and_taps)
{
	struct stats_table t;

	CHECK(world() == 0);
	/* 2026-11-10 (Tuesday): C1 in and out twice, C2 once, an unknown card. */
	CHECK(tap(0, 1, at("2026-11-10", 13, 0), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(0, 1, at("2026-11-10", 15, 0), TAP_RESULT_DEPARTURE) == 0);
	CHECK(tap(3, 1, at("2026-11-10", 16, 0), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(3, 1, at("2026-11-10", 18, 0), TAP_RESULT_DEPARTURE) == 0);
	CHECK(tap(0, 2, at("2026-11-10", 13, 5), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(0, 60, at("2026-11-10", 13, 6), TAP_RESULT_UNKNOWN_CARD) == 0);
	/* Booked that day: C1 (temporary) and C2, C3 (regular, weekdays). */
	CHECK(book("NWUK015", "C1", "temporary", "2026-11-10", "2026-11-10", true) > 0);
	CHECK(book("NWUK015", "C2", "regular", "2026-11-09", "2026-12-31", true) > 0);
	CHECK(book("NWUK015", "C3", "regular", "2026-11-09", "2026-12-31", true) > 0);
	CHECK(book("NWUK015", "C4", "regular", "2026-11-09", "2026-12-31", false) > 0); /* pending */
	CHECK(build(STATS_ATTENDANCE, STATS_BY_DAY, "2026-11-10", "2026-11-10", NULL, &t) == 0);
	CHECK_EQ_INT(t.nrows, 1);
	CHECK_EQ_INT(num(&t, "2026-11-10", "present"), 2);
	CHECK_EQ_INT(num(&t, "2026-11-10", "booked"), 3);
	CHECK_EQ_INT(num(&t, "2026-11-10", "booked_regular"), 2);
	CHECK_EQ_INT(num(&t, "2026-11-10", "booked_temporary"), 1);
	CHECK_EQ_INT(num(&t, "2026-11-10", "taps"), 6);
	CHECK_EQ_INT(num(&t, "2026-11-10", "arrivals"), 3);
	CHECK_EQ_INT(num(&t, "2026-11-10", "departures"), 2);
	CHECK_EQ_INT(num(&t, "2026-11-10", "unknown"), 1);
	CHECK_EQ_INT(num(&t, "2026-11-10", "capacity"), 10);
	CHECK_EQ_INT(rate(&t, "2026-11-10", "rate_booked"), 667);   /* 2 / 3 */
	CHECK_EQ_INT(rate(&t, "2026-11-10", "rate_capacity"), 200); /* 2 / 10 */
	stats_table_free(&t);
	/* 2026-11-11: bookings only (regular C2, C3), nobody came; 11-14 (Saturday): none. */
	CHECK(build(STATS_ATTENDANCE, STATS_BY_DAY, "2026-11-11", "2026-11-14", NULL, &t) == 0);
	CHECK_EQ_INT(t.nrows, 4);
	CHECK_EQ_INT(num(&t, "2026-11-11", "present"), 0);
	CHECK_EQ_INT(num(&t, "2026-11-11", "booked"), 2);
	CHECK_EQ_INT(rate(&t, "2026-11-11", "rate_booked"), 0);
	CHECK_EQ_INT(num(&t, "2026-11-14", "booked"), 0);
	CHECK_EQ_INT(rate(&t, "2026-11-14", "rate_booked"), -1);   /* zero booked: null */
	CHECK_EQ_INT(rate(&t, "2026-11-14", "rate_capacity"), -1); /* closed: null */
	CHECK_EQ_INT(num(&t, "합계", "booked"), 6);                /* 11, 12, 13 */
	stats_table_free(&t);
}

TEST(capacity_of_the_day)
{
	struct stats_table t;
	int64_t id = 0;

	CHECK(world() == 0);
	CHECK(tap(0, 1, at("2026-11-10", 13, 0), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(0, 1, at("2026-11-12", 13, 0), TAP_RESULT_ARRIVAL) == 0);
	/* The district approves 10 -> 20 places on the morning of the 11th. */
	CHECK_EQ_INT(store_capacity_request_add(F.st, "NWUK015", 20, "증원", "NWUK015001",
						at("2026-11-11", 9, 0), &id), 0);
	CHECK_EQ_INT(store_capacity_request_decide(F.st, id, true, "", "nw_officer",
						   at("2026-11-11", 9, 30)), 0);
	CHECK(build(STATS_ATTENDANCE, STATS_BY_DAY, "2026-11-10", "2026-11-12", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "2026-11-10", "capacity"), 10); /* before the change: as it was */
	CHECK_EQ_INT(rate(&t, "2026-11-10", "rate_capacity"), 100); /* 1 / 10 */
	CHECK_EQ_INT(num(&t, "2026-11-12", "capacity"), 20);
	CHECK_EQ_INT(rate(&t, "2026-11-12", "rate_capacity"), 50); /* 1 / 20 */
	CHECK_EQ_INT(num(&t, "합계", "capacity"), 30);
	stats_table_free(&t);
	/* The same a month later: last month's figures do not move. */
	CHECK(build(STATS_ATTENDANCE, STATS_BY_FACILITY, "2026-11-01", "2026-11-30", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "NWUK015", "capacity"), 30);
	stats_table_free(&t);
}

TEST(zero_capacity_other_facility_and_months)
{
	struct stats_table t;

	CHECK(world() == 0);
	/* NWUK016 has no capacity: present counts, capacity stays 0, its rate null. */
	CHECK(tap(1, 7, at("2026-11-10", 14, 0), TAP_RESULT_ARRIVAL) == 0);
	/* C8 (of GNUK001) taps at NWUK015: counts where it tapped, not at home. */
	CHECK(tap(0, 8, at("2026-11-10", 14, 0), TAP_RESULT_ARRIVAL) == 0);
	/* Month boundary in Seoul: 2026-10-31 23:59 KST is October, 11-01 00:30 KST November
	 * (both on UTC's October 31). */
	CHECK(tap(2, 8, at("2026-10-31", 23, 59), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(2, 8, at("2026-11-01", 0, 30), TAP_RESULT_DEPARTURE) == 0);
	CHECK(build(STATS_ATTENDANCE, STATS_BY_FACILITY, "2026-11-01", "2026-11-30", NULL, &t) == 0);
	CHECK_EQ_INT(t.nrows, 3);
	CHECK_EQ_INT(num(&t, "NWUK016", "present"), 1);
	CHECK_EQ_INT(num(&t, "NWUK016", "capacity"), 0);
	CHECK_EQ_INT(rate(&t, "NWUK016", "rate_capacity"), -1);
	CHECK_EQ_INT(num(&t, "NWUK015", "present"), 1);
	CHECK_EQ_INT(num(&t, "GNUK001", "present"), 1); /* the 00:30 tap only */
	CHECK_EQ_INT(num(&t, "합계", "present"), 3);
	/* The total's capacity rate counts only facilities with a capacity: 2 / (10 + 4). */
	CHECK_EQ_INT(rate(&t, "합계", "rate_capacity"), 143);
	stats_table_free(&t);
	CHECK(build(STATS_ATTENDANCE, STATS_BY_MONTH, "2026-10-01", "2026-11-30", NULL, &t) == 0);
	CHECK_EQ_INT(t.nrows, 2);
	CHECK_EQ_INT(num(&t, "2026-10", "present"), 1);
	CHECK_EQ_INT(num(&t, "2026-11", "present"), 3);
	stats_table_free(&t);
	CHECK(build(STATS_ATTENDANCE, STATS_BY_DISTRICT, "2026-10-01", "2026-11-30", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "NW", "present"), 2);
	CHECK_EQ_INT(num(&t, "GN", "present"), 2);
	stats_table_free(&t);
	/* A district's scope leaves the others out. */
	CHECK(build(STATS_ATTENDANCE, STATS_BY_FACILITY, "2026-11-01", "2026-11-30", "GN", &t) == 0);
	CHECK_EQ_INT(t.nrows, 1);
	CHECK_EQ_INT(row(&t, "NWUK015"), -1);
	stats_table_free(&t);
}

TEST(corrections_and_cancelled_bookings)
{
	struct store_correction c = { 0 };
	struct stats_table t;
	const char *why;
	int64_t id;

	CHECK(world() == 0);
	CHECK(tap(0, 1, at("2026-11-10", 13, 0), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(0, 2, at("2026-11-10", 13, 0), TAP_RESULT_ARRIVAL) == 0);
	/* C2 was a wrong card: absent; C3 forgot the card: present; C1 late (still present). */
	snprintf(c.facility, sizeof(c.facility), "NWUK015");
	c.day = day_of("2026-11-10");
	snprintf(c.reason, sizeof(c.reason), "정정");
	snprintf(c.actor, sizeof(c.actor), "t");
	const char *fix[][2] = { { "C2", "absent" }, { "C3", "present" }, { "C1", "late" } };
	for (int i = 0; i < 3; i++) {
		snprintf(c.child, sizeof(c.child), "%s", fix[i][0]);
		snprintf(c.status, sizeof(c.status), "%s", fix[i][1]);
		CHECK(store_correction_add(F.st, &c) == 0);
	}
	/* A tap after the correction does not undo it. */
	CHECK(tap(0, 2, at("2026-11-10", 17, 0), TAP_RESULT_DEPARTURE) == 0);
	/* Regular booking 11-09..11-20 approved, cancelled on 11-20 (noon, the pinned clock):
	 * 11-09..11-19 stay booked. */
	CHECK((id = book("NWUK015", "C5", "regular", "2026-11-09", "2026-11-27", true)) > 0);
	CHECK(store_booking_decide(F.st, id, "cancelled", "", "t", 60000, ok_fit, NULL,
				   clock_wall_ms(), &why) == 0);
	CHECK(build(STATS_ATTENDANCE, STATS_BY_DAY, "2026-11-10", "2026-11-23", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "2026-11-10", "present"), 2); /* C1 (late) and C3 */
	CHECK_EQ_INT(num(&t, "2026-11-19", "booked"), 1);
	CHECK_EQ_INT(num(&t, "2026-11-20", "booked"), 0);
	CHECK_EQ_INT(num(&t, "2026-11-23", "booked"), 0);
	stats_table_free(&t);
	/* Users: C5 counts (cancelled after approval, after the period began), C1 attended. */
	CHECK(build(STATS_USERS, STATS_BY_FACILITY, "2026-11-01", "2026-11-30", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "NWUK015", "regular"), 1);
	CHECK_EQ_INT(num(&t, "NWUK015", "attended"), 2);
	stats_table_free(&t);
	CHECK(build(STATS_USERS, STATS_BY_FACILITY, "2026-11-21", "2026-11-30", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "NWUK015", "regular"), 0);
	stats_table_free(&t);
}

static char *dump(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	size_t len = 0, cap = 1 << 16;
	char *out = calloc(1, cap);

	if (!out || sqlite3_open_v2(F.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		printf("# dump: %s\n", db ? sqlite3_errmsg(db) : "open");
		goto out;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(s); c++) {
			const unsigned char *v = sqlite3_column_text(s, c);
			size_t n = strlen(v ? (const char *)v : "NULL") + 2;

			if (len + n + 1 > cap) {
				char *nv = realloc(out, cap * 2);

				if (!nv)
					goto out;
				out = nv;
				cap *= 2;
			}
			len += (size_t)snprintf(out + len, cap - len, "%s%c",
						v ? (const char *)v : "NULL",
						c + 1 < sqlite3_column_count(s) ? '|' : '\n');
		}
	}
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

#define DAY_ROWS                                                                               \
	"SELECT * FROM stats_day WHERE present OR taps OR arrivals OR departures OR unknown"   \
	" OR booked_regular OR booked_temporary OR booked_sick ORDER BY facility, day"
#define CHILD_ROWS "SELECT * FROM stats_child_day ORDER BY facility, day, child"
#define VISIT_ROWS "SELECT * FROM attendance_child_day ORDER BY facility, day, child"

/* Reconciliation of a facility-day from each child's day of taps kept at ingest
 * (store_visits_day) against the same from the day's raw taps (store_attendance_day): the
 * same children, arrival and departure minutes and tap counts. Returns the rows compared. */
static int visits_match_taps(const char *facility, int64_t day)
{
	struct reconcile_opts o = { RECONCILE_GRACE_MIN, 1440, 1440 };
	struct store_attendance_row *taps = NULL;
	struct store_visit *vis = NULL;
	struct reconcile_tap *rt = NULL;
	struct reconcile_visit *rv = NULL;
	struct reconcile_row *a = NULL, *b = NULL;
	size_t nt = 0, nv = 0, na = 0, nb = 0;
	int64_t start = clock_day_start_ms(day);
	int rows = -1;

	if (store_attendance_day(F.st, facility, day, &taps, &nt) < 0 ||
	    store_visits_day(F.st, facility, day, &vis, &nv) < 0 ||
	    (nt && !(rt = calloc(nt, sizeof(*rt)))) || (nv && !(rv = calloc(nv, sizeof(*rv)))))
		goto out;
	for (size_t i = 0; i < nt; i++) {
		snprintf(rt[i].child, sizeof(rt[i].child), "%s", taps[i].child_id);
		rt[i].min = (int)((taps[i].time_ms - start) / 60000);
	}
	for (size_t i = 0; i < nv; i++) {
		snprintf(rv[i].child, sizeof(rv[i].child), "%s", vis[i].child);
		rv[i].first_min = (int)((vis[i].first_ms - start) / 60000);
		rv[i].last_min = (int)((vis[i].last_ms - start) / 60000);
		rv[i].ntaps = vis[i].taps;
	}
	if (reconcile_day(NULL, 0, rt, nt, &o, &a, &na) < 0 ||
	    reconcile_day_visits(NULL, 0, rv, nv, &o, &b, &nb) < 0 || na != nb)
		goto out;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].child, b[i].child) || a[i].arrive_min != b[i].arrive_min ||
		    a[i].leave_min != b[i].leave_min || a[i].ntaps != b[i].ntaps) {
			printf("# %s day %lld %s: taps %d-%d x%d, visits %d-%d x%d\n", facility,
			       (long long)day, a[i].child, a[i].arrive_min, a[i].leave_min, a[i].ntaps,
			       b[i].arrive_min, b[i].leave_min, b[i].ntaps);
			goto out;
		}
	rows = (int)na;
out:
	free(taps);
	free(vis);
	free(rt);
	free(rv);
	free(a);
	free(b);
	return rows;
}

TEST(rollups_equal_recomputation)
{
	static const char *const statuses[] = { "present", "late", "absent", "left_early",
						"expected", "no_departure", "unreserved" };
	static const char *const days[] = { "2026-10-29", "2026-10-30", "2026-10-31",
					     "2026-11-01", "2026-11-02", "2026-11-03" };
	struct last_tap {
		int card;
		int64_t w;
		enum tap_result res;
		bool synced;
	} last[4] = { 0 };
	char *before_d, *before_c, *after_d, *after_c, *before_v, *after_v;
	enum attendance_outcome o;
	int stored = 0, dups = 0, cancels = 0, moves = 0;
	struct store *other = NULL;
	const char *why;

	CHECK(world() == 0);
	CHECK(store_open(F.path, &other) == 0);
	srand(20261122);
	for (int i = 0; i < 600; i++) {
		int dev = rand() % 4, card = rand() % 10 < 8 ? 1 + rand() % 8 : 50 + rand() % 3;
		/* The hub's clock only moves forward (as cards are assigned and bookings cancelled
		 * at "now"): 600 events over six days. Most taps arrive at once, some days late
		 * (uploaded after an outage), a few with an untrusted clock. */
		int64_t now = at(days[0], 0, 0) + (int64_t)i * 6 * 86400000LL / 600;
		int64_t w = now - (rand() % 10 == 0 ? (int64_t)(rand() % 3) * 86400000LL + 60000 : 2000);
		int64_t recv = now;
		const char *d = days[rand() % 6];
		bool synced = rand() % 20 != 0, replay = i > 0 && rand() % 10 == 0;
		enum tap_result res = rand() % 2 ? TAP_RESULT_ARRIVAL : TAP_RESULT_DEPARTURE;

		clock_pin(now, 1000, true);

		if (replay && last[dev].w) { /* the same tap again: a duplicate */
			card = last[dev].card;
			w = last[dev].w;
			res = last[dev].res;
			synced = last[dev].synced;
		} else {
			replay = false;
			last[dev] = (struct last_tap){ card, w, res, synced };
		}
		CHECK(tap_full(dev, card, w, res, recv, synced, replay, &o) == 0);
		stored += o == ATTENDANCE_STORED;
		dups += o == ATTENDANCE_DUPLICATE;
		if (rand() % 15 == 0) {
			struct store_correction c = { 0 };

			snprintf(c.facility, sizeof(c.facility), "%s", rand() % 2 ? "NWUK015"
								    : "GNUK001");
			snprintf(c.child, sizeof(c.child), "C%d", 1 + rand() % 8);
			c.day = day_of(days[rand() % 6]);
			snprintf(c.status, sizeof(c.status), "%s", statuses[rand() % 7]);
			snprintf(c.reason, sizeof(c.reason), "정정 %d", i);
			snprintf(c.actor, sizeof(c.actor), "t");
			CHECK(store_correction_add(F.st, &c) == 0);
		}
		if (rand() % 25 == 0) {
			/* A card changes hands, through this handle or another process's. */
			struct store *h = rand() % 2 ? F.st : other;
			char child[16];
			uint8_t uid[4];
			int k = rand() % 10 < 7 ? 1 + rand() % 8 : 50 + rand() % 3;

			uid_of(k, uid);
			snprintf(child, sizeof(child), "C%d", 1 + rand() % 8);
			store_card_deactivate(h, uid, 4, clock_wall_ms());
			CHECK(store_card_assign(h, uid, 4, child, clock_wall_ms()) == 0);
			moves++;
		}
		if (rand() % 8 == 0) {
			char child[16];
			int64_t id;

			snprintf(child, sizeof(child), "C%d", 1 + rand() % 8);
			id = book(child[1] == '8' ? "GNUK001" : "NWUK015", child,
				  rand() % 2 ? "temporary" : "regular", d, "2026-11-06", true);
			if (id > 0 && rand() % 2) {
				cancels++;
				CHECK(store_booking_decide(F.st, id, "cancelled", "", "t", 60000,
							   ok_fit, NULL, clock_wall_ms(), &why) == 0);
			}
		}
	}
	store_close(other);
	printf("# %d stored, %d duplicates, %d cancelled bookings, %d cards moved\n", stored, dups,
	       cancels, moves);
	CHECK(stored > 400 && dups > 20 && cancels >= 5 && moves >= 10);
	/* Each child's day of taps kept at ingest: the same reconciliation as the raw taps. */
	{
		const char *const facs[] = { "NWUK015", "GNUK001" };
		int compared = 0;
		size_t diff = 99;

		for (int f = 0; f < 2; f++)
			for (int d = -3; d < 6; d++) {
				int n = visits_match_taps(facs[f], day_of(days[0]) + d);

				CHECK(n >= 0);
				compared += n > 0 ? n : 0;
			}
		CHECK(compared > 20);
		CHECK_EQ_INT(store_visits_check(F.st, &diff), 0);
		CHECK_EQ_INT((int)diff, 0);
	}
	before_d = dump(DAY_ROWS);
	before_c = dump(CHILD_ROWS);
	before_v = dump(VISIT_ROWS);
	CHECK(store_stats_rebuild(F.st) == 0);
	after_d = dump(DAY_ROWS);
	after_c = dump(CHILD_ROWS);
	after_v = dump(VISIT_ROWS);
	CHECK(before_v && after_v && strlen(before_v) > 100 && !strcmp(before_v, after_v));
	free(before_v);
	free(after_v);
	CHECK(before_d && after_d && strlen(before_d) > 100);
	CHECK(before_d && after_d && !strcmp(before_d, after_d));
	CHECK(before_c && after_c && !strcmp(before_c, after_c));
	if (before_d && after_d && strcmp(before_d, after_d))
		printf("# incremental:\n%s# rebuilt:\n%s", before_d, after_d);
	free(before_d);
	free(before_c);
	free(after_d);
	free(after_c);
}

TEST(query_parser)
{
	struct stats_query q;
	enum api_stats_format f;
	const char *bad;
	int64_t today = day_of("2026-11-22");

	CHECK(api_stats_query_parse("", STATS_ATTENDANCE, today, &q, &f, &bad) == 0);
	CHECK_EQ_INT(q.from_day, day_of("2026-11-01"));
	CHECK_EQ_INT(q.to_day, day_of("2026-11-30"));
	CHECK_EQ_INT(q.group, STATS_BY_FACILITY);
	CHECK_EQ_INT(f, API_STATS_JSON);
	CHECK(api_stats_query_parse("month=2024-02&group=day&format=csv&district=%EB%85%B8%EC%9B%90%EA%B5%AC"
				    "&type=UK,CC&operating=true", STATS_ATTENDANCE, today, &q, &f,
				    &bad) == 0);
	CHECK_EQ_INT(q.to_day - q.from_day, 28); /* leap year */
	CHECK_EQ_STR(q.district, "NW");
	CHECK_EQ_STR(q.types, "UK,CC");
	CHECK_EQ_INT(q.operating, 1);
	CHECK_EQ_INT(f, API_STATS_CSV);
	CHECK(api_stats_query_parse("from=2026-01-01&to=2026-12-31", STATS_USERS, today, &q, &f,
				    &bad) == 0);
	static const char *const refused[][2] = {
		{ "from=2026-01-01&to=2027-01-02", "to" }, { "from=2026-02-30", "from" },
		{ "to=2026-10-01", "to" }, { "month=2026-13", "month" }, { "district=XX", "district" },
		{ "type=UK,UK", "type" }, { "type=ZZ", "type" }, { "facility=nw'1", "facility" },
		{ "kind=big", "kind" }, { "care=regular", "care" }, { "operating=yes", "operating" },
		{ "group=facility_type", "group" }, { "group=district_type", "group" },
		{ "format=pdf", "format" }, { "month=%ZZ", "month" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		bad = NULL;
		CHECK_MSG(api_stats_query_parse(refused[i][0], STATS_ATTENDANCE, today, &q, &f,
						&bad) == -EINVAL, "%s accepted", refused[i][0]);
		CHECK_MSG(bad && !strcmp(bad, refused[i][1]), "%s: bad %s", refused[i][0],
			  bad ? bad : "(none)");
	}
	CHECK(api_stats_query_parse("care=sick&group=city", STATS_USERS, today, &q, &f, &bad) == 0);
	CHECK(api_stats_query_parse("group=type", STATS_FACILITIES, today, &q, &f, &bad) == 0);
}

static json_t *get(const char *account, const char *target, int *status, char *code)
{
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];
	struct pf_reply r;
	json_t *b;

	if (pf_session(&F, account, sid, csrf) < 0)
		return NULL;
	pf_call(&F, "GET", target, sid, NULL, NULL, NULL, &r);
	*status = r.status;
	snprintf(code, 64, "%s", r.code);
	b = r.body;
	r.body = NULL;
	pf_reply_free(&r);
	return b;
}

/* The first-column keys of the rows, joined by commas. */
static void keys(json_t *b, const char *key, char *out, size_t len)
{
	json_t *rows = json_object_get(b, "rows"), *v;
	size_t i, o = 0;

	out[0] = '\0';
	json_array_foreach(rows, i, v)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "," : "",
				      json_string_value(json_object_get(v, key)));
}

TEST(scope_by_role)
{
	char code[64], k[256];
	int status;
	json_t *b;

	CHECK(world() == 0);
	CHECK(pf_account(&F, "city01", "", "", "approved", "city:UK") == 0);
	CHECK(pf_account(&F, "nwoff", "NW", "", "approved", "district:UK") == 0);
	CHECK(pf_account(&F, "nwcc", "NW", "", "approved", "district:CC") == 0);
	CHECK(pf_account(&F, "NWUK015009", "NW", "NWUK015", "approved", "center:UK") == 0);
	CHECK(pf_account(&F, "mom01", "", "", "approved", "parent") == 0);
	CHECK(tap(0, 1, at("2026-11-10", 13, 0), TAP_RESULT_ARRIVAL) == 0);
	CHECK(tap(2, 8, at("2026-11-10", 13, 0), TAP_RESULT_ARRIVAL) == 0);

	b = get("city01", "/api/v1/stats/attendance?month=2026-11&group=district", &status, code);
	CHECK_EQ_INT(status, 200);
	keys(b, "district", k, sizeof(k));
	CHECK_EQ_STR(k, "GN,NW");
	CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(b, "total"), "present")), 2);
	json_decref(b);

	b = get("nwoff", "/api/v1/stats/attendance?month=2026-11&group=facility", &status, code);
	CHECK_EQ_INT(status, 200);
	keys(b, "facility", k, sizeof(k));
	CHECK_EQ_STR(k, "NWUK015,NWUK016");
	CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(b, "filters"), "district")),
		     "NW");
	json_decref(b);
	b = get("nwoff", "/api/v1/stats/attendance?district=GN", &status, code);
	CHECK_EQ_INT(status, 403);
	CHECK_EQ_STR(code, "out_of_scope");
	json_decref(b);
	b = get("nwoff", "/api/v1/stats/users?facility=GNUK001", &status, code);
	CHECK_EQ_INT(status, 403);
	json_decref(b);
	/* A district officer of open playrooms (CC) sees none of the Kium centers. */
	b = get("nwcc", "/api/v1/stats/facilities?group=district_type", &status, code);
	CHECK_EQ_INT(status, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(b, "rows")), 0);
	json_decref(b);
	b = get("nwcc", "/api/v1/stats/facilities?type=UK", &status, code);
	CHECK_EQ_INT(status, 403);
	json_decref(b);

	b = get("NWUK015009", "/api/v1/stats/attendance?month=2026-11&group=facility", &status,
		code);
	CHECK_EQ_INT(status, 200);
	keys(b, "facility", k, sizeof(k));
	CHECK_EQ_STR(k, "NWUK015");
	json_decref(b);
	b = get("NWUK015009", "/api/v1/stats/attendance?facility=NWUK016", &status, code);
	CHECK_EQ_INT(status, 403);
	json_decref(b);
	b = get("NWUK015009", "/api/v1/stats/attendance?district=GN", &status, code);
	CHECK_EQ_INT(status, 403);
	json_decref(b);

	b = get("mom01", "/api/v1/stats/attendance", &status, code);
	CHECK_EQ_INT(status, 403);
	json_decref(b);
	b = get("city01", "/api/v1/stats/attendance?facility=NWUK999", &status, code);
	CHECK_EQ_INT(status, 404);
	json_decref(b);
	b = get("city01", "/api/v1/stats/attendance?care=regular", &status, code);
	CHECK_EQ_INT(status, 400);
	CHECK_EQ_STR(code, "bad_query");
	json_decref(b);
}

TEST(csv_and_xlsx_bytes)
{
	struct store_facility_info fi;
	struct stats_table t;
	char *data = NULL;
	size_t len = 0;

	CHECK(world() == 0);
	CHECK(store_facility_info_get(F.st, "NWUK016", &fi) == 0);
	snprintf(fi.f.name, sizeof(fi.f.name), "=\"노원, 2호\" 센터");
	CHECK(store_facility_update(F.st, &fi, "t", 2000) == 0);
	CHECK(build(STATS_ATTENDANCE, STATS_BY_FACILITY, "2026-11-01", "2026-11-30", "NW", &t) == 0);
	CHECK(stats_csv(&t, &data, &len) == 0);
	CHECK(len > 3 && !memcmp(data, "\xEF\xBB\xBF", 3));
	CHECK(strstr(data, "시설코드,시설명,자치구,시설유형,출석 인원(연인원)") != NULL);
	CHECK(strstr(data, "NWUK016,\"'=\"\"노원, 2호\"\" 센터\",노원구,") != NULL);
	CHECK(strstr(data, "\r\n합계,") != NULL);
	free(data);
	CHECK(stats_xlsx(&t, NULL, &data, &len) == 0);
	CHECK(len > 1000 && !memcmp(data, "PK\x03\x04", 4));
	free(data);
	stats_table_free(&t);
}

/* A store from before the statistics (schema 8) with taps already in it: the migration
 * computes their rollups. */
TEST(migration_computes_existing_taps)
{
	struct store_facility fc = { "NWUK015", "노원 센터", "NW", "UK", 0 };
	struct stats_table t;
	enum store_put_outcome o;
	struct store *st = NULL;
	struct tap tp = { 0 };
	char dir[64] = "/tmp/kium-stats-mig-XXXXXX", path[96], cmd[128];
	uint8_t uid[4];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	CHECK(store_open_at(path, STORE_STATS_MIGRATION - 1, &st) == 0);
	CHECK(store_facility_add(st, &fc, 1) == 0);
	CHECK(store_child_add(st, "C1", "아동", "NWUK015", 1) == 0);
	CHECK(store_card_assign(st, uid, (uint8_t)uid_of(1, uid), "C1", 1) == 0);
	CHECK(store_begin(st) == 0);
	for (int i = 0; i < 3; i++) {
		tp.seq = (uint64_t)i + 1;
		tp.uid_len = (uint8_t)uid_of(i < 2 ? 1 : 70, tp.uid);
		tp.wall_ms = at("2026-11-10", 13 + i, 0);
		snprintf(tp.boot_id, sizeof(tp.boot_id), BOOT);
		tp.clock_synced = true;
		tp.result = i == 1 ? TAP_RESULT_DEPARTURE : TAP_RESULT_ARRIVAL;
		CHECK(store_tap_put(st, "R1", "NWUK015", &tp, tp.wall_ms, tp.wall_ms,
				    STORE_TIME_READER, 0, NULL, &o, NULL) == 0);
	}
	CHECK(store_commit(st) == 0);
	store_close(st);
	st = NULL;
	CHECK(store_open(path, &st) == 0);
	CHECK_EQ_INT(store_schema_version(st), store_schema_latest());
	F.st = st; /* build() reads F.st */
	CHECK(build(STATS_ATTENDANCE, STATS_BY_DAY, "2026-11-10", "2026-11-10", NULL, &t) == 0);
	CHECK_EQ_INT(num(&t, "2026-11-10", "present"), 1);
	CHECK_EQ_INT(num(&t, "2026-11-10", "taps"), 3);
	CHECK_EQ_INT(num(&t, "2026-11-10", "unknown"), 1);
	stats_table_free(&t);
	F.st = NULL;
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	log_init("test", KLOG_WARNING);
	RUN(present_once_rates_and_taps);
	RUN(capacity_of_the_day);
	RUN(zero_capacity_other_facility_and_months);
	RUN(corrections_and_cancelled_bookings);
	RUN(rollups_equal_recomputation);
	RUN(query_parser);
	RUN(scope_by_role);
	RUN(csv_and_xlsx_bytes);
	RUN(migration_computes_existing_taps);
	return harness_done();
}
