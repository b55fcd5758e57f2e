/*
 * Unit tests of firmware/uplink.c with a real journal (SQLite in a temp dir) and an
 * in-process fake hub behind the transport seam; time is passed to uplink_step by hand.
 */
#include "common/clock.h"
#include "common/log.h"
#include "firmware/journal.h"
#include "firmware/uplink.h"
#include "tests/harness.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- the fake hub --------------------------------------------------------------------- */

static struct fake_hub {
	int mode;              /* 0 healthy, 1 transport down, 2 answers 503, 3 answers 403, 4 413,
				* 5 answers 200 with a negative acked_seq */
	uint64_t held;         /* contiguous high */
	unsigned seen[4096];   /* how many times each seq was stored */
	uint64_t reject_seq;   /* held as rejected with "bad_uid" */
	long max_batch;        /* 413 above this many records (mode 4) */
	int requests, tap_posts, roster_gets, status_posts;
	uint64_t order_violations;
	long last_batch;
} hub;

static int fake_open(const struct uplink_transport_config *cfg, void **priv)
{
	(void)cfg;
	*priv = &hub;
	return 0;
}

static void fake_close(void *priv)
{
	(void)priv;
}

static int fake_reply(struct uplink_reply *reply, long status, json_t *body)
{
	reply->status = status;
	reply->body = json_dumps(body, JSON_COMPACT);
	reply->len = strlen(reply->body);
	json_decref(body);
	return 0;
}

static int fake_request(void *priv, const char *method, const char *path, const char *body,
			size_t body_len, struct uplink_reply *reply)
{
	json_t *req, *results;
	struct tap_batch b;
	const char **why = NULL, *why_batch = NULL;

	(void)priv;
	memset(reply, 0, sizeof(*reply));
	hub.requests++;
	if (hub.mode == 1) {
		snprintf(reply->error, sizeof(reply->error), "connection refused");
		return -ECONNREFUSED;
	}
	if (strcmp(method, "GET") == 0 && strncmp(path, "/api/v1/device/roster", 21) == 0) {
		hub.roster_gets++;
		return fake_reply(reply, 200, json_pack("{s:i, s:b, s:[], s:[]}", "version", 7, "full",
							1, "cards", "removed"));
	}
	if (strcmp(path, "/api/v1/device/status") == 0) {
		hub.status_posts++;
		return fake_reply(reply, 200, json_pack("{s:b}", "ok", 1));
	}
	hub.tap_posts++;
	if (hub.mode == 2)
		return fake_reply(reply, 503, json_pack("{s:{s:s}}", "error", "code", "unavailable"));
	if (hub.mode == 3)
		return fake_reply(reply, 403, json_pack("{s:{s:s}}", "error", "code", "device_revoked"));
	if (hub.mode == 5)
		return fake_reply(reply, 200, json_pack("{s:i, s:[]}", "acked_seq", -1, "results"));
	req = json_loadb(body, body_len, 0, NULL);
	if (!req || tap_batch_from_json(req, &b, &why, &why_batch) < 0) {
		json_decref(req);
		return fake_reply(reply, 400, json_pack("{s:{s:s}}", "error", "code", "bad_batch"));
	}
	json_decref(req);
	hub.last_batch = (long)b.n;
	if (hub.mode == 4 && (long)b.n > hub.max_batch) {
		tap_batch_free(&b, why);
		return fake_reply(reply, 413, json_pack("{s:{s:s}}", "error", "code", "too_large"));
	}
	results = json_array();
	for (size_t i = 0; i < b.n; i++) {
		uint64_t s = b.taps[i].seq;
		const char *status = "stored";

		if (s <= hub.held) {
			status = "duplicate";
		} else if (s == hub.held + 1) {
			hub.held = s;
			if (s < 4096)
				hub.seen[s]++;
			if (s == hub.reject_seq)
				status = "rejected";
		} else {
			hub.order_violations++;
			status = "rejected";
		}
		json_array_append_new(results, json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)s,
							 "status", status, "reason",
							 strcmp(status, "rejected") == 0 ?
							 (s == hub.reject_seq ? "bad_uid" : "seq_gap") : ""));
	}
	tap_batch_free(&b, why);
	return fake_reply(reply, 200, json_pack("{s:I, s:o}", "acked_seq", (json_int_t)hub.held,
						"results", results));
}

static const struct uplink_transport_ops fake_ops = {
	.name = "fake", .open = fake_open, .request = fake_request, .close = fake_close,
};

/* ---- fixtures --------------------------------------------------------------------------- */

static char dir[64];
static struct journal *jr;
static int64_t roster_v;
static uint64_t rejected_seq;
static char rejected_reason[32];

static int roster_apply(void *ctx, const json_t *delta)
{
	(void)ctx;
	roster_v = json_integer_value(json_object_get(delta, "version"));
	return 0;
}

static int64_t roster_version(void *ctx)
{
	(void)ctx;
	return roster_v;
}

static void on_rejected(void *ctx, uint64_t seq, const char *reason)
{
	(void)ctx;
	rejected_seq = seq;
	snprintf(rejected_reason, sizeof(rejected_reason), "%s", reason);
	journal_set_aside(jr, seq, reason); /* as kium-reader does */
}

static void teardown(void *arg)
{
	char cmd[128];

	(void)arg;
	journal_close(jr);
	jr = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int setup(int taps)
{
	struct journal_options opt = { .capacity = 100000, .warn_percent = 80 };
	char path[128];

	memset(&hub, 0, sizeof(hub));
	roster_v = 0;
	rejected_seq = 0;
	snprintf(dir, sizeof(dir), "/tmp/kium-uplink.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/journal.db", dir);
	opt.path = path;
	if (journal_open(&opt, &jr) < 0)
		return -1;
	harness_defer(teardown, NULL);
	for (int i = 0; i < taps; i++) {
		struct tap t = { .uid = { 0x04, 1, 2, (uint8_t)i }, .uid_len = 4,
				 .wall_ms = clock_wall_ms(), .mono_ms = clock_mono_ms(),
				 .clock_synced = true, .dir = TAP_DIR_NONE,
				 .result = TAP_RESULT_UNKNOWN_CARD };

		snprintf(t.boot_id, sizeof(t.boot_id), "00000000-0000-4000-8000-000000000001");
		if (journal_append(jr, &t, "00112233445566778899aabbccddeeff", NULL, 0) < 0)
			return -1;
	}
	return 0;
}

static struct uplink_config config(void)
{
	struct uplink_config c = {
		.ops = &fake_ops, .journal = jr, .device_id = "NWUK015-R01", .version = "test",
		.batch_max = 100, .backoff_min_ms = 500, .backoff_max_ms = 60000,
		.status_interval_ms = 60000, .roster_interval_ms = 300000,
		.roster_apply = roster_apply, .roster_version = roster_version,
		.on_rejected = on_rejected,
		.transport = { .url = "https://hub.invalid:8443" },
	};
	return c;
}

static void free_uplink(void *u)
{
	uplink_free_for_test(u);
}

/* Runs rounds at time t until the uplink asks to wait; returns the wait. */
static long drain(struct uplink *u, int64_t t)
{
	long d;
	int guard = 0;

	while ((d = uplink_step(u, t)) == 0 && guard++ < 1000)
		;
	return d;
}

/* ---- tests ------------------------------------------------------------------------------ */

TEST(uplink_delivers_backlog_in_order_once)
{
	struct uplink_config c;
	struct uplink *u;
	struct uplink_state st;
	struct journal_usage ju;

	CHECK_EQ_INT(setup(250), 0);
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	drain(u, 1000);
	CHECK_EQ_INT(hub.held, 250);
	CHECK_EQ_INT(hub.order_violations, 0);
	for (int s = 1; s <= 250; s++)
		CHECK_MSG(hub.seen[s] == 1, "seq %d stored %u times", s, hub.seen[s]);
	CHECK_EQ_INT(hub.tap_posts, 3); /* 100 + 100 + 50 */
	CHECK_EQ_INT(journal_usage(jr, &ju), 0);
	CHECK_EQ_INT(ju.acked_seq, 250);
	CHECK_EQ_INT(ju.pending, 0);
	uplink_get_state(u, &st);
	CHECK(st.online);
	CHECK_EQ_INT(st.pending, 0);
	CHECK_EQ_INT(roster_v, 7);
	CHECK_EQ_INT(st.roster_version, 7);
	CHECK_EQ_INT(hub.status_posts, 1);
}

TEST(uplink_backs_off_with_jitter_and_cap_then_recovers)
{
	struct uplink_config c;
	struct uplink *u;
	struct uplink_state st;
	int64_t t = 1000;
	long d, prev_max = 0;

	CHECK_EQ_INT(setup(30), 0);
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	hub.mode = 1;
	for (int i = 0; i < 12; i++) {
		int before = hub.requests;

		d = drain(u, t);
		CHECK(d > 0);
		CHECK(d <= 60000);
		/* Halfway through the wait nothing is sent. */
		CHECK(uplink_step(u, t + d / 2) > 0 || d / 2 == 0);
		CHECK_EQ_INT(hub.requests - before, 1);
		if (i >= 8) /* capped: between half the cap and the cap */
			CHECK(d >= 30000);
		if (i < 5) /* grows: the upper bound doubles each time */
			CHECK(d <= 500L << i);
		prev_max = d > prev_max ? d : prev_max;
		t += d;
	}
	uplink_get_state(u, &st);
	CHECK(!st.online);
	CHECK_EQ_INT(st.pending, 30);
	CHECK(st.last_error[0] != '\0');
	hub.mode = 0;
	drain(u, t);
	CHECK_EQ_INT(hub.held, 30);
	uplink_get_state(u, &st);
	CHECK(st.online);
	CHECK_EQ_INT(st.backoff_ms, 0);
}

TEST(uplink_refused_waits_the_cap_no_hot_loop)
{
	struct uplink_config c;
	struct uplink *u;
	struct uplink_state st;
	int64_t t = 1000;

	CHECK_EQ_INT(setup(10), 0);
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	hub.mode = 3;
	/* Ten simulated minutes of rounds every 100 ms. */
	for (int i = 0; i < 6000; i++, t += 100)
		uplink_step(u, t);
	CHECK(hub.tap_posts <= 11);
	CHECK(hub.tap_posts >= 9);
	uplink_get_state(u, &st);
	CHECK(st.refused);
	CHECK_EQ_INT(st.pending, 10); /* nothing dropped */
}

TEST(uplink_sets_aside_a_rejected_record_and_goes_on)
{
	struct uplink_config c;
	struct uplink *u;
	struct uplink_state st;

	CHECK_EQ_INT(setup(20), 0);
	hub.reject_seq = 7;
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	drain(u, 1000);
	CHECK_EQ_INT(hub.held, 20);
	CHECK_EQ_INT(rejected_seq, 7);
	CHECK_EQ_STR(rejected_reason, "bad_uid");
	uplink_get_state(u, &st);
	CHECK_EQ_INT(st.rejected, 1);
	CHECK_EQ_INT(st.pending, 0);
	{
		struct journal_usage ju;
		char buf[8192];
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		CHECK_EQ_INT(journal_usage(jr, &ju), 0);
		CHECK_EQ_INT(ju.set_aside, 1);
		CHECK(f != NULL);
		CHECK_EQ_INT(journal_dump(jr, f), 0);
		fclose(f);
		buf[sizeof(buf) - 1] = '\0';
		CHECK(strstr(buf, "\"seq\":7,") != NULL);
		CHECK(strstr(buf, "\"set_aside\":\"bad_uid\"") != NULL);
	}
}

TEST(uplink_halves_batches_on_413)
{
	struct uplink_config c;
	struct uplink *u;

	CHECK_EQ_INT(setup(100), 0);
	hub.mode = 4;
	hub.max_batch = 30;
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	drain(u, 1000);
	CHECK_EQ_INT(hub.held, 100);
	CHECK(hub.last_batch <= 25);
	CHECK_EQ_INT(hub.order_violations, 0);
}

TEST(uplink_503_backs_off_and_keeps_everything)
{
	struct uplink_config c;
	struct uplink *u;
	struct uplink_state st;
	long d;

	CHECK_EQ_INT(setup(5), 0);
	hub.mode = 2;
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	d = drain(u, 1000);
	CHECK(d > 0 && d <= 500);
	uplink_get_state(u, &st);
	CHECK(st.online);      /* the hub answered */
	CHECK(!st.refused);    /* but 503 is a retry, not a refusal */
	CHECK_EQ_INT(st.pending, 5);
	hub.mode = 0;
	drain(u, 1000 + d);
	CHECK_EQ_INT(hub.held, 5);
}

TEST(uplink_refuses_a_nonsense_acknowledgement)
{
	struct uplink_config c;
	struct uplink *u;
	struct journal_usage ju;

	CHECK_EQ_INT(setup(5), 0);
	hub.mode = 5;
	c = config();
	u = uplink_new_for_test(&c);
	CHECK(u != NULL);
	harness_defer(free_uplink, u);
	CHECK(drain(u, 1000) > 0); /* waits: not acknowledged, not a hot loop */
	CHECK_EQ_INT(journal_usage(jr, &ju), 0);
	CHECK_EQ_INT(ju.acked_seq, 0);
	CHECK_EQ_INT(ju.pending, 5);
	CHECK(rejected_seq == 0);
}

int main(void)
{
	log_init("unit", KLOG_ERR);
	clock_pin(1795000000000LL, 1000, true);
	RUN(uplink_delivers_backlog_in_order_once);
	RUN(uplink_backs_off_with_jitter_and_cap_then_recovers);
	RUN(uplink_refused_waits_the_cap_no_hot_loop);
	RUN(uplink_sets_aside_a_rejected_record_and_goes_on);
	RUN(uplink_halves_batches_on_413);
	RUN(uplink_503_backs_off_and_keeps_everything);
	RUN(uplink_refuses_a_nonsense_acknowledgement);
	return harness_done();
}
