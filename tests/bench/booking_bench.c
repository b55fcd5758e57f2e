/*
 * Booking benchmarks for `make bench` (tests/bench/booking.sh):
 *
 *   booking_bench seed DB CHILDREN CAPACITY   a hub center NWUK001 (temporary care only) of
 *        CAPACITY places, this year's terms open all day, CHILDREN children R00000...
 *   booking_bench rush PORT CA TOKEN CLIENTS CONNS
 *        CLIENTS staff registrations of a temporary booking each (one per child, today,
 *        14:00-16:00) over HTTPS keep-alive on CONNS connections at once; prints
 *        "decisions_per_s N", "placed N", "waiting N", "refused N", "errors N"
 *   booking_bench check DB CAPACITY           "overbooked N": places held beyond capacity
 *        at the busiest moment, counted from the database with SQL alone
 *   booking_bench city DB FACILITIES CHILDREN
 *        seeds a city day (FACILITIES centers x CHILDREN booked children, two taps each)
 *        and reconciles every center's day: "reconcile_city_ms N", "reconcile_rows N"
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "hub/api/bookings.h"
#include "hub/domain/reconcile.h"
#include "hub/store/store.h"
#include "hub/store/store_stats.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t today(void)
{
	return clock_seoul_day(clock_wall_ms());
}

static int terms_all_year(struct store *st)
{
	struct store_term t[4];
	char d[16];
	int64_t y0, y1;
	int year;

	clock_day_format(today(), d, sizeof(d));
	year = atoi(d);
	snprintf(d, sizeof(d), "%d-01-01", year);
	clock_day_parse(d, &y0);
	snprintf(d, sizeof(d), "%d-12-31", year);
	clock_day_parse(d, &y1);
	for (int i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].year = year;
		t[i].index = i + 1;
		snprintf(t[i].name, sizeof(t[i].name), "분기%d", i + 1);
		t[i].start_day = y0 + (y1 - y0 + 1) * i / 4;
		t[i].end_day = y0 + (y1 - y0 + 1) * (i + 1) / 4 - 1;
		t[i].open_min = 0;
		t[i].close_min = 1440;
	}
	return store_terms_set(st, year, t, 4);
}

static int seed(const char *db, int children, int capacity)
{
	struct store_facility f = { "NWUK001", "벤치 거점센터", "NW", "UK", 0 };
	struct store_care c = { "NWUK001", "hub", capacity, 0, 0, "" };
	struct store *st = NULL;
	int r;

	if ((r = store_open(db, &st)) < 0)
		return r;
	if ((r = store_facility_add(st, &f, 1)) < 0 || (r = store_care_set(st, &c, "bench", 1)) < 0 ||
	    (r = terms_all_year(st)) < 0 || (r = store_begin(st)) < 0)
		goto out;
	for (int i = 0; i < children && r == 0; i++) {
		char id[16];

		snprintf(id, sizeof(id), "R%05d", i);
		r = store_child_add(st, id, "김벤치", "NWUK001", 1);
	}
	if (r == 0)
		r = store_commit(st);
	else
		store_rollback(st);
out:
	store_close(st);
	return r;
}

struct rush {
	int port, conns, clients;
	const char *ca, *token;
	atomic_int next, placed, waiting, refused, errors;
};

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
	char *buf = arg;
	size_t len = strlen(buf), add = sz * n;

	if (len + add < 4096) {
		memcpy(buf + len, p, add);
		buf[len + add] = '\0';
	}
	return sz * n;
}

static void *rush_conn(void *arg)
{
	struct rush *R = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[128], auth[256], body[256], reply[4096], d[16];
	int i;

	if (!c)
		return NULL;
	clock_day_format(today(), d, sizeof(d));
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/facilities/NWUK001/bookings", R->port);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", R->token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CAINFO, R->ca);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	while ((i = atomic_fetch_add(&R->next, 1)) < R->clients) {
		long status = 0;

		snprintf(body, sizeof(body),
			 "{\"child\":\"R%05d\",\"kind\":\"temporary\",\"start\":\"%s\","
			 "\"start_time\":\"14:00\",\"end_time\":\"16:00\"}", i, d);
		reply[0] = '\0';
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (curl_easy_perform(c) != CURLE_OK) {
			atomic_fetch_add(&R->errors, 1);
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status == 201 && strstr(reply, "\"state\":\"approved\""))
			atomic_fetch_add(&R->placed, 1);
		else if (status == 201 && strstr(reply, "\"state\":\"waiting\""))
			atomic_fetch_add(&R->waiting, 1);
		else if (status == 409 && strstr(reply, "waitlist_full"))
			atomic_fetch_add(&R->refused, 1);
		else
			atomic_fetch_add(&R->errors, 1);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static int rush(struct rush *R)
{
	pthread_t *th = calloc((size_t)R->conns, sizeof(*th));
	double t0, dt;

	if (!th)
		return -ENOMEM;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = now_s();
	for (int i = 0; i < R->conns; i++)
		pthread_create(&th[i], NULL, rush_conn, R);
	for (int i = 0; i < R->conns; i++)
		pthread_join(th[i], NULL);
	dt = now_s() - t0;
	printf("decisions_per_s %.0f\nplaced %d\nwaiting %d\nrefused %d\nerrors %d\n",
	       R->clients / dt, atomic_load(&R->placed), atomic_load(&R->waiting),
	       atomic_load(&R->refused), atomic_load(&R->errors));
	free(th);
	curl_global_cleanup();
	return 0;
}

/* The busiest moment's held places, from SQL alone: at each held booking's start, how many
 * held bookings of the same day contain it. */
static int check(const char *db, int capacity)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int peak = -1;

	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "WITH held AS (SELECT * FROM bookings WHERE state IN"
				  " ('pending','approved','offered'))"
				  " SELECT coalesce(max(n), 0) FROM (SELECT a.id, (SELECT count(*) FROM held b"
				  "  WHERE b.facility = a.facility AND b.start_day <= a.start_day AND"
				  "  b.end_day >= a.start_day AND b.start_min <= a.start_min AND"
				  "  b.end_min > a.start_min) AS n FROM held a)", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		fprintf(stderr, "check: %s\n", sqlite3_errmsg(h));
	} else {
		peak = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	if (peak < 0)
		return -EIO;
	printf("peak %d\noverbooked %d\n", peak, peak > capacity ? peak - capacity : 0);
	return 0;
}

/* A city day: facilities x children, each booked 14:00-18:00 and tapped twice; seeded with
 * plain SQL in one transaction (the bench measures reconciliation, not seeding). */
static int city(const char *db, int nf, int nc)
{
	struct store *st = NULL;
	sqlite3 *h = NULL;
	int64_t day = today(), start = clock_day_start_ms(day);
	double t0, dt;
	size_t rows = 0, count[RECON_STATUS_COUNT] = { 0 };
	int r;

	if ((r = store_open(db, &st)) < 0)
		return r;
	store_close(st);
	st = NULL;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -EIO;
	sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
	for (int f = 0; f < nf; f++) {
		char code[16], sql[1024];

		snprintf(code, sizeof(code), "NWUK%03d", f + 1);
		snprintf(sql, sizeof(sql),
			 "INSERT INTO facilities (code, name, district, type, created_ms) VALUES"
			 " ('%s', 'c', 'NW', 'UK', 1);"
			 "INSERT INTO facility_care (facility, kind, capacity, changed_ms) VALUES"
			 " ('%s', 'general', %d, 1);", code, code, nc);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		for (int c = 0; c < nc; c++) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO children (id, name, facility, created_ms) VALUES"
				 " ('%s-%02d', 'n', '%s', 1);"
				 "INSERT INTO cards (uid, facility, child_id, active, version, assigned_ms)"
				 " VALUES ('04%06x', '%s', '%s-%02d', 1, 1, 1);"
				 "INSERT INTO bookings (facility, child, kind, state, start_day, end_day,"
				 " weekdays, start_min, end_min, created_ms, changed_ms) VALUES ('%s',"
				 " '%s-%02d', 'temporary', 'approved', %lld, %lld, 127, 840, 1080, 1, 1);"
				 "INSERT INTO taps (device_id, seq, facility, uid, received_ms, time_ms,"
				 " dir, result) VALUES ('D%s', %d, '%s', '04%06x', 1, %lld, 'in', 'arrival'),"
				 " ('D%s', %d, '%s', '04%06x', 1, %lld, 'out', 'departure');",
				 code, c, code, f * 100 + c, code, code, c, code, code, c,
				 (long long)day, (long long)day, code, 2 * c + 1, code, f * 100 + c,
				 (long long)(start + (14 * 60 + c % 20) * 60000LL), code, 2 * c + 2, code,
				 f * 100 + c, (long long)(start + (17 * 60 + 50 + c % 20) * 60000LL));
			if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
				goto fail;
		}
	}
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	h = NULL;
	if ((r = store_open(db, &st)) < 0)
		return r;
	/* The taps went in by plain SQL: what the ingest keeps as they arrive (rollups, each
	 * child's day of taps) is computed once here, outside the measurement. */
	t0 = now_s();
	if ((r = store_stats_rebuild(st)) < 0) {
		store_close(st);
		return r;
	}
	printf("seed_rollups_ms %.0f\n", (now_s() - t0) * 1000);
	t0 = now_s();
	for (int f = 0; f < nf; f++) {
		struct reconcile_row *rr = NULL;
		char code[16];
		size_t n = 0;

		snprintf(code, sizeof(code), "NWUK%03d", f + 1);
		if ((r = api_reconcile_compute(st, code, day, clock_wall_ms(), &rr, &n)) < 0)
			break;
		rows += n;
		for (size_t i = 0; i < n; i++)
			count[rr[i].status]++;
		free(rr);
	}
	dt = now_s() - t0;
	store_close(st);
	if (r < 0)
		return r;
	printf("reconcile_city_ms %.0f\nreconcile_rows %zu\n", dt * 1000, rows);
	for (int i = 0; i < RECON_STATUS_COUNT; i++)
		printf("reconcile_%s %zu\n", reconcile_status_code(i), count[i]);
	/* Every child tapped in and out: none may come out absent or unreserved. */
	if (rows != (size_t)nf * (size_t)nc || count[RECON_ABSENT] || count[RECON_UNRESERVED] ||
	    count[RECON_NO_DEPARTURE])
		return -EPROTO;
	return 0;
fail:
	fprintf(stderr, "city seed: %s\n", sqlite3_errmsg(h));
	sqlite3_close(h);
	return -EIO;
}

int main(int argc, char **argv)
{
	int r = -EINVAL;

	if (argc == 5 && !strcmp(argv[1], "seed")) {
		r = seed(argv[2], atoi(argv[3]), atoi(argv[4]));
	} else if (argc == 7 && !strcmp(argv[1], "rush")) {
		struct rush R = { .port = atoi(argv[2]), .ca = argv[3], .token = argv[4],
				  .clients = atoi(argv[5]), .conns = atoi(argv[6]) };

		r = rush(&R);
	} else if (argc == 4 && !strcmp(argv[1], "check")) {
		r = check(argv[2], atoi(argv[3]));
	} else if (argc == 5 && !strcmp(argv[1], "city")) {
		r = city(argv[2], atoi(argv[3]), atoi(argv[4]));
	} else {
		fprintf(stderr, "usage: booking_bench seed|rush|check|city ...\n");
	}
	if (r < 0)
		fprintf(stderr, "booking_bench: %s\n", strerror(-r));
	return r < 0 ? 1 : 0;
}
