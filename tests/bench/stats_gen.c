/*
 * Statistics benchmark driver (tests/bench/stats.sh):
 *
 *   stats_gen gen DB ROWS         a city: 25 districts x 40 centers, 30 children each with a
 *                                 card and a regular booking, ROWS taps (arrival and
 *                                 departure of the children present) over the weekdays of a
 *                                 year, and the rollups those taps make, written straight into
 *                                 SQLite (synchronous off, one transaction) after store_open
 *                                 made the schema. Prints the time it took.
 *   stats_gen query DB N          N district-month attendance tables (group by facility)
 *                                 through stats_build, the function the route calls, for
 *                                 random districts and months; prints median and p95, and
 *                                 the same for district-month users tables.
 *   stats_gen hook DIR N          CPU time of store_stats_tap (the ingest hook) against
 *                                 store_tap_put, each called N times in one transaction.
 *
 * Generated data only: names are "아동 n", UIDs are counters.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/org.h"
#include "hub/domain/stats.h"
#include "hub/store/store.h"
#include "hub/store/store_stats.h"

#define FAC_PER_DISTRICT 40
#define CHILDREN 30
#define WEEKS 52
#define BOOT "11111111-2222-3333-4444-555555555555"

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static int64_t first_day(void)
{
	int64_t d = 0;

	clock_day_parse("2025-11-24", &d); /* a Monday */
	return d;
}

#define EXEC(sql)                                                                              \
	do {                                                                                   \
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {                    \
			fprintf(stderr, "stats_gen: %s: %s\n", sql, sqlite3_errmsg(db));       \
			goto out;                                                              \
		}                                                                              \
	} while (0)

#define PREP(s, sql)                                                                           \
	do {                                                                                   \
		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {                  \
			fprintf(stderr, "stats_gen: %s\n", sqlite3_errmsg(db));                \
			goto out;                                                              \
		}                                                                              \
	} while (0)

static int step(sqlite3 *db, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "stats_gen: insert: %s\n", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static int gen(const char *path, long rows)
{
	struct store *st = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *fac = NULL, *care = NULL, *child = NULL, *card = NULL, *dev = NULL,
		     *tap = NULL, *sday = NULL, *cday = NULL, *bk = NULL;
	int nfac = ORG_DISTRICT_COUNT * FAC_PER_DISTRICT, r = -EIO;
	int64_t d0 = first_day(), t0ms = clock_day_start_ms(d0);
	/* Chance (percent) that a child comes on a day, so that taps come out near rows. */
	double per_child = (double)rows / ((double)nfac * WEEKS * 5 * CHILDREN * 2);
	int pct = (int)(per_child * 100 + 0.5);
	long taps = 0;
	double t0 = now_s(CLOCK_MONOTONIC);

	if (pct < 1 || pct > 100) {
		fprintf(stderr, "stats_gen: %ld rows do not fit %d facilities\n", rows, nfac);
		return -EINVAL;
	}
	if (store_open(path, &st) < 0)
		return -EIO;
	store_close(st);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		goto out;
	EXEC("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF;"
	     "PRAGMA cache_size=-400000; BEGIN");
	PREP(fac, "INSERT INTO facilities (code, name, district, type, created_ms, area_centi)"
		  " VALUES (?, ?, ?, 'UK', 1, ?)");
	PREP(care, "INSERT INTO facility_care (facility, kind, capacity, changed_ms)"
		   " VALUES (?, 'general', ?, 1)");
	PREP(child, "INSERT INTO children (id, name, facility, created_ms) VALUES (?, ?, ?, 1)");
	PREP(card, "INSERT INTO cards (uid, facility, child_id, active, version, assigned_ms)"
		   " VALUES (?, ?, ?, 1, 1, 1)");
	PREP(dev, "INSERT INTO devices (id, facility, cert_serial, cert_sha256, created_ms)"
		  " VALUES (?, ?, '01', '02', 1)");
	PREP(bk, "INSERT INTO bookings (facility, child, kind, state, start_day, end_day,"
		 " weekdays, start_min, end_min, created_ms, changed_ms) VALUES"
		 " (?, ?, 'regular', 'approved', ?, ?, 31, 780, 1140, 1, 1)");
	PREP(tap, "INSERT INTO taps (device_id, seq, facility, uid, wall_ms, boot_id, mono_ms,"
		  " clock_synced, dir, result, received_ms, time_ms, time_flag) VALUES"
		  " (?, ?, ?, ?, ?, '" BOOT "', ?, 1, ?, ?, ?, ?, 0)");
	PREP(sday, "INSERT INTO stats_day (facility, day, present, taps, arrivals, departures,"
		   " unknown, booked_regular) VALUES (?, ?, ?, ?, ?, ?, 0, ?)");
	PREP(cday, "INSERT INTO stats_child_day (facility, day, child, status, present)"
		   " VALUES (?, ?, ?, NULL, 1)");
	for (int f = 0; f < nfac; f++) {
		const struct org_district *d = &org_districts[f / FAC_PER_DISTRICT];
		char code[16], name[96], devid[32];
		uint64_t seq = 0;
		int cap = 20 + (int)(rnd() % 21), booked = 0;

		snprintf(code, sizeof(code), "%sUK%03d", d->code, f % FAC_PER_DISTRICT + 1);
		snprintf(name, sizeof(name), "%s %d호점 우리동네키움센터", d->name,
			 f % FAC_PER_DISTRICT + 1);
		snprintf(devid, sizeof(devid), "%s-R01", code);
		sqlite3_bind_text(fac, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(fac, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(fac, 3, d->code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(fac, 4, (int64_t)cap * 330);
		sqlite3_bind_text(care, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_int(care, 2, cap);
		sqlite3_bind_text(dev, 1, devid, -1, SQLITE_STATIC);
		sqlite3_bind_text(dev, 2, code, -1, SQLITE_STATIC);
		if (step(db, fac) < 0 || step(db, care) < 0 || step(db, dev) < 0)
			goto out;
		for (int c = 0; c < CHILDREN; c++) {
			char id[48], uid[32], cname[32];

			snprintf(id, sizeof(id), "%sC%02d", code, c);
			snprintf(uid, sizeof(uid), "04%06x%02x", f, c);
			snprintf(cname, sizeof(cname), "아동 %d", f * CHILDREN + c);
			sqlite3_bind_text(child, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(child, 2, cname, -1, SQLITE_STATIC);
			sqlite3_bind_text(child, 3, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(card, 1, uid, -1, SQLITE_STATIC);
			sqlite3_bind_text(card, 2, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(card, 3, id, -1, SQLITE_STATIC);
			if (step(db, child) < 0 || step(db, card) < 0)
				goto out;
			if (c < cap * 2 / 3) { /* two thirds of the places booked, regular */
				sqlite3_bind_text(bk, 1, code, -1, SQLITE_STATIC);
				sqlite3_bind_text(bk, 2, id, -1, SQLITE_STATIC);
				sqlite3_bind_int64(bk, 3, d0);
				sqlite3_bind_int64(bk, 4, d0 + WEEKS * 7 - 1);
				if (step(db, bk) < 0)
					goto out;
				booked++;
			}
		}
		for (int w = 0; w < WEEKS; w++)
			for (int wd = 0; wd < 5; wd++) {
				int64_t day = d0 + w * 7 + wd, start = clock_day_start_ms(day);
				int present = 0, ntaps = 0;

				for (int c = 0; c < CHILDREN; c++) {
					char id[48], uid[32];

					if ((int)(rnd() % 100) >= pct)
						continue;
					snprintf(id, sizeof(id), "%sC%02d", code, c);
					snprintf(uid, sizeof(uid), "04%06x%02x", f, c);
					for (int k = 0; k < 2; k++) {
						int64_t tms = start + (k ? 17 : 13) * 3600000LL +
							      (int64_t)(rnd() % 3600000);

						sqlite3_bind_text(tap, 1, devid, -1, SQLITE_STATIC);
						sqlite3_bind_int64(tap, 2, (int64_t)++seq);
						sqlite3_bind_text(tap, 3, code, -1, SQLITE_STATIC);
						sqlite3_bind_text(tap, 4, uid, -1, SQLITE_STATIC);
						sqlite3_bind_int64(tap, 5, tms);
						sqlite3_bind_int64(tap, 6, tms - t0ms);
						sqlite3_bind_text(tap, 7, k ? "out" : "in", -1,
								  SQLITE_STATIC);
						sqlite3_bind_text(tap, 8, k ? "departure" : "arrival",
								  -1, SQLITE_STATIC);
						sqlite3_bind_int64(tap, 9, tms + 500);
						sqlite3_bind_int64(tap, 10, tms);
						if (step(db, tap) < 0)
							goto out;
						ntaps++;
					}
					sqlite3_bind_text(cday, 1, code, -1, SQLITE_STATIC);
					sqlite3_bind_int64(cday, 2, day);
					sqlite3_bind_text(cday, 3, id, -1, SQLITE_STATIC);
					if (step(db, cday) < 0)
						goto out;
					present++;
				}
				sqlite3_bind_text(sday, 1, code, -1, SQLITE_STATIC);
				sqlite3_bind_int64(sday, 2, day);
				sqlite3_bind_int(sday, 3, present);
				sqlite3_bind_int(sday, 4, ntaps);
				sqlite3_bind_int(sday, 5, ntaps / 2);
				sqlite3_bind_int(sday, 6, ntaps / 2);
				sqlite3_bind_int(sday, 7, booked);
				if (step(db, sday) < 0)
					goto out;
				taps += ntaps;
			}
	}
	EXEC("COMMIT; PRAGMA journal_mode=WAL; ANALYZE");
	printf("bench: stats_gen_taps %ld rows\n", taps);
	printf("bench: stats_gen_seconds %.1f s\n", now_s(CLOCK_MONOTONIC) - t0);
	r = 0;
out:
	sqlite3_finalize(fac);
	sqlite3_finalize(care);
	sqlite3_finalize(child);
	sqlite3_finalize(card);
	sqlite3_finalize(dev);
	sqlite3_finalize(tap);
	sqlite3_finalize(sday);
	sqlite3_finalize(cday);
	sqlite3_finalize(bk);
	sqlite3_close(db);
	return r;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int query(const char *path, int n)
{
	struct store *st = NULL;
	double *ms = calloc((size_t)n, sizeof(*ms)), *ums = calloc((size_t)n, sizeof(*ums));
	int64_t d0 = first_day(), present = 0;
	int r = -EIO;

	if (!ms || !ums || store_open(path, &st) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		struct stats_query q = { .what = STATS_ATTENDANCE, .group = STATS_BY_FACILITY,
					 .operating = -1 };
		struct stats_table t;
		int64_t m = d0 + 7 + (int64_t)(rnd() % 300);
		char day[16];
		double t0;

		/* The calendar month containing day m. */
		clock_day_format(m, day, sizeof(day));
		memcpy(day + 8, "01", 3);
		clock_day_parse(day, &q.from_day);
		q.to_day = q.from_day + 27;
		for (char nd[16]; ; q.to_day++) {
			clock_day_format(q.to_day + 1, nd, sizeof(nd));
			if (!strcmp(nd + 8, "01"))
				break;
		}
		snprintf(q.district, sizeof(q.district), "%s",
			 org_districts[rnd() % ORG_DISTRICT_COUNT].code);
		t0 = now_s(CLOCK_MONOTONIC);
		if ((r = stats_build(st, &q, &t)) < 0)
			goto out;
		ms[i] = (now_s(CLOCK_MONOTONIC) - t0) * 1000;
		present += t.vals[t.nrows * t.ncols + t.ncols - 13].n;
		if (t.nrows != FAC_PER_DISTRICT) {
			fprintf(stderr, "stats_gen: %zu rows for %s\n", t.nrows, q.district);
			stats_table_free(&t);
			r = -EPROTO;
			goto out;
		}
		stats_table_free(&t);
		q.what = STATS_USERS;
		t0 = now_s(CLOCK_MONOTONIC);
		if ((r = stats_build(st, &q, &t)) < 0)
			goto out;
		ums[i] = (now_s(CLOCK_MONOTONIC) - t0) * 1000;
		stats_table_free(&t);
	}
	qsort(ms, (size_t)n, sizeof(*ms), dbl_cmp);
	qsort(ums, (size_t)n, sizeof(*ums), dbl_cmp);
	printf("bench: stats_district_month_p95 %.2f ms\n", ms[(n * 95) / 100]);
	printf("bench: stats_district_month_median %.2f ms\n", ms[n / 2]);
	printf("bench: stats_users_district_month_p95 %.2f ms\n", ums[(n * 95) / 100]);
	printf("bench: stats_users_district_month_median %.2f ms\n", ums[n / 2]);
	fprintf(stderr, "stats_gen: %d queries, %lld children-days present in all\n", n,
		(long long)present);
	r = 0;
out:
	free(ms);
	free(ums);
	store_close(st);
	return r;
}

/* CPU seconds of n calls of store_tap_put, then of store_stats_tap, in one transaction. */
static int hook(const char *dir, int n)
{
	struct store_facility f = { "NWUK015", "bench", "NW", "UK", 0 };
	struct store *st = NULL;
	struct tap *taps = calloc((size_t)n, sizeof(*taps));
	char path[512];
	double t0, put_s, hook_s;
	int64_t d0 = first_day(), tms;
	int r = -EIO;

	snprintf(path, sizeof(path), "%s/hook.db", dir);
	if (!taps || store_open(path, &st) < 0 || store_facility_add(st, &f, 1) < 0 ||
	    store_device_add(st, "NWUK015-R01", "NWUK015", "01", "02", 1) < 0)
		goto out;
	for (int c = 0; c < 40; c++) {
		char id[16];
		uint8_t uid[4] = { 0x04, 0x01, 0x02, (uint8_t)c };

		snprintf(id, sizeof(id), "C%02d", c);
		if (store_child_add(st, id, "아동", "NWUK015", 1) < 0 ||
		    store_card_assign(st, uid, 4, id, 1) < 0)
			goto out;
	}
	for (int i = 0; i < n; i++) {
		struct tap *t = &taps[i];

		/* 40 children (and a few unknown cards) in and out, 80 taps a day. */
		t->seq = (uint64_t)i + 1;
		t->uid[0] = 0x04, t->uid[1] = 0x01, t->uid[2] = 0x02;
		t->uid[3] = (uint8_t)(i % 80 / 2 + (i % 97 == 0 ? 100 : 0));
		t->uid_len = 4;
		t->wall_ms = clock_day_start_ms(d0 + i / 80) + 13 * 3600000LL + (i % 80) * 60000;
		snprintf(t->boot_id, sizeof(t->boot_id), BOOT);
		t->mono_ms = i;
		t->clock_synced = true;
		t->dir = i % 2 ? TAP_DIR_OUT : TAP_DIR_IN;
		t->result = i % 2 ? TAP_RESULT_DEPARTURE : TAP_RESULT_ARRIVAL;
	}
	if ((r = store_begin(st)) < 0)
		goto out;
	t0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++) {
		enum store_put_outcome o;

		tms = taps[i].wall_ms;
		if ((r = store_tap_put(st, "NWUK015-R01", "NWUK015", &taps[i], tms, tms,
				       STORE_TIME_READER, 0, NULL, &o, NULL)) < 0)
			goto out;
	}
	put_s = now_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
	t0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++)
		if ((r = store_stats_tap(st, "NWUK015", &taps[i], taps[i].wall_ms, taps[i].wall_ms,
					 STORE_TIME_READER)) < 0)
			goto out;
	hook_s = now_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
	if ((r = store_commit(st)) < 0)
		goto out;
	printf("bench: stats_tap_put_cpu_us %.2f us/tap\n", put_s * 1e6 / n);
	printf("bench: stats_hook_cpu_us %.2f us/tap\n", hook_s * 1e6 / n);
	r = 0;
out:
	if (r < 0)
		store_rollback(st);
	store_close(st);
	free(taps);
	return r;
}

int main(int argc, char **argv)
{
	long n;

	log_init("stats_gen", KLOG_WARNING);
	if (argc != 4) {
		fprintf(stderr, "usage: stats_gen gen DB ROWS | query DB N | hook DIR N\n");
		return 2;
	}
	n = strtol(argv[3], NULL, 10);
	if (n <= 0)
		return 2;
	if (!strcmp(argv[1], "gen"))
		return gen(argv[2], n) < 0;
	if (!strcmp(argv[1], "query"))
		return query(argv[2], (int)n) < 0;
	if (!strcmp(argv[1], "hook"))
		return hook(argv[2], (int)n) < 0;
	return 2;
}
