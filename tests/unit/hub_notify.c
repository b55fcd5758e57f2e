/*
 * Notifications (issue 7), in process: template rendering with masked names, the table's
 * completeness, idempotency keys (stable, distinct), the backoff schedule, the provider's
 * answers, preference bodies; and on a real store: a tap queues one message per guardian in
 * the ingest's transaction (not for replays, unknown cards or guardians who turned it off),
 * the missing-departure sweep queues once however often it runs, booking messages obey
 * preferences, scrubbing and pruning.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "hub/domain/attendance.h"
#include "hub/domain/notify.h"
#include "hub/store/store.h"
#include "hub/store/store_notify.h"
#include "tests/harness.h"

/* 2026-11-22 00:00 Seoul = 2026-11-21 15:00 UTC. */
#define DAY_START 1795273200000LL
#define T15 (DAY_START + 15 * 3600 * 1000LL) /* 15:00 Seoul */
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

static int parent(const char *id, const char *phone, const char *child)
{
	struct store_account a = { 0 };

	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.name, sizeof(a.name), "보호자");
	snprintf(a.phone, sizeof(a.phone), "%s", phone);
	snprintf(a.state, sizeof(a.state), "approved");
	snprintf(a.pw_hash, sizeof(a.pw_hash), "x");
	a.enabled = true;
	if (store_account_add(st, &a, "t", 1) < 0 || store_guardian_request(st, id, child, 2) < 0)
		return -1;
	return store_guardian_confirm(st, id, child, "t", 3);
}

static int setup(void)
{
	struct store_facility a = { "NWUK015", "노원 \"별빛\" 키움센터", "NW", "UK", 0 };
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/kium-ntf-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	harness_defer(teardown, NULL);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (store_open(path, &st) < 0 || store_facility_add(st, &a, 1) < 0 ||
	    store_child_add(st, "C001", "김민수", "NWUK015", 1) < 0 ||
	    store_child_add(st, "C002", "이서연", "NWUK015", 1) < 0 ||
	    store_card_assign(st, card_a, 4, "C001", 1) < 0 ||
	    store_card_assign(st, card_b, 4, "C002", 1) < 0 ||
	    store_device_add(st, DEV, "NWUK015", "01", "02", 1) < 0 ||
	    parent("mom01", "01011112222", "C001") < 0 || parent("dad01", "01033334444", "C001") < 0)
		return -1;
	return 0;
}

static void tap_set(struct tap *t, uint64_t seq, const uint8_t *uid, int64_t wall,
		    enum tap_result res)
{
	memset(t, 0, sizeof(*t));
	t->seq = seq;
	memcpy(t->uid, uid, 4);
	t->uid_len = 4;
	t->wall_ms = wall;
	snprintf(t->boot_id, sizeof(t->boot_id), BOOT);
	t->mono_ms = 400000 + (int64_t)seq * 1000;
	t->clock_synced = true;
	t->dir = res == TAP_RESULT_ARRIVAL ? TAP_DIR_IN : TAP_DIR_OUT;
	t->result = res;
}

static int ingest(struct tap *taps, size_t n, int64_t received)
{
	struct tap_batch b = { .mono_ms = 900000, .wall_ms = received, .clock_synced = true };
	struct attendance_result res[8];
	uint64_t high;

	snprintf(b.device, sizeof(b.device), DEV);
	snprintf(b.boot_id, sizeof(b.boot_id), BOOT);
	b.n = n;
	b.taps = taps;
	return attendance_ingest(st, DEV, &b, NULL, received, res, &high);
}

/* Outbox rows of a template (NULL: any) for a recipient (NULL: any). */
static int count(const char *tmpl, const char *to)
{
	struct store_outbox_msg *m = NULL;
	size_t n = 0;
	int c = 0;

	if (store_outbox_list(st, 0, &m, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		c += (!tmpl || !strcmp(m[i].template_code, tmpl)) &&
		     (!to || !strcmp(m[i].recipient, to));
	store_outbox_free(m, n);
	return c;
}

TEST(templates_render_with_masked_names)
{
	const struct notify_template *t = notify_template_find("arrival");
	json_t *v = json_pack("{s:s, s:s, s:s, s:s}", "name", "김*수", "time", "15:01",
			      "facility_name", "노원 키움센터", "child", "C001");
	char out[NOTIFY_TEXT_MAX + 8];

	CHECK(t != NULL);
	CHECK_EQ_INT(notify_render(t, v, out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "[우리동네키움센터 등원 알림]\n김*수 아동이 15:01에 노원 키움센터에 등원했습니다.");
	json_object_del(v, "time");
	CHECK_EQ_INT(notify_render(t, v, out, sizeof(out)), -EINVAL);
	json_object_set_new(v, "time", json_string("15:01"));
	CHECK_EQ_INT(notify_render(t, v, out, 20), -ENOSPC);
	json_decref(v);
	/* id lookup: an array joined; password reset: an integer. */
	v = json_pack("{s:[s,s], s:s, s:i}", "ids", "mom01", "mom02", "token", "abc",
		      "valid_minutes", 30);
	CHECK_EQ_INT(notify_render(notify_template_find("id_lookup"), v, out, sizeof(out)), 0);
	CHECK(strstr(out, "mom01, mom02") != NULL);
	CHECK_EQ_INT(notify_render(notify_template_find("password_reset"), v, out, sizeof(out)), 0);
	CHECK(strstr(out, "30분") != NULL);
	json_decref(v);
}

TEST(every_template_is_complete)
{
	static const char *const codes[] = { "arrival", "departure", "missing_departure",
					     "booking_approved", "booking_rejected",
					     "booking_offered", "booking_expired", "password_reset",
					     "id_lookup", "phone_verify" };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		CHECK(notify_template_find(codes[i]) != NULL);
	CHECK_EQ_INT(notify_ntemplates, sizeof(codes) / sizeof(codes[0]));
	for (size_t i = 0; i < notify_ntemplates; i++) {
		const struct notify_template *t = &notify_templates[i];

		CHECK(t->title[0] && strstr(t->text, "#{"));
		/* Secrets only where a phone gets them; preferences only for parents. */
		CHECK(!t->secret[0] || t->to == NOTIFY_TO_PHONE);
		CHECK((t->pref != NULL) == (t->to == NOTIFY_TO_ACCOUNT));
	}
	CHECK(notify_template_find("nope") == NULL);
}

TEST(idempotency_keys_are_stable_and_distinct)
{
	char a[NOTIFY_KEY_LEN], b[NOTIFY_KEY_LEN], c[NOTIFY_KEY_LEN];

	notify_event_key("tap/R1/12/mom01", a);
	notify_event_key("tap/R1/12/mom01", b);
	notify_event_key("tap/R1/12/dad01", c);
	CHECK_EQ_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK_EQ_INT(strlen(a), NOTIFY_KEY_LEN - 1);
	CHECK(!strncmp(a, "kium-", 5));
	/* A known vector: the key must not change between releases. */
	notify_event_key("x", a);
	CHECK_EQ_INT(strlen(a), 37);
}

TEST(backoff_doubles_up_to_the_cap_with_jitter)
{
	/* rnd 0: the lower half-bound; rnd max: the full delay. */
	CHECK_EQ_INT(notify_backoff_ms(1, 1000, 60000, 0), 500);
	CHECK_EQ_INT(notify_backoff_ms(1, 1000, 60000, 500), 1000);
	CHECK_EQ_INT(notify_backoff_ms(2, 1000, 60000, 1000), 2000);
	CHECK_EQ_INT(notify_backoff_ms(3, 1000, 60000, 2000), 4000);
	CHECK_EQ_INT(notify_backoff_ms(7, 1000, 60000, 30000), 60000);
	CHECK_EQ_INT(notify_backoff_ms(60, 1000, 60000, 0), 30000);
	CHECK_EQ_INT(notify_backoff_ms(1000, 1000, 60000, 4294967295u) <= 60000, 1);
	for (uint32_t r = 0; r < 100000; r += 977) {
		int64_t d = notify_backoff_ms(4, 1000, 60000, r);

		CHECK(d >= 4000 && d <= 8000);
	}
}

static void answer(long status, const char *retry_after, const char *body,
		   struct notify_answer *a)
{
	notify_answer_parse(status, retry_after, body, body ? strlen(body) : 0, a);
}

TEST(provider_answers)
{
	struct notify_answer a;

	answer(200, NULL, "{\"id\":\"msg-1\"}", &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_DELIVERED);
	CHECK_EQ_STR(a.provider_id, "msg-1");
	answer(202, NULL, "not json", &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_DELIVERED);
	answer(429, " 7", NULL, &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_RETRY);
	CHECK_EQ_INT(a.retry_after_ms, 7000);
	answer(503, "Wed, 21 Oct 2015 07:28:00 GMT", "", &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_RETRY);
	CHECK_EQ_INT(a.retry_after_ms, 0);
	CHECK_EQ_STR(a.error, "http_503");
	answer(0, NULL, NULL, &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_RETRY);
	CHECK_EQ_STR(a.error, "no_answer");
	answer(400, NULL, "{\"error\":{\"code\":\"bad_phone\"}}", &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_FAILED);
	CHECK_EQ_STR(a.error, "bad_phone");
	answer(404, NULL, "{\"error\":\"bad code\\n\"}", &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_FAILED);
	CHECK_EQ_STR(a.error, "http_404");
	answer(301, NULL, NULL, &a);
	CHECK_EQ_INT(a.verdict, NOTIFY_FAILED);
}

TEST(preference_bodies)
{
	struct store_notify_prefs p = { true, true, true, true, true, 0 };
	const char *why;

	CHECK_EQ_INT(notify_prefs_apply("{\"arrival\":false}", 17, &p, &why), 0);
	CHECK(!p.arrival && p.departure && p.missing_departure);
	CHECK_EQ_INT(notify_prefs_apply("{\"arrival\":true,\"sms\":true}", 27, &p, &why), -EINVAL);
	CHECK_EQ_STR(why, "unknown_key");
	CHECK(!p.arrival); /* nothing applied from a refused body */
	CHECK_EQ_INT(notify_prefs_apply("{\"booking\":1}", 13, &p, &why), -EINVAL);
	CHECK_EQ_STR(why, "not_a_boolean");
	CHECK_EQ_INT(notify_prefs_apply("[]", 2, &p, &why), -EINVAL);
	CHECK_EQ_STR(why, "not_an_object");
	CHECK_EQ_INT(notify_prefs_apply("{", 1, &p, &why), -EINVAL);
	CHECK_EQ_STR(why, "bad_json");
}

TEST(a_tap_queues_one_message_per_guardian)
{
	struct store_outbox_row *rows = NULL;
	struct store_notify_prefs p;
	struct tap t[3];
	size_t n = 0;

	CHECK(setup() == 0);
	tap_set(&t[0], 1, card_a, T15 + 60000, TAP_RESULT_ARRIVAL);
	tap_set(&t[1], 2, card_b, T15 + 61000, TAP_RESULT_ARRIVAL); /* C002: no guardian */
	CHECK_EQ_INT(ingest(t, 2, T15 + 90000), 0);
	CHECK_EQ_INT(count("arrival", "mom01"), 1);
	CHECK_EQ_INT(count("arrival", "dad01"), 1);
	CHECK_EQ_INT(count(NULL, NULL), 2);
	/* A replay stores nothing and queues nothing. */
	CHECK_EQ_INT(ingest(t, 2, T15 + 95000), 0);
	CHECK_EQ_INT(count(NULL, NULL), 2);
	CHECK_EQ_INT(store_outbox_due(st, T15 + 100000, 10, &rows, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK(strstr(rows[0].params, "\"name\":\"김*수\"") != NULL);
	CHECK(strstr(rows[0].params, "\"time\":\"15:01\"") != NULL);
	CHECK(strstr(rows[0].params, "\\\"별빛\\\"") != NULL);
	CHECK(strstr(rows[0].params, "04a1b2c3") == NULL); /* never the UID */
	CHECK(strstr(rows[0].params, "김민수") == NULL);
	CHECK(strcmp(rows[0].idem_key, rows[1].idem_key) != 0);
	store_outbox_rows_free(rows, n);
	/* dad turns departures off: only mom hears of it. */
	CHECK_EQ_INT(store_notify_prefs_get(st, "dad01", &p), 0);
	CHECK(p.departure && p.changed_ms == 0);
	p.departure = false;
	CHECK_EQ_INT(store_notify_prefs_set(st, "dad01", &p, 5), 0);
	tap_set(&t[2], 3, card_a, T15 + 3600000, TAP_RESULT_DEPARTURE);
	CHECK_EQ_INT(ingest(&t[2], 1, T15 + 3601000), 0);
	CHECK_EQ_INT(count("departure", "mom01"), 1);
	CHECK_EQ_INT(count("departure", "dad01"), 0);
}

TEST(stale_and_unknown_taps_queue_nothing)
{
	static const uint8_t stranger[4] = { 0x04, 0x99, 0x99, 0x99 };
	struct tap t[2];

	CHECK(setup() == 0);
	tap_set(&t[0], 1, card_a, T15, TAP_RESULT_ARRIVAL);
	tap_set(&t[1], 2, stranger, T15 + 1000, TAP_RESULT_UNKNOWN_CARD);
	t[1].dir = TAP_DIR_NONE;
	/* Uploaded three hours late: stored, not announced. */
	CHECK_EQ_INT(ingest(t, 2, T15 + 3 * 3600 * 1000LL), 0);
	CHECK_EQ_INT(count(NULL, NULL), 0);
}

/* [notify] tap_max_age_min (notify_set_tap_max_age): the age past which a tap is stored but
 * not announced; 2 hours by default, 0 sets the default back. */
TEST(tap_max_age_is_configurable)
{
	struct tap t;

	CHECK(setup() == 0);
	/* Received 90 minutes late: announced under the default of 2 hours... */
	tap_set(&t, 1, card_a, T15, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(ingest(&t, 1, T15 + 90 * 60000LL), 0);
	CHECK_EQ_INT(count("arrival", "mom01"), 1);
	/* ...not under one hour, while one 59 minutes late still is. */
	CHECK_EQ_INT(notify_set_tap_max_age(60 * 60000LL), NOTIFY_TAP_MAX_AGE_MS);
	tap_set(&t, 2, card_a, T15 + 1000, TAP_RESULT_DEPARTURE);
	CHECK_EQ_INT(ingest(&t, 1, T15 + 1000 + 61 * 60000LL), 0);
	CHECK_EQ_INT(count("departure", NULL), 0);
	tap_set(&t, 3, card_a, T15 + 2000, TAP_RESULT_DEPARTURE);
	CHECK_EQ_INT(ingest(&t, 1, T15 + 2000 + 59 * 60000LL), 0);
	CHECK_EQ_INT(count("departure", "mom01"), 1);
	/* Six hours: a tap three hours late is announced. */
	CHECK_EQ_INT(notify_set_tap_max_age(6 * 3600000LL), 60 * 60000LL);
	tap_set(&t, 4, card_a, T15 + 3000, TAP_RESULT_ARRIVAL);
	CHECK_EQ_INT(ingest(&t, 1, T15 + 3000 + 3 * 3600000LL), 0);
	CHECK_EQ_INT(count("arrival", "mom01"), 2);
	CHECK_EQ_INT(notify_set_tap_max_age(0), 6 * 3600000LL);
	CHECK_EQ_INT(notify_set_tap_max_age(0), NOTIFY_TAP_MAX_AGE_MS);
}

TEST(missing_departure_is_queued_once)
{
	struct notify_sweep_opts o = { 19 * 60, 30, 6 * 3600 * 1000LL };
	struct store_notify_prefs p = { true, true, true, true, false, 0 };
	struct tap t[3];
	size_t q = 0;

	CHECK(setup() == 0);
	CHECK_EQ_INT(parent("gran01", "01055556666", "C002"), 0);
	tap_set(&t[0], 1, card_a, T15, TAP_RESULT_ARRIVAL);
	tap_set(&t[1], 2, card_b, T15 + 1000, TAP_RESULT_ARRIVAL);
	tap_set(&t[2], 3, card_b, T15 + 7200000, TAP_RESULT_DEPARTURE);
	CHECK_EQ_INT(ingest(t, 3, T15 + 7300000), 0);
	/* Before closing + grace: nothing. */
	CHECK_EQ_INT(notify_sweep_missing(st, DAY_START + (19 * 60 + 29) * 60000LL, &o, &q), 0);
	CHECK_EQ_INT(q, 0);
	/* dad does not want it; mom does; C002 left. */
	CHECK_EQ_INT(store_notify_prefs_set(st, "dad01", &p, 5), 0);
	CHECK_EQ_INT(notify_sweep_missing(st, DAY_START + (19 * 60 + 31) * 60000LL, &o, &q), 0);
	CHECK_EQ_INT(q, 1);
	CHECK_EQ_INT(notify_sweep_missing(st, DAY_START + (19 * 60 + 40) * 60000LL, &o, &q), 0);
	CHECK_EQ_INT(q, 0);
	CHECK_EQ_INT(count("missing_departure", "mom01"), 1);
	CHECK_EQ_INT(count("missing_departure", NULL), 1);
	/* Past the window (the next morning): nothing more. */
	CHECK_EQ_INT(notify_sweep_missing(st, DAY_START + 30 * 3600000LL, &o, &q), 0);
	CHECK_EQ_INT(q, 0);
}

TEST(outbox_rows_keyed_scrubbed_and_pruned)
{
	struct store_outbox_new m = { "01011112222", "password_reset",
				      "{\"account\":\"mom01\",\"token\":\"SECRET\",\"valid_minutes\":30}",
				      "kium-00112233445566778899aabbccddeeff", NULL, NULL };
	struct store_outbox_new b = { "mom01", "booking_approved", "{\"child\":\"C001\"}", NULL,
				      "NWUK015", "booking" };
	struct store_notify_prefs p = { true, true, false, true, true, 0 };
	struct store_outbox_row *rows = NULL;
	size_t n = 0;
	char *s;

	CHECK(setup() == 0);
	CHECK_EQ_INT(store_outbox_put(st, &m, 10), 0);
	CHECK_EQ_INT(store_outbox_put(st, &m, 11), 1); /* the same key: once */
	s = notify_scrub(notify_template_find("password_reset"), m.params);
	CHECK(s && !strstr(s, "SECRET") && strstr(s, "\"token\":\"***\""));
	CHECK_EQ_INT(store_outbox_due(st, 20, 10, &rows, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(store_outbox_mark(st, rows[0].id, "delivered", 1, 0, 200, "", s, 30), 0);
	free(s);
	CHECK_EQ_INT(store_outbox_mark(st, rows[0].id, "failed", 2, 0, 500, "x", NULL, 31),
		     -ENOENT);
	store_outbox_rows_free(rows, n);
	CHECK_EQ_INT(store_outbox_query(st, &(struct store_outbox_filter){ .limit = 10 }, &rows,
					&n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK(rows[0].scrubbed && !strcmp(rows[0].state, "delivered") && rows[0].params == NULL);
	store_outbox_rows_free(rows, n);
	CHECK_EQ_INT(count("password_reset", NULL), 1);
	{
		struct store_outbox_msg *mm = NULL;
		size_t nn = 0;

		CHECK_EQ_INT(store_outbox_list(st, 0, &mm, &nn), 0);
		CHECK(nn == 1 && !strstr(mm[0].params, "SECRET"));
		store_outbox_free(mm, nn);
	}
	/* Booking results obey the parent's preference. */
	CHECK_EQ_INT(store_notify_prefs_set(st, "mom01", &p, 5), 0);
	CHECK_EQ_INT(store_outbox_put(st, &b, 40), 1);
	p.booking = true;
	CHECK_EQ_INT(store_notify_prefs_set(st, "mom01", &p, 6), 0);
	CHECK_EQ_INT(store_outbox_put(st, &b, 41), 0);
	CHECK_EQ_INT(count("booking_approved", "mom01"), 1);
	/* District scoping of the listing. */
	CHECK_EQ_INT(store_outbox_query(st, &(struct store_outbox_filter){ .district = "NW",
									   .limit = 10 },
					&rows, &n), 0);
	CHECK_EQ_INT(n, 1);
	store_outbox_rows_free(rows, n);
	CHECK_EQ_INT(store_outbox_query(st, &(struct store_outbox_filter){ .district = "GN",
									   .limit = 10 },
					&rows, &n), 0);
	CHECK_EQ_INT(n, 0);
	store_outbox_rows_free(rows, n);
	/* Prune: done rows before the cut go, pending stay. */
	{
		size_t gone = 0;

		CHECK_EQ_INT(store_outbox_prune(st, 1000, &gone), 0);
		CHECK_EQ_INT(gone, 1);
		CHECK_EQ_INT(count(NULL, NULL), 1);
	}
}

TEST(booking_rows_render_after_enrichment)
{
	char text[NOTIFY_TEXT_MAX + 8];
	json_t *v;

	CHECK(setup() == 0);
	/* As store_bookings.c writes them: ids only. */
	v = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "booking", (json_int_t)7, "facility",
		      "NWUK015", "child", "C001", "kind", "temporary", "offer_expires_ms",
		      (json_int_t)(T15 + 24 * 3600000LL), "reason", "");
	CHECK_EQ_INT(notify_enrich(st, v), 0);
	CHECK_EQ_INT(notify_render(notify_template_find("booking_offered"), v, text, sizeof(text)),
		     0);
	json_decref(v);
	CHECK(strstr(text, "김*수 아동의 일시돌봄 자리") != NULL);
	CHECK(strstr(text, "11월 23일 15:00까지") != NULL);
	CHECK(strstr(text, "노원 \"별빛\" 키움센터에") != NULL);
	CHECK(strstr(text, "김민수") == NULL);
}

int main(void)
{
	RUN(templates_render_with_masked_names);
	RUN(every_template_is_complete);
	RUN(idempotency_keys_are_stable_and_distinct);
	RUN(backoff_doubles_up_to_the_cap_with_jitter);
	RUN(provider_answers);
	RUN(preference_bodies);
	RUN(a_tap_queues_one_message_per_guardian);
	RUN(stale_and_unknown_taps_queue_nothing);
	RUN(tap_max_age_is_configurable);
	RUN(missing_departure_is_queued_once);
	RUN(outbox_rows_keyed_scrubbed_and_pruned);
	RUN(booking_rows_render_after_enrichment);
	return harness_done();
}
