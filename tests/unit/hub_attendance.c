/*
 * Unit tests of attendance ingest: at most once per (device, seq), the contiguous high,
 * replays, gaps, malformed records beside good ones, clock correction, foreign cards, the
 * device checks, hostile JSON, a 1000-record batch, and the day view.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"
#include "tests/harness.h"

/* 2026-11-22 09:00 Seoul = 00:00 UTC. */
#define DAY_START 1795305600000LL
#define T0 (DAY_START + 6 * 3600 * 1000LL) /* 15:00 Seoul */
#define DEV "NWUK015-R01"
#define BOOT "11111111-2222-3333-4444-555555555555"

static char dir[64];
static struct store *st;
static const uint8_t card_a[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
static const uint8_t card_b[4] = { 0x04, 0xb1, 0xb2, 0xb3 };

static void teardown(void *arg)
{
	char cmd[128];

	(void)arg;
	store_close(st);
	st = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int setup(void)
{
	struct store_facility a = { "NWUK015", "노원 센터", "NW", "UK", 0 };
	struct store_facility b = { "GNUK001", "강남 센터", "GN", "UK", 0 };
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/kium-att-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	harness_defer(teardown, NULL);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (store_open(path, &st) < 0 || store_facility_add(st, &a, 1) < 0 ||
	    store_facility_add(st, &b, 1) < 0 ||
	    store_child_add(st, "C001", "김민수", "NWUK015", 1) < 0 ||
	    store_child_add(st, "C100", "Robert'); DROP TABLE taps;--", "GNUK001", 1) < 0 ||
	    store_card_assign(st, card_a, 4, "C001", 1) < 0 ||
	    store_card_assign(st, card_b, 4, "C100", 1) < 0 ||
	    store_device_add(st, DEV, "NWUK015", "01", "02", 1) < 0 ||
	    store_device_add(st, "NWUK015-R02", "NWUK015", "03", "04", 1) < 0)
		return -1;
	return 0;
}

/* A batch of n synced taps of card_a with seqs seq0.. (arrival), owned by the caller. */
static void make_batch(struct tap_batch *b, struct tap *taps, size_t n, uint64_t seq0)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->device, sizeof(b->device), DEV);
	snprintf(b->boot_id, sizeof(b->boot_id), BOOT);
	b->mono_ms = 500000;
	b->wall_ms = T0 + 100000;
	b->clock_synced = true;
	b->n = n;
	b->taps = taps;
	for (size_t i = 0; i < n; i++) {
		struct tap *t = &taps[i];

		memset(t, 0, sizeof(*t));
		t->seq = seq0 + i;
		memcpy(t->uid, card_a, 4);
		t->uid_len = 4;
		/* Derived from the seq, so that a replay is the same tap. */
		t->wall_ms = T0 + (int64_t)(t->seq - 1) * 1000;
		snprintf(t->boot_id, sizeof(t->boot_id), BOOT);
		t->mono_ms = 400000 + (int64_t)(t->seq - 1) * 1000;
		t->clock_synced = true;
		t->dir = TAP_DIR_IN;
		t->result = TAP_RESULT_ARRIVAL;
	}
}

static size_t day_count(void)
{
	struct store_attendance_row *rows = NULL;
	size_t n = 0;

	if (store_attendance_day(st, "NWUK015", clock_seoul_day(T0), &rows, &n) < 0)
		return (size_t)-1;
	free(rows);
	return n;
}

/* taps.batch_mono_ms of DEV's seq, -1 for NULL, -2 on error (read beside the store). */
static int64_t probe_batch_mono(int seq)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char path[128];
	int64_t v = -2;

	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT batch_mono_ms FROM taps WHERE device_id = ? AND seq = ?",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, DEV, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, seq);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

TEST(stored_then_replayed)
{
	struct tap taps[4];
	struct tap_batch b;
	struct attendance_result res[4];
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 3, 1);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0 + 200000, res, &high), 0);
	CHECK_EQ_INT(high, 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(res[i].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(day_count(), 3);
	/* The same batch again: nothing changes. */
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0 + 300000, res, &high), 0);
	CHECK_EQ_INT(high, 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(res[i].outcome, ATTENDANCE_DUPLICATE);
	CHECK_EQ_INT(day_count(), 3);
	/* Part of it plus one new record, in reverse order. */
	make_batch(&b, taps, 3, 2);
	taps[3] = taps[0];
	taps[0] = taps[2];
	taps[2] = taps[3];
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0 + 300000, res, &high), 0);
	CHECK_EQ_INT(high, 4);
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_DUPLICATE);
	CHECK_EQ_INT(res[2].outcome, ATTENDANCE_DUPLICATE);
	CHECK_EQ_INT(day_count(), 4);
}

/* A reader whose journal was reset sends new taps under used sequence numbers: they are
 * not taken for replays (which would let the reader delete them) but refused seq_reused. */
TEST(reused_seq_refused)
{
	struct tap taps[3];
	struct tap_batch b;
	struct attendance_result res[3];
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 2, 1);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	make_batch(&b, taps, 3, 1);
	snprintf(taps[0].boot_id, sizeof(taps[0].boot_id), "22222222-2222-3333-4444-555555555555");
	taps[1].uid[3] ^= 1;
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_REJECTED);
	CHECK_EQ_STR(res[0].reason, "seq_reused");
	CHECK_EQ_STR(res[1].reason, "seq_reused");
	CHECK_EQ_INT(res[2].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(high, 3);
	CHECK_EQ_INT(day_count(), 3);
	/* A true replay of what is held is still a duplicate, wall time aside. */
	make_batch(&b, taps, 2, 1);
	taps[1].wall_ms += 5;
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_DUPLICATE);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_DUPLICATE);
}

TEST(gap_rejected_then_filled)
{
	struct tap taps[3];
	struct tap_batch b;
	struct attendance_result res[3];
	struct store_device d;
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 2, 1);
	taps[1].seq = 3; /* 1, 3: 3 is a gap */
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(high, 1);
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_REJECTED);
	CHECK_EQ_STR(res[1].reason, "seq_gap");
	CHECK_EQ_INT(day_count(), 1);
	/* Resent in order, it is stored. */
	make_batch(&b, taps, 2, 2);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(high, 3);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(store_device_get(st, DEV, &d), 0);
	CHECK_EQ_INT(d.seq_high, 3);
	CHECK_EQ_INT(d.last_seen_ms, T0);
	/* Sequences are per device: the other reader starts at 1. */
	snprintf(b.device, sizeof(b.device), "NWUK015-R02");
	make_batch(&b, taps, 1, 2);
	snprintf(b.device, sizeof(b.device), "NWUK015-R02");
	CHECK_EQ_INT(attendance_ingest(st, "NWUK015-R02", &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(high, 0);
	CHECK_EQ_STR(res[0].reason, "seq_gap");
}

TEST(bad_records_beside_good)
{
	struct tap taps[4];
	struct tap_batch b;
	struct attendance_result res[4];
	const char *why[4] = { NULL, "bad_uid", NULL, "bad_seq" };
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 4, 1);
	taps[1].uid_len = 0;
	taps[3].seq = 0; /* a record without a usable sequence */
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, why, T0, res, &high), 0);
	CHECK_EQ_INT(high, 3); /* the bad record's seq is held: the reader is not stuck */
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_REJECTED);
	CHECK_EQ_STR(res[1].reason, "bad_uid");
	CHECK_EQ_INT(res[2].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(res[3].outcome, ATTENDANCE_REJECTED);
	CHECK_EQ_STR(res[3].reason, "bad_seq");
	CHECK_EQ_INT(day_count(), 2);
	/* Replayed: the held reject answers the same reason; nothing is added. */
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, why, T0, res, &high), 0);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_REJECTED);
	CHECK_EQ_STR(res[1].reason, "bad_uid");
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_DUPLICATE);
	CHECK_EQ_INT(day_count(), 2);
}

TEST(clock_correction)
{
	struct tap taps[3];
	struct tap_batch b;
	struct attendance_result res[3];
	struct store_attendance_row *rows = NULL;
	size_t n = 0;
	uint64_t high = 0;
	int64_t received = T0 + 3600000;

	CHECK(setup() == 0);
	make_batch(&b, taps, 3, 1);
	b.clock_synced = false;
	taps[0].clock_synced = false; /* same boot: corrected */
	taps[0].wall_ms = 5000;       /* 1970: the clock was not set */
	taps[0].mono_ms = b.mono_ms - 60000;
	taps[1].clock_synced = false; /* another boot: cannot be placed */
	taps[1].wall_ms = 6000;
	snprintf(taps[1].boot_id, sizeof(taps[1].boot_id), "99999999-2222-3333-4444-555555555555");
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, received, res, &high), 0);
	CHECK_EQ_INT(high, 3);
	CHECK_EQ_INT(res[0].flag, STORE_TIME_CORRECTED);
	CHECK_EQ_INT(res[1].flag, STORE_TIME_UNCORRECTABLE);
	CHECK_EQ_INT(res[2].flag, STORE_TIME_READER);
	CHECK_EQ_INT(store_attendance_day(st, "NWUK015", clock_seoul_day(T0), &rows, &n), 0);
	harness_defer(free, rows);
	CHECK_EQ_INT(n, 2); /* the uncorrectable tap has no trustworthy day */
	CHECK_EQ_INT(rows[0].time_ms, T0 + 2000);
	CHECK_EQ_INT(rows[0].flag, STORE_TIME_READER);
	CHECK_EQ_INT(rows[1].time_ms, received - 60000);
	CHECK_EQ_INT(rows[1].flag, STORE_TIME_CORRECTED);
	CHECK_EQ_INT(rows[1].reader_wall_ms, 5000); /* the raw value is kept */
	CHECK_EQ_INT(rows[1].received_ms, received);
	/* The correction's input is kept beside it. */
	CHECK_EQ_INT(probe_batch_mono(1), b.mono_ms);
	CHECK_EQ_INT(probe_batch_mono(2), -1);
	CHECK_EQ_INT(probe_batch_mono(3), -1);
}

/* Monotonic times that cannot describe one boot's recent past are not used to correct. */
TEST(implausible_correction)
{
	struct tap taps[2];
	struct tap_batch b;
	struct attendance_result res[2];
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 2, 1);
	b.mono_ms = 9000000000000000000LL;
	taps[0].clock_synced = false;
	taps[0].mono_ms = 1; /* 285 million years before the upload */
	taps[1].clock_synced = false;
	taps[1].mono_ms = b.mono_ms + 1; /* after the upload it came in */
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(res[0].flag, STORE_TIME_UNCORRECTABLE);
	CHECK_EQ_INT(res[1].flag, STORE_TIME_UNCORRECTABLE);
}

TEST(device_checks)
{
	struct tap taps[1];
	struct tap_batch b;
	struct attendance_result res[1];
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 1, 1);
	CHECK_EQ_INT(attendance_ingest(st, "NWUK015-R09", &b, NULL, T0, res, &high), -ENOENT);
	/* A batch naming another device than the certificate's. */
	CHECK_EQ_INT(attendance_ingest(st, "NWUK015-R02", &b, NULL, T0, res, &high), -EPERM);
	CHECK_EQ_INT(store_device_revoke(st, DEV, T0), 0);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), -EACCES);
	CHECK_EQ_INT(day_count(), 0);
}

TEST(foreign_card_and_unknown_card)
{
	struct tap taps[2];
	struct tap_batch b;
	struct attendance_result res[2];
	struct store_attendance_row *rows = NULL;
	size_t n = 0;
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 2, 1);
	memcpy(taps[0].uid, card_b, 4); /* a GNUK001 child's card at NWUK015's door */
	taps[1].uid[3] = 0xee;          /* nobody's card */
	taps[1].dir = TAP_DIR_NONE;
	taps[1].result = TAP_RESULT_UNKNOWN_CARD;
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(res[0].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(res[1].outcome, ATTENDANCE_STORED);
	CHECK_EQ_INT(store_attendance_day(st, "NWUK015", clock_seoul_day(T0), &rows, &n), 0);
	harness_defer(free, rows);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_STR(rows[0].child_id, "C100");
	CHECK_EQ_STR(rows[0].child_name, "Robert'); DROP TABLE taps;--");
	CHECK_EQ_STR(rows[1].child_id, "");
	CHECK_EQ_INT(rows[1].result, TAP_RESULT_UNKNOWN_CARD);
}

/* A card that changes hands between an offline tap and its upload: the tap belongs to the
 * child who held the card when it was tapped. */
TEST(card_holder_at_tap_time)
{
	struct tap taps[2];
	struct tap_batch b;
	struct attendance_result res[2];
	struct store_attendance_row *rows = NULL;
	size_t n = 0;
	uint64_t high = 0;

	CHECK(setup() == 0);
	CHECK_EQ_INT(store_child_add(st, "C002", "이서연", "NWUK015", 1), 0);
	CHECK_EQ_INT(store_card_deactivate(st, card_a, 4, T0 + 600000), 0);
	CHECK_EQ_INT(store_card_assign(st, card_a, 4, "C002", T0 + 600000), 0);
	make_batch(&b, taps, 2, 1);
	taps[1].wall_ms = T0 + 900000; /* after the reassignment */
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0 + 1200000, res, &high), 0);
	CHECK_EQ_INT(store_attendance_day(st, "NWUK015", clock_seoul_day(T0), &rows, &n), 0);
	harness_defer(free, rows);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_STR(rows[0].child_id, "C001");
	CHECK_EQ_STR(rows[0].child_name, "김민수");
	CHECK_EQ_STR(rows[1].child_id, "C002");
}

/* A card assigned at the hub a few seconds "after" a reader whose clock runs slow saw it:
 * the tap still belongs to the holder at the time the hub received it. */
TEST(card_assigned_just_before_upload)
{
	static const uint8_t card_c[4] = { 0x04, 0xc1, 0xc2, 0xc3 };
	struct tap taps[1];
	struct tap_batch b;
	struct attendance_result res[1];
	struct store_attendance_row *rows = NULL;
	size_t n = 0;
	uint64_t high = 0;

	CHECK(setup() == 0);
	CHECK_EQ_INT(store_child_add(st, "C003", "박지민", "NWUK015", 1), 0);
	CHECK_EQ_INT(store_card_assign(st, card_c, 4, "C003", T0 + 5000), 0);
	make_batch(&b, taps, 1, 1);
	memcpy(taps[0].uid, card_c, 4);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0 + 10000, res, &high), 0);
	CHECK_EQ_INT(store_attendance_day(st, "NWUK015", clock_seoul_day(T0), &rows, &n), 0);
	harness_defer(free, rows);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(rows[0].child_id, "C003");
}

/* Group commit: batches of two devices in one transaction; a refused batch in between
 * writes nothing and does not spoil the others; a rolled-back group leaves no trace. */
TEST(group_commit)
{
	struct tap t1[2], t2[2], t3[1];
	struct tap_batch b1, b2, b3;
	struct attendance_result r1[2], r2[2], r3[1];
	uint64_t h1 = 0, h2 = 0, h3 = 0;

	CHECK(setup() == 0);
	CHECK_EQ_INT(store_device_add(st, "NWUK015-R03", "NWUK015", "05", "06", 1), 0);
	CHECK_EQ_INT(store_device_revoke(st, "NWUK015-R03", 2), 0);
	make_batch(&b1, t1, 2, 1);
	make_batch(&b2, t2, 2, 1);
	snprintf(b2.device, sizeof(b2.device), "NWUK015-R02");
	make_batch(&b3, t3, 1, 1);
	snprintf(b3.device, sizeof(b3.device), "NWUK015-R03");
	CHECK_EQ_INT(store_begin(st), 0);
	CHECK_EQ_INT(attendance_ingest_tx(st, DEV, &b1, NULL, T0, r1, &h1), 0);
	CHECK_EQ_INT(attendance_ingest_tx(st, "NWUK015-R03", &b3, NULL, T0, r3, &h3), -EACCES);
	CHECK_EQ_INT(attendance_ingest_tx(st, "NWUK015-R02", &b2, NULL, T0, r2, &h2), 0);
	/* The same device again in the same group: sees its own first batch. */
	CHECK_EQ_INT(attendance_ingest_tx(st, DEV, &b1, NULL, T0, r1, &h1), 0);
	CHECK_EQ_INT(r1[0].outcome, ATTENDANCE_DUPLICATE);
	CHECK_EQ_INT(store_commit(st), 0);
	CHECK_EQ_INT(h1, 2);
	CHECK_EQ_INT(h2, 2);
	CHECK_EQ_INT(day_count(), 4);
	make_batch(&b1, t1, 2, 3);
	CHECK_EQ_INT(store_begin(st), 0);
	CHECK_EQ_INT(store_begin(st), -EBUSY);
	CHECK_EQ_INT(attendance_ingest_tx(st, DEV, &b1, NULL, T0, r1, &h1), 0);
	store_rollback(st);
	CHECK_EQ_INT(day_count(), 4);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b1, NULL, T0, r1, &h1), 0);
	CHECK_EQ_INT(h1, 4);
}

TEST(hostile_json)
{
	static const char *text =
		"{\"device\":\"" DEV "\",\"boot_id\":\"" BOOT "\",\"mono_ms\":9000,"
		"\"wall_ms\":1795327200000,\"clock\":\"synced\",\"taps\":["
		"{\"seq\":1,\"uid\":\"04'; DROP TABLE taps;--\",\"wall_ms\":1795327200000,"
		"\"boot_id\":\"" BOOT "\",\"mono_ms\":1,\"clock\":\"synced\",\"dir\":\"in\","
		"\"result\":\"arrival\"},"
		"{\"seq\":2,\"uid\":\"04a1b2c3\",\"wall_ms\":1795327200000,"
		"\"boot_id\":\"x' OR '1'='1\",\"mono_ms\":1,\"clock\":\"synced\",\"dir\":\"in\","
		"\"result\":\"arrival\"},"
		"{\"seq\":3,\"uid\":\"04a1b2c3\",\"wall_ms\":1795327200000,"
		"\"boot_id\":\"" BOOT "\",\"mono_ms\":1,\"clock\":\"synced\",\"dir\":\"in\","
		"\"result\":\"arrival\"},"
		"\"not a record\"]}";
	struct tap_batch b;
	struct attendance_result res[4];
	const char **why = NULL, *why_batch = NULL;
	json_t *j = json_loads(text, 0, NULL);
	uint64_t high = 0;
	int r;

	CHECK(setup() == 0);
	CHECK(j);
	r = tap_batch_from_json(j, &b, &why, &why_batch);
	json_decref(j);
	CHECK_EQ_INT(r, 0);
	CHECK_EQ_INT(b.n, 4);
	r = attendance_ingest(st, DEV, &b, why, T0, res, &high);
	tap_batch_free(&b, why);
	CHECK_EQ_INT(r, 0);
	CHECK_EQ_INT(high, 3);
	CHECK_EQ_STR(res[0].reason, "bad_uid");
	CHECK_EQ_STR(res[1].reason, "bad_boot_id");
	CHECK_EQ_INT(res[2].outcome, ATTENDANCE_STORED);
	CHECK_EQ_STR(res[3].reason, "not_an_object");
	CHECK_EQ_INT(day_count(), 1);
}

TEST(thousand_record_batch)
{
	struct tap *taps = calloc(TAP_BATCH_MAX, sizeof(*taps));
	struct attendance_result *res = calloc(TAP_BATCH_MAX, sizeof(*res));
	struct tap_batch b;
	uint64_t high = 0;
	size_t stored = 0, dup = 0;

	harness_defer(free, taps);
	harness_defer(free, res);
	CHECK(taps && res);
	CHECK(setup() == 0);
	make_batch(&b, taps, TAP_BATCH_MAX, 1);
	for (size_t i = 0; i < TAP_BATCH_MAX; i++)
		taps[i].wall_ms = T0 + (int64_t)i * 10;
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	CHECK_EQ_INT(high, TAP_BATCH_MAX);
	for (size_t i = 0; i < TAP_BATCH_MAX; i++)
		stored += res[i].outcome == ATTENDANCE_STORED;
	CHECK_EQ_INT(stored, TAP_BATCH_MAX);
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0, res, &high), 0);
	for (size_t i = 0; i < TAP_BATCH_MAX; i++)
		dup += res[i].outcome == ATTENDANCE_DUPLICATE;
	CHECK_EQ_INT(dup, TAP_BATCH_MAX);
	CHECK_EQ_INT(day_count(), TAP_BATCH_MAX);
}

TEST(day_json)
{
	struct tap taps[2];
	struct tap_batch b;
	struct attendance_result res[2];
	json_t *j = NULL, *t;
	uint64_t high = 0;

	CHECK(setup() == 0);
	make_batch(&b, taps, 2, 1);
	taps[1].clock_synced = false;
	taps[1].mono_ms = b.mono_ms - 1000;
	CHECK_EQ_INT(attendance_ingest(st, DEV, &b, NULL, T0 + 5000, res, &high), 0);
	CHECK_EQ_INT(attendance_day_json(st, "NWUK015", clock_seoul_day(T0), &j), 0);
	harness_defer((void (*)(void *))json_decref, j);
	CHECK_EQ_STR(json_string_value(json_object_get(j, "date")), "2026-11-22");
	CHECK_EQ_INT(json_array_size(json_object_get(j, "taps")), 2);
	t = json_array_get(json_object_get(j, "taps"), 0);
	CHECK_EQ_STR(json_string_value(json_object_get(t, "child")), "C001");
	CHECK_EQ_STR(json_string_value(json_object_get(t, "name")), "김민수");
	CHECK_EQ_STR(json_string_value(json_object_get(t, "hhmm")), "15:00");
	CHECK_EQ_STR(json_string_value(json_object_get(t, "clock")), "reader");
	t = json_array_get(json_object_get(j, "taps"), 1);
	CHECK_EQ_STR(json_string_value(json_object_get(t, "clock")), "corrected");
	CHECK_EQ_INT(attendance_day_json(st, "XXUK001", clock_seoul_day(T0), &j), -ENOENT);
}

int main(void)
{
	log_init("hub_attendance", KLOG_ERR);
	RUN(stored_then_replayed);
	RUN(reused_seq_refused);
	RUN(gap_rejected_then_filled);
	RUN(bad_records_beside_good);
	RUN(clock_correction);
	RUN(implausible_correction);
	RUN(device_checks);
	RUN(foreign_card_and_unknown_card);
	RUN(card_holder_at_tap_time);
	RUN(card_assigned_just_before_upload);
	RUN(group_commit);
	RUN(hostile_json);
	RUN(thousand_record_batch);
	RUN(day_json);
	return harness_done();
}
