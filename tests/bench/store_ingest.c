/*
 * Store ingest benchmark: batches of 100 taps through attendance_ingest (one durable
 * transaction per batch: WAL, synchronous=FULL), against a raw SQLite baseline that inserts
 * the same number of rows into a bare table with one prepared statement per batch
 * transaction under the same pragmas, and group commit (8 batches per durable transaction
 * through attendance_ingest_tx). Prints "bench: <name> <value> <unit>" lines.
 *
 *   store_ingest DIR [SECONDS]
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

#define BATCH 100
#define T0 1795327200000LL
#define BOOT "11111111-2222-3333-4444-555555555555"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int raw_baseline(const char *dir, double seconds, double *rate)
{
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	uint64_t seq = 0;
	double t0, el;
	int r = -EIO;

	snprintf(path, sizeof(path), "%s/raw.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			     "CREATE TABLE t (device TEXT NOT NULL, seq INTEGER NOT NULL,"
			     " uid TEXT, wall_ms INTEGER, PRIMARY KEY (device, seq)) WITHOUT ROWID",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		goto out;
	t0 = now_s();
	do {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto out;
		for (int i = 0; i < BATCH; i++) {
			sqlite3_reset(s);
			sqlite3_bind_text(s, 1, "NWUK015-R01", -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, (int64_t)++seq);
			sqlite3_bind_text(s, 3, "04a1b2c3", -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, T0 + (int64_t)seq);
			if (sqlite3_step(s) != SQLITE_DONE)
				goto out;
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto out;
		el = now_s() - t0;
	} while (el < seconds);
	*rate = (double)seq / el;
	r = 0;
out:
	if (r < 0)
		fprintf(stderr, "raw baseline failed: %s\n", db ? sqlite3_errmsg(db) : "open");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return r;
}

/* group: batches per transaction (1: attendance_ingest; more: attendance_ingest_tx). */
static int ingest(const char *dir, int group, double seconds, double *rate, double *batches)
{
	struct store_facility f = { "NWUK015", "bench", "NW", "UK", 0 };
	static const uint8_t uid[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
	struct attendance_result res[BATCH];
	struct tap taps[BATCH];
	struct tap_batch b;
	struct store *st = NULL;
	char path[512];
	uint64_t seq = 0, high = 0, n = 0;
	double t0, el;
	int r;

	snprintf(path, sizeof(path), "%s/hub%d.db", dir, group);
	if ((r = store_open(path, &st)) < 0 || (r = store_facility_add(st, &f, 1)) < 0 ||
	    (r = store_child_add(st, "C001", "김민수", "NWUK015", 1)) < 0 ||
	    (r = store_card_assign(st, uid, 4, "C001", 1)) < 0 ||
	    (r = store_device_add(st, "NWUK015-R01", "NWUK015", "01", "02", 1)) < 0)
		goto out;
	memset(&b, 0, sizeof(b));
	snprintf(b.device, sizeof(b.device), "NWUK015-R01");
	snprintf(b.boot_id, sizeof(b.boot_id), BOOT);
	b.clock_synced = true;
	b.n = BATCH;
	b.taps = taps;
	t0 = now_s();
	do {
		for (int i = 0; i < BATCH; i++) {
			struct tap *t = &taps[i];

			memset(t, 0, sizeof(*t));
			t->seq = ++seq;
			memcpy(t->uid, uid, 4);
			t->uid_len = 4;
			t->wall_ms = T0 + (int64_t)seq;
			snprintf(t->boot_id, sizeof(t->boot_id), BOOT);
			t->mono_ms = (int64_t)seq;
			t->clock_synced = true;
			t->dir = TAP_DIR_IN;
			t->result = TAP_RESULT_ARRIVAL;
		}
		b.mono_ms = (int64_t)seq;
		if (group == 1)
			r = attendance_ingest(st, "NWUK015-R01", &b, NULL, T0 + (int64_t)seq, res,
					      &high);
		else if ((r = n % group == 0 ? store_begin(st) : 0) == 0)
			r = attendance_ingest_tx(st, "NWUK015-R01", &b, NULL, T0 + (int64_t)seq,
						 res, &high);
		if (r == 0 && group > 1 && n % group == (uint64_t)group - 1)
			r = store_commit(st);
		if (r < 0)
			goto out;
		if (high != seq || res[BATCH - 1].outcome != ATTENDANCE_STORED) {
			fprintf(stderr, "ingest: unexpected answer at seq %llu\n",
				(unsigned long long)seq);
			r = -EPROTO;
			goto out;
		}
		n++;
		el = now_s() - t0;
	} while (el < seconds);
	if (group > 1 && n % group != 0 && (r = store_commit(st)) < 0)
		goto out;
	el = now_s() - t0;
	*rate = (double)seq / el;
	*batches = (double)n / el;
out:
	store_close(st);
	return r;
}

int main(int argc, char **argv)
{
	double seconds = argc > 2 ? atof(argv[2]) : 3.0, raw = 0, ing = 0, batches = 0;
	double grp = 0, grp_batches = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: store_ingest DIR [SECONDS]\n");
		return 2;
	}
	log_init("store_ingest", KLOG_WARNING);
	if (raw_baseline(argv[1], seconds, &raw) < 0 ||
	    ingest(argv[1], 1, seconds, &ing, &batches) < 0 ||
	    ingest(argv[1], 8, seconds, &grp, &grp_batches) < 0)
		return 1;
	printf("bench: sqlite_raw_taps_per_s %.0f taps/s\n", raw);
	printf("bench: store_ingest_taps_per_s %.0f taps/s\n", ing);
	printf("bench: store_ingest_batches_per_s %.0f batches/s\n", batches);
	printf("bench: store_ingest_group8_taps_per_s %.0f taps/s\n", grp);
	return 0;
}
