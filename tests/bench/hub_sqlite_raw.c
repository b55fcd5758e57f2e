/*
 * The baseline of the hub's ingest benchmark: the same tap rows inserted straight into
 * SQLite, in transactions of BATCH rows, WAL with synchronous=FULL (the durability the hub
 * promises a reader), a table shaped like the hub's taps table (same columns, same primary
 * key and index). What the hub does beyond this - TLS, HTTP, JSON, identity, sequence
 * checks - is the overhead the ratio shows.
 *
 *   hub_sqlite_raw DB ROWS BATCH   -> "sqlite_raw_taps_per_s N"
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double raw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	long rows, batch;
	double t0, dt;
	char uid[16];

	if (argc != 4)
		return 2;
	rows = atol(argv[2]);
	batch = atol(argv[3]);
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE taps (device_id TEXT NOT NULL, seq INTEGER NOT NULL,"
			 " facility TEXT NOT NULL, uid TEXT, child_id TEXT, wall_ms INTEGER,"
			 " boot_id TEXT, mono_ms INTEGER, clock_synced INTEGER, dir TEXT, result TEXT,"
			 " received_ms INTEGER NOT NULL, time_ms INTEGER,"
			 " time_flag INTEGER NOT NULL DEFAULT 0, reject TEXT,"
			 " PRIMARY KEY (device_id, seq)) WITHOUT ROWID;"
			 "CREATE INDEX taps_facility_time ON taps(facility, time_ms) WHERE reject IS NULL;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO taps (device_id, seq, facility, uid, child_id, wall_ms,"
			       " boot_id, mono_ms, clock_synced, dir, result, received_ms, time_ms,"
			       " time_flag) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
			       -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "hub_sqlite_raw: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	t0 = raw_now();
	for (long seq = 1; seq <= rows;) {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (long i = 0; i < batch && seq <= rows; i++, seq++) {
			long long wall = 1795000000000LL + seq * 1000;

			snprintf(uid, sizeof(uid), "04%06lx", seq % 4096);
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, "B1", -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 2, seq);
			sqlite3_bind_text(ins, 3, "NWUK015", -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, uid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_null(ins, 5);
			sqlite3_bind_int64(ins, 6, wall);
			sqlite3_bind_text(ins, 7, "6f1c2a3e-0000-4000-8000-00000000b001", -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(ins, 8, seq);
			sqlite3_bind_int(ins, 9, 1);
			sqlite3_bind_text(ins, 10, seq % 2 ? "in" : "out", -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 11, seq % 2 ? "arrival" : "departure", -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(ins, 12, wall);
			sqlite3_bind_int64(ins, 13, wall);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				fprintf(stderr, "hub_sqlite_raw: %s\n", sqlite3_errmsg(db));
				return 1;
			}
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "hub_sqlite_raw: %s\n", sqlite3_errmsg(db));
			return 1;
		}
	}
	dt = raw_now() - t0;
	printf("sqlite_raw_taps_per_s %d\n", (int)((double)rows / dt));
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
