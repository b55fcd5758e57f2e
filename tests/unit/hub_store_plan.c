/*
 * Query plans of the reads by card and by child (issue: the month attendance view joined
 * the child's cards with every tap; taps have no uid index). The store functions below run
 * under an SQLite statement trace; each statement they ran is then explained (EXPLAIN QUERY
 * PLAN) and must find its rows of taps, cards and each child's day of taps through an index,
 * never by scanning the table. The parents' month view (store_child_tap_days) must use the
 * (child, day) index of migration 15.
 */
#include "tests/harness.h"

#include "common/clock.h"
#include "hub/store/store.h"
#include "hub/store/store_cardadmin.h"
#include "hub/store/store_int.h"
#include "hub/store/store_notify.h"
#include "hub/store/store_visits.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_SQL_MAX 32

static char dir[64], path[96];
static char *seen[PLAN_SQL_MAX];
static size_t nseen;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static void rm_dir(void *arg)
{
	(void)arg;
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void close_store(void *arg)
{
	store_close(arg);
}

static void seen_free(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	nseen = 0;
}

/* Keeps the text of each distinct statement run that reads taps, cards or children's days. */
static int on_stmt(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);

	(void)type, (void)ctx, (void)x;
	if (!sql || (!strstr(sql, "taps") && !strstr(sql, "cards") &&
		     !strstr(sql, "attendance_child_day")))
		return 0;
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i], sql))
			return 0;
	if (nseen < PLAN_SQL_MAX)
		seen[nseen++] = strdup(sql);
	return 0;
}

/* The plan of sql, one detail per line, into out. */
static int explain(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *s = NULL;
	size_t o = 0;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	int rc;

	out[0] = '\0';
	rc = q ? sqlite3_prepare_v2(db, q, -1, &s, NULL) : SQLITE_NOMEM;
	sqlite3_free(q);
	if (rc != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && o < len)
		o += (size_t)snprintf(out + o, len - o, "%s\n",
				      (const char *)sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* A plan line that walks a whole table (or a whole index of it) of the ones under test. */
static bool scans(const char *plan)
{
	static const char *const bad[] = { "SCAN t\n", "SCAN t ", "SCAN t2", "SCAN taps",
					   "SCAN c\n", "SCAN c ", "SCAN c1", "SCAN c2",
					   "SCAN cards", "SCAN attendance_child_day" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(plan, bad[i]))
			return true;
	return false;
}

TEST(reads_by_card_and_child_use_indexes)
{
	struct store *st = NULL;
	struct store_facility f = { .code = "NWUK015", .name = "노원 키움센터 15호",
				    .district = "NW", .type = "UK" };
	struct store_attendance_row *rows = NULL;
	struct store_unknown_card *unk = NULL;
	struct store_visit *vis = NULL;
	struct store_notify_target tg[4];
	char (*facs)[STORE_FACILITY_CODE_MAX] = NULL;
	int64_t *days = NULL, now = 1794200000000LL, day = clock_seoul_day(now);
	static const uint8_t uid[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
	char plan[4096];
	bool child_index = false;
	size_t n = 0;

	snprintf(dir, sizeof(dir), "/tmp/kium-plan-XXXXXX");
	CHECK(mkdtemp(dir));
	harness_defer(rm_dir, NULL);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	CHECK_EQ_INT(store_open(path, &st), 0);
	harness_defer(close_store, st);
	harness_defer(seen_free, NULL);
	CHECK_EQ_INT(store_facility_add(st, &f, now), 0);
	CHECK_EQ_INT(store_child_add(st, "C1", "김민수", f.code, now), 0);
	CHECK_EQ_INT(store_card_assign(st, uid, 4, "C1", now), 0);

	CHECK_EQ_INT(sqlite3_trace_v2(st->db, SQLITE_TRACE_STMT, on_stmt, NULL), SQLITE_OK);
	CHECK_EQ_INT(store_child_tap_days(st, "C1", day - 30, day, &facs, &days, &n), 0);
	free(facs);
	free(days);
	CHECK_EQ_INT(store_attendance_day(st, f.code, day, &rows, &n), 0);
	free(rows);
	CHECK_EQ_INT(store_visits_day(st, f.code, day, &vis, &n), 0);
	free(vis);
	CHECK_EQ_INT(store_unknown_cards(st, f.code, now - 7 * 86400000LL, &unk, &n), 0);
	free(unk);
	CHECK_EQ_INT(store_notify_card_targets(st, "04a1b2c3", f.code, now, now, "arrival", tg, 4,
					       &n), 0);
	CHECK_EQ_INT(sqlite3_trace_v2(st->db, 0, NULL, NULL), SQLITE_OK);

	CHECK((int)nseen >= 5);
	for (size_t i = 0; i < nseen; i++) {
		CHECK_EQ_INT(explain(st->db, seen[i], plan, sizeof(plan)), 0);
		CHECK_MSG(!scans(plan), "a table scan in\n%s\nfor %s", plan, seen[i]);
		if (strstr(seen[i], "FROM attendance_child_day") && strstr(seen[i], "child = ?"))
			child_index = strstr(plan, "attendance_child_day_child") != NULL;
	}
	CHECK_MSG(child_index, "the parents' month view does not read by (child, day)");
}

int main(void)
{
	RUN(reads_by_card_and_child_use_indexes);
	return harness_done();
}
