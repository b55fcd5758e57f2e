/* The tap journal: sequence numbers, durability across reopen, the uplink's API, capacity. */
#include "firmware/journal.h"
#include "tests/harness.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/kium-fw-journal.XXXXXX";
static char path[256];

static void rm_journal(void)
{
	char p[300];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void close_journal(void *j)
{
	journal_close(j);
}

static struct journal *open_journal(long capacity)
{
	struct journal_options o = { .path = path, .capacity = capacity, .warn_percent = 80 };
	struct journal *j = NULL;

	if (journal_open(&o, &j) < 0)
		return NULL;
	harness_defer(close_journal, j);
	return j;
}

static struct tap mktap(uint8_t b, enum tap_result r)
{
	struct tap t = { 0 };

	t.uid[0] = 0x04;
	t.uid[1] = b;
	t.uid[2] = 0xaa;
	t.uid[3] = 0x55;
	t.uid_len = 4;
	t.wall_ms = 1795000000000LL + b;
	t.mono_ms = 5000 + b;
	t.clock_synced = true;
	snprintf(t.boot_id, sizeof(t.boot_id), "00000000-0000-4000-8000-000000000001");
	t.result = r;
	t.dir = r == TAP_RESULT_ARRIVAL ? TAP_DIR_IN : r == TAP_RESULT_DEPARTURE ? TAP_DIR_OUT :
								    TAP_DIR_NONE;
	return t;
}

TEST(sequence_survives_reopen)
{
	struct journal *j;
	struct tap t;

	rm_journal();
	j = open_journal(100);
	CHECK(j);
	for (int i = 1; i <= 3; i++) {
		t = mktap((uint8_t)i, TAP_RESULT_ARRIVAL);
		CHECK_EQ_INT(journal_append(j, &t, "h1", "C1", 20000), 0);
		CHECK_EQ_INT(t.seq, i);
	}
	journal_close(j);
	harness_defer_n--; /* closed by hand */
	j = open_journal(100);
	CHECK(j);
	t = mktap(9, TAP_RESULT_UNKNOWN_CARD);
	CHECK_EQ_INT(journal_append(j, &t, "h9", NULL, 0), 0);
	CHECK_EQ_INT(t.seq, 4);
}

TEST(card_and_child_state)
{
	struct journal *j;
	struct journal_card_last last;
	enum tap_dir dir;
	struct tap t;

	rm_journal();
	j = open_journal(100);
	CHECK(j);
	CHECK_EQ_INT(journal_card_last(j, "hx", &last), 0);
	CHECK_EQ_INT(journal_child_dir(j, "C1", 20000, &dir), 0);
	CHECK_EQ_INT(dir, TAP_DIR_NONE);
	t = mktap(1, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_append(j, &t, "hx", "C1", 20000), 0);
	CHECK_EQ_INT(journal_card_last(j, "hx", &last), 1);
	CHECK_EQ_INT(last.seq, 1);
	CHECK_EQ_INT(last.mono_ms, t.mono_ms);
	CHECK_EQ_STR(last.boot_id, t.boot_id);
	CHECK_EQ_INT(last.result, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_child_dir(j, "C1", 20000, &dir), 0);
	CHECK_EQ_INT(dir, TAP_DIR_IN);
	/* Another day: no direction yet. */
	CHECK_EQ_INT(journal_child_dir(j, "C1", 20001, &dir), 0);
	CHECK_EQ_INT(dir, TAP_DIR_NONE);
}

TEST(pending_batches_and_ack)
{
	struct journal *j;
	struct journal_usage u;
	struct tap t, out[4];
	size_t n;

	rm_journal();
	j = open_journal(100);
	CHECK(j);
	for (int i = 1; i <= 10; i++) {
		t = mktap((uint8_t)i, TAP_RESULT_ARRIVAL);
		CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), 0);
	}
	CHECK_EQ_INT(journal_pending(j, 0, out, 4, &n), 0);
	CHECK_EQ_INT(n, 4);
	CHECK_EQ_INT(out[0].seq, 1);
	CHECK_EQ_INT(out[3].seq, 4);
	CHECK_EQ_INT(out[2].uid[1], 3);
	CHECK_EQ_INT(out[2].wall_ms, 1795000000003LL);
	CHECK(out[2].clock_synced);
	CHECK_EQ_INT(journal_ack(j, 4), 0);
	CHECK_EQ_INT(journal_ack(j, 2), 0); /* backwards: ignored */
	CHECK_EQ_INT(journal_ack(j, 11), -EINVAL);
	CHECK_EQ_INT(journal_pending(j, 0, out, 4, &n), 0);
	CHECK_EQ_INT(n, 4);
	CHECK_EQ_INT(out[0].seq, 5);
	CHECK_EQ_INT(journal_pending(j, 8, out, 4, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(out[1].seq, 10);
	journal_usage(j, &u);
	CHECK_EQ_INT(u.last_seq, 10);
	CHECK_EQ_INT(u.acked_seq, 4);
	CHECK_EQ_INT(u.pending, 6);
	CHECK_EQ_INT(u.rows, 10);
}

TEST(full_refuses_and_prunes_only_acked)
{
	struct journal *j;
	struct journal_usage u;
	struct tap t, out[8];
	size_t n;

	rm_journal();
	j = open_journal(5);
	CHECK(j);
	for (int i = 1; i <= 5; i++) {
		t = mktap((uint8_t)i, TAP_RESULT_ARRIVAL);
		CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), 0);
		journal_usage(j, &u);
		CHECK_EQ_INT(u.warn, i >= 4);
	}
	t = mktap(6, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), -ENOSPC);
	journal_usage(j, &u);
	CHECK(u.full);
	CHECK_EQ_INT(u.last_seq, 5);
	/* The hub acknowledges two: room for exactly two more, by pruning those two. */
	CHECK_EQ_INT(journal_ack(j, 2), 0);
	t = mktap(6, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), 0);
	CHECK_EQ_INT(t.seq, 6);
	t = mktap(7, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), 0);
	t = mktap(8, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), -ENOSPC);
	journal_usage(j, &u);
	CHECK_EQ_INT(u.rows, 5);
	CHECK_EQ_INT(journal_pending(j, 0, out, 8, &n), 0);
	CHECK_EQ_INT(n, 5);
	CHECK_EQ_INT(out[0].seq, 3);
	CHECK_EQ_INT(out[4].seq, 7);
}

TEST(wal_synchronous_full_and_schema_version)
{
	struct journal *j;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int version = -1;
	char mode[16] = "";

	rm_journal();
	j = open_journal(10);
	CHECK(j);
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	/* A newer schema than this program knows is refused, not overwritten. */
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK_EQ_STR(mode, "wal");
	CHECK_EQ_INT(version, 2); /* 2: set_aside */
	{
		struct journal_options o = { .path = path, .capacity = 10 };
		struct journal *j2 = NULL;

		CHECK_EQ_INT(journal_open(&o, &j2), -EPROTO);
		CHECK(j2 == NULL);
	}
}

TEST(unwritable_and_garbage_files_are_refused)
{
	struct journal_options o = { .path = "/nonexistent-dir/journal.db", .capacity = 10 };
	struct journal *j = NULL;
	FILE *f;

	CHECK(journal_open(&o, &j) < 0);
	CHECK(j == NULL);
	rm_journal();
	f = fopen(path, "w");
	CHECK(f);
	fputs("this is not a database, but it is long enough to look like a header...\n", f);
	for (int i = 0; i < 100; i++)
		fputs("garbage garbage garbage garbage garbage garbage garbage garbage\n", f);
	fclose(f);
	o.path = path;
	CHECK(journal_open(&o, &j) < 0);
	CHECK(j == NULL);
}

TEST(dump_prints_json_lines)
{
	struct journal *j;
	struct tap t;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	rm_journal();
	j = open_journal(10);
	CHECK(j);
	t = mktap(1, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(journal_append(j, &t, "h", "C", 1), 0);
	t = mktap(2, TAP_RESULT_UNKNOWN_CARD);
	CHECK_EQ_INT(journal_append(j, &t, "h2", NULL, 1), 0);
	mem = open_memstream(&buf, &len);
	CHECK(mem);
	journal_dump(j, mem);
	fclose(mem);
	harness_defer(free, buf);
	CHECK(strstr(buf, "{\"seq\":1,\"uid\":\"0401aa55\"") == buf);
	CHECK(strstr(buf, "\"result\":\"unknown\""));
	CHECK(strstr(buf, "\"dir\":\"none\""));
	CHECK_EQ_INT(strchr(buf, '\n') - buf + 1 < (long)len, 1);
}

struct uplink_sim {
	struct journal *j;
	volatile int done;
	uint64_t acked;
	int errors;
};

/* What the uplink thread will do: batches in order, acknowledge, repeat. */
static void *uplink_thread(void *arg)
{
	struct uplink_sim *u = arg;
	struct tap batch[16];
	size_t n = 0;

	for (;;) {
		/* Read "done" before looking: taps appended after an empty look are still
		 * drained by the next round. */
		int last_round = u->done;

		if (journal_pending(u->j, 0, batch, 16, &n) < 0) {
			u->errors++;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (batch[i].seq != u->acked + 1 + i)
				u->errors++;
		if (n && journal_ack(u->j, batch[n - 1].seq) == 0)
			u->acked = batch[n - 1].seq;
		if (last_round && n == 0)
			break;
	}
	return NULL;
}

TEST(uplink_thread_shares_the_handle)
{
	struct uplink_sim u = { 0 };
	pthread_t th;
	struct tap t;
	int bad = 0;

	rm_journal();
	u.j = open_journal(50);
	CHECK(u.j);
	CHECK_EQ_INT(pthread_create(&th, NULL, uplink_thread, &u), 0);
	for (int i = 0; i < 300; i++) {
		t = mktap((uint8_t)i, TAP_RESULT_ARRIVAL);
		int r = journal_append(u.j, &t, "h", "C", 1);

		if (r == -ENOSPC) {
			i--; /* the uplink drains it */
			continue;
		}
		if (r < 0 || t.seq != (uint64_t)i + 1)
			bad++;
	}
	u.done = 1;
	pthread_join(th, NULL);
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(u.errors, 0);
	CHECK_EQ_INT(u.acked, 300);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;
	int ret = 0;

	if (!in || !out)
		ret = -1;
	while (ret == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			ret = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ret = -1;
	return ret;
}

/* The WAL is given its room (zeros) at open; a power cut leaves the committed frames followed
 * by zeros, and the journal opened from those files holds every committed tap. */
TEST(wal_room_and_recovery_after_a_cut)
{
	struct journal_options o = { .capacity = 1000, .warn_percent = 80 };
	struct journal *j, *c = NULL;
	struct journal_usage u;
	struct tap t, got[64];
	char wal[300], cut[300], cut_wal[300];
	struct stat sb;
	size_t n = 0;

	rm_journal();
	j = open_journal(1000);
	CHECK(j);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK(stat(wal, &sb) == 0);
	CHECK_MSG(sb.st_size >= (4L << 20), "WAL of %lld bytes at open", (long long)sb.st_size);
	for (int i = 1; i <= 50; i++) {
		t = mktap((uint8_t)i, TAP_RESULT_UNKNOWN_CARD);
		CHECK_EQ_INT(journal_append(j, &t, "h", NULL, 0), 0);
	}
	CHECK(stat(wal, &sb) == 0);
	CHECK_MSG(sb.st_size == (4L << 20), "50 taps grew the WAL to %lld bytes", (long long)sb.st_size);
	/* The files as a power cut would leave them (no -shm: rebuilt from the WAL). */
	snprintf(cut, sizeof(cut), "%s/cut.db", tmpdir);
	snprintf(cut_wal, sizeof(cut_wal), "%s/cut.db-wal", tmpdir);
	CHECK_EQ_INT(copy_file(path, cut), 0);
	CHECK_EQ_INT(copy_file(wal, cut_wal), 0);
	o.path = cut;
	CHECK_EQ_INT(journal_open(&o, &c), 0);
	harness_defer(close_journal, c);
	CHECK_EQ_INT(journal_usage(c, &u), 0);
	CHECK_EQ_INT(u.last_seq, 50);
	CHECK_EQ_INT(journal_pending(c, 0, got, 64, &n), 0);
	CHECK_EQ_INT(n, 50);
	CHECK_EQ_INT(got[0].seq, 1);
	CHECK_EQ_INT(got[49].seq, 50);
	CHECK_EQ_INT(got[49].uid[1], 50);
	t = mktap(51, TAP_RESULT_UNKNOWN_CARD);
	CHECK_EQ_INT(journal_append(c, &t, "h", NULL, 0), 0);
	CHECK_EQ_INT(t.seq, 51);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/journal.db", tmpdir);
	RUN(sequence_survives_reopen);
	RUN(card_and_child_state);
	RUN(pending_batches_and_ack);
	RUN(full_refuses_and_prunes_only_acked);
	RUN(wal_synchronous_full_and_schema_version);
	RUN(unwritable_and_garbage_files_are_refused);
	RUN(dump_prints_json_lines);
	RUN(uplink_thread_shares_the_handle);
	RUN(wal_room_and_recovery_after_a_cut);
	rm_journal();
	{
		char p[300];

		snprintf(p, sizeof(p), "%s/cut.db", tmpdir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/cut.db-wal", tmpdir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/cut.db-shm", tmpdir);
		unlink(p);
	}
	rmdir(tmpdir);
	return harness_done();
}
