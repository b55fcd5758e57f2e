/*
 * The tap decision on a pinned clock: arrival/departure alternation per child and Seoul day,
 * debounce (also across a restart), unknown cards, a full journal, feedback only after the
 * commit; and the reader loop over the scripted fake reader (faults, unplug, reopen).
 */
#include "common/clock.h"
#include "common/uidhash.h"
#include "firmware/feedback.h"
#include "firmware/journal.h"
#include "firmware/roster.h"
#include "firmware/tapdesk.h"
#include "tests/harness.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/kium-fw-tapdesk.XXXXXX";
static char jpath[300], rpath[300], cpath[300], spath[300];

/* 2026-11-29 08:30 Seoul */
#define T0 1795908600000LL

struct fb_log {
	int n;
	enum feedback_result r[64];
	uint64_t seq[64];
	bool committed[64]; /* the tap was in the database (another connection) at feedback time */
};
static struct fb_log fblog;

static bool seq_in_db(uint64_t seq)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_open_v2(jpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT 1 FROM taps WHERE seq = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

static int spy_open(const struct feedback_config *cfg, void **priv)
{
	(void)cfg;
	*priv = &fblog;
	return 0;
}

static int spy_give(void *priv, enum feedback_result r, uint64_t seq, const uint8_t *uid,
		    uint8_t uid_len)
{
	struct fb_log *l = priv;

	(void)uid;
	(void)uid_len;
	if (l->n < 64) {
		l->r[l->n] = r;
		l->seq[l->n] = seq;
		l->committed[l->n] = seq ? seq_in_db(seq) : false;
	}
	l->n++;
	return 0;
}

static void spy_close(void *priv)
{
	(void)priv;
}

static const struct feedback_ops spy_ops = {
	.name = "spy", .open = spy_open, .give = spy_give, .close = spy_close,
};

struct rig {
	struct journal *j;
	struct roster *r;
	struct feedback *f;
	struct tapdesk d;
};

static void rig_free(void *p)
{
	struct rig *g = p;

	feedback_close(g->f);
	roster_close(g->r);
	journal_close(g->j);
	free(g);
}

static void rm_db(const char *p)
{
	char q[320];

	unlink(p);
	snprintf(q, sizeof(q), "%s-wal", p);
	unlink(q);
	snprintf(q, sizeof(q), "%s-shm", p);
	unlink(q);
}

static void wipe(void)
{
	rm_db(jpath);
	rm_db(cpath);
	memset(&fblog, 0, sizeof(fblog));
}

static struct rig *rig_new(long capacity, int64_t debounce_ms)
{
	struct journal_options jo = { .path = jpath, .capacity = capacity, .warn_percent = 80 };
	struct tapdesk_config tc = { .facility = "NWUK015", .debounce_ms = debounce_ms,
				     .fault_after = 3, .reopen_min_ms = 10, .reopen_max_ms = 20 };
	struct feedback_config fc = { 0 };
	struct rig *g = calloc(1, sizeof(*g));
	FILE *f = fopen(rpath, "w");

	if (!g || !f)
		goto fail;
	fputs("kium-roster 1\nfacility NWUK015\n"
	      "uid 04a1b2c3 C001 김민수\nuid 04d1e2f3a4b5c6 C001 김민수\n"
	      "uid 11223344 C002 이서연\n", f);
	fclose(f);
	f = NULL;
	if (journal_open(&jo, &g->j) < 0 || roster_open(cpath, "NWUK015", &g->r) < 0 ||
	    roster_import_file(g->r, rpath) < 0 || feedback_open_ops(&spy_ops, &fc, &g->f) < 0)
		goto fail;
	tapdesk_init(&g->d, &tc, g->j, g->r, g->f, NULL);
	harness_defer(rig_free, g);
	return g;
fail:
	if (f)
		fclose(f);
	if (g)
		rig_free(g);
	return NULL;
}

static struct reader_card card(const char *hex)
{
	struct reader_card c = { { 0 }, 0 };

	tap_uid_parse(hex, c.uid, &c.uid_len);
	return c;
}

static enum feedback_result tap(struct rig *g, const char *hex, uint64_t *seq)
{
	struct reader_card c = card(hex);
	struct tapdesk_outcome out;

	tapdesk_tap(&g->d, &c, &out);
	if (seq)
		*seq = out.seq;
	return out.result;
}

TEST(arrival_departure_alternate_per_child_and_day)
{
	struct rig *g;
	uint64_t seq;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(1000, 60000);
	CHECK(g);
	CHECK_EQ_INT(tap(g, "04a1b2c3", &seq), FEEDBACK_ARRIVAL);
	CHECK_EQ_INT(seq, 1);
	CHECK_EQ_INT(tap(g, "11223344", &seq), FEEDBACK_ARRIVAL);
	clock_advance(3 * 3600 * 1000);
	CHECK_EQ_INT(tap(g, "04a1b2c3", &seq), FEEDBACK_DEPARTURE);
	CHECK_EQ_INT(seq, 3);
	/* The child's second card (7-byte UID) continues the same alternation. */
	clock_advance(600000);
	CHECK_EQ_INT(tap(g, "04d1e2f3a4b5c6", NULL), FEEDBACK_ARRIVAL);
	clock_advance(600000);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_DEPARTURE);
	/* Next Seoul day: arrival again although the last tap was an arrival... of yesterday. */
	clock_advance(24LL * 3600 * 1000);
	CHECK_EQ_INT(tap(g, "11223344", NULL), FEEDBACK_ARRIVAL);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
	CHECK_EQ_INT(fblog.n, 7);
	for (int i = 0; i < fblog.n; i++)
		CHECK_MSG(fblog.committed[i], "feedback %d came before its commit", i);
}

TEST(seoul_midnight_not_utc_midnight)
{
	struct rig *g;

	wipe();
	/* 23:50 Seoul, then 00:10 Seoul (both the same UTC day): a new local day. */
	clock_pin(clock_day_start_ms(20500) + 23 * 3600000LL + 50 * 60000, 1000000, true);
	g = rig_new(1000, 60000);
	CHECK(g);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
	clock_advance(20 * 60000);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
}

TEST(duplicate_within_debounce)
{
	struct rig *g;
	uint64_t seq;
	struct journal_usage u;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(1000, 60000);
	CHECK(g);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
	clock_advance(59999);
	CHECK_EQ_INT(tap(g, "04a1b2c3", &seq), FEEDBACK_DUPLICATE);
	CHECK_EQ_INT(seq, 1);
	/* The window runs from the recorded tap, not from the duplicate. */
	clock_advance(1);
	CHECK_EQ_INT(tap(g, "04a1b2c3", &seq), FEEDBACK_DEPARTURE);
	CHECK_EQ_INT(seq, 2);
	/* Unknown cards are debounced too. */
	CHECK_EQ_INT(tap(g, "deadbeef", &seq), FEEDBACK_UNKNOWN);
	CHECK_EQ_INT(tap(g, "deadbeef", NULL), FEEDBACK_DUPLICATE);
	journal_usage(g->j, &u);
	CHECK_EQ_INT(u.last_seq, 3);
}

TEST(debounce_survives_restart_and_wall_clock_steps)
{
	struct rig *g;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(1000, 60000);
	CHECK(g);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
	rig_free(g);
	harness_defer_n--;
	g = rig_new(1000, 60000);
	CHECK(g);
	clock_advance(5000);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_DUPLICATE);
	/* NTP steps the wall clock back an hour in the same boot: monotonic time decides. */
	clock_pin(T0 - 3600000, 1000000 + 70000, true);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_DEPARTURE);
}

TEST(debounce_off)
{
	struct rig *g;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(1000, 0);
	CHECK(g);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_DEPARTURE);
}

TEST(taps_carry_clock_state)
{
	struct rig *g;
	struct tap t[2];
	size_t n;

	wipe();
	clock_pin(T0, 777, false);
	g = rig_new(1000, 60000);
	CHECK(g);
	tap(g, "04a1b2c3", NULL);
	clock_set_synced(true);
	tap(g, "11223344", NULL);
	CHECK_EQ_INT(journal_pending(g->j, 0, t, 2, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK(!t[0].clock_synced);
	CHECK(t[1].clock_synced);
	CHECK_EQ_INT(t[0].wall_ms, T0);
	CHECK_EQ_INT(t[0].mono_ms, 777);
	CHECK_EQ_STR(t[0].boot_id, "00000000-0000-4000-8000-000000000001");
	CHECK_EQ_INT(t[0].dir, TAP_DIR_IN);
}

TEST(full_journal_refuses_with_feedback)
{
	struct rig *g;
	uint64_t seq;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(2, 60000);
	CHECK(g);
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_ARRIVAL);
	CHECK_EQ_INT(tap(g, "11223344", NULL), FEEDBACK_ARRIVAL);
	CHECK_EQ_INT(tap(g, "deadbeef", &seq), FEEDBACK_JOURNAL_FULL);
	CHECK_EQ_INT(seq, 0);
	/* A duplicate of a recorded tap is still acknowledged as such. */
	CHECK_EQ_INT(tap(g, "04a1b2c3", NULL), FEEDBACK_DUPLICATE);
	CHECK_EQ_INT(journal_ack(g->j, 1), 0);
	CHECK_EQ_INT(tap(g, "deadbeef", &seq), FEEDBACK_UNKNOWN);
	CHECK_EQ_INT(seq, 3);
}

static int loop_polls;
static volatile sig_atomic_t loop_stop;

static void loop_idle(void *user, bool had_card)
{
	(void)user;
	(void)had_card;
	if (++loop_polls >= 40)
		loop_stop = 1;
}

TEST(reader_loop_over_the_fake_reader)
{
	struct reader_options ro = { .connstring = NULL, .poll_ms = 1 };
	struct rig *g;
	char conn[320];
	FILE *f;
	int arrivals = 0, faults = 0, unknown = 0;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(1000, 60000);
	CHECK(g);
	f = fopen(spath, "w");
	CHECK(f);
	fputs("place 04a1b2c3\nfault\nfault\nplace 11223344\nfault\nfault\nfault\n"
	      "unplug 2\nplace 0102030405060708090a\n", f);
	fclose(f);
	snprintf(conn, sizeof(conn), "fake:%s", spath);
	ro.connstring = conn;
	loop_polls = 0;
	loop_stop = 0;
	CHECK_EQ_INT(tapdesk_run(&g->d, reader_ops_for(conn), &ro, &loop_stop, loop_idle, NULL), 0);
	for (int i = 0; i < fblog.n; i++) {
		arrivals += fblog.r[i] == FEEDBACK_ARRIVAL;
		faults += fblog.r[i] == FEEDBACK_READER_FAULT;
		unknown += fblog.r[i] == FEEDBACK_UNKNOWN;
	}
	CHECK_EQ_INT(arrivals, 2);
	CHECK_EQ_INT(unknown, 1);
	CHECK_EQ_INT(faults, 1); /* once when the reader could not be reopened */
	CHECK_EQ_INT(fblog.r[fblog.n - 1], FEEDBACK_UNKNOWN);
}

TEST(reader_that_opens_but_never_answers_is_a_fault)
{
	struct reader_options ro = { .connstring = NULL, .poll_ms = 1 };
	struct rig *g;
	char conn[320];
	FILE *f;
	int faults = 0;

	wipe();
	clock_pin(T0, 1000000, true);
	g = rig_new(1000, 60000);
	CHECK(g);
	f = fopen(spath, "w");
	CHECK(f);
	fputs("fault\nfault\nfault\nfault\nfault\nfault\nplace 04a1b2c3\n", f);
	fclose(f);
	/* A new script path, so that the fake starts from its first line. */
	snprintf(conn, sizeof(conn), "fake:%s/../%s/script", tmpdir, strrchr(tmpdir, '/') + 1);
	ro.connstring = conn;
	loop_polls = 0;
	loop_stop = 0;
	CHECK_EQ_INT(tapdesk_run(&g->d, reader_ops_for(conn), &ro, &loop_stop, loop_idle, NULL), 0);
	for (int i = 0; i < fblog.n; i++)
		faults += fblog.r[i] == FEEDBACK_READER_FAULT;
	CHECK_EQ_INT(faults, 1);
	CHECK_EQ_INT(fblog.r[fblog.n - 1], FEEDBACK_ARRIVAL);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(jpath, sizeof(jpath), "%s/journal.db", tmpdir);
	snprintf(cpath, sizeof(cpath), "%s/roster.db", tmpdir);
	snprintf(rpath, sizeof(rpath), "%s/roster.txt", tmpdir);
	snprintf(spath, sizeof(spath), "%s/script", tmpdir);
	RUN(arrival_departure_alternate_per_child_and_day);
	RUN(seoul_midnight_not_utc_midnight);
	RUN(duplicate_within_debounce);
	RUN(debounce_survives_restart_and_wall_clock_steps);
	RUN(debounce_off);
	RUN(taps_carry_clock_state);
	RUN(full_journal_refuses_with_feedback);
	RUN(reader_loop_over_the_fake_reader);
	RUN(reader_that_opens_but_never_answers_is_a_fault);
	wipe();
	unlink(rpath);
	unlink(spath);
	rmdir(tmpdir);
	return harness_done();
}
