/*
 * Reconciliation: the pure function at its edges (the grace minute, leaving one minute
 * early, a missing departure before and after closing, absent vs still expected,
 * unreserved visits, unknown cards, two bookings of a child merged), then through the API
 * with taps stored as readers send them: the day view, a correction with its reason and
 * audit row (the tap untouched), daily history, and a child's days across facilities.
 */
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include "hub/api/bookings.h"
#include "hub/api/portal.h"
#include "hub/domain/reconcile.h"
#include "hub/store/store_stats.h"

#include <errno.h>

static const struct reconcile_row *find(const struct reconcile_row *r, size_t n, const char *c)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].child, c))
			return &r[i];
	return NULL;
}

TEST(pure_edges)
{
	const struct reconcile_booking b[] = {
		{ "A", 840, 1080 }, { "B", 840, 1080 }, { "C", 840, 1080 }, { "D", 840, 1080 },
		{ "E", 840, 1080 }, { "F", 900, 960 }, { "F", 1020, 1080 }, { "G", 1200, 1260 },
	};
	const struct reconcile_tap t[] = {
		{ "A", 850 }, { "A", 1080 },           /* on time at start + grace, full stay */
		{ "B", 1079 }, { "B", 851 },           /* 1 minute late, 1 minute early (any order) */
		{ "C", 845 },                          /* no departure */
		{ "F", 899 }, { "F", 1090 },           /* two bookings merged: 15:00-18:00 */
		{ "Z", 700 }, { "Z", 800 },            /* unreserved visit */
		{ "", 900 },                           /* a card nobody held */
	};
	struct reconcile_opts o = { RECONCILE_GRACE_MIN, 1200, 1440 };
	struct reconcile_row *r = NULL;
	const struct reconcile_row *x;
	struct reconcile_summary s;
	size_t n = 0;

	CHECK_EQ_INT(reconcile_day(b, 8, t, 10, &o, &r, &n), 0);
	CHECK_EQ_INT((int)n, 8);
	x = find(r, n, "A");
	CHECK(x && x->status == RECON_PRESENT && x->arrive_min == 850 && x->leave_min == 1080);
	x = find(r, n, "B");
	CHECK(x && x->status == RECON_LATE && x->late && x->left_early);
	x = find(r, n, "C");
	CHECK(x && x->status == RECON_NO_DEPARTURE && x->no_departure);
	x = find(r, n, "D");
	CHECK(x && x->status == RECON_ABSENT);
	x = find(r, n, "F");
	CHECK(x && x->status == RECON_PRESENT && x->start_min == 900 && x->end_min == 1080);
	x = find(r, n, "G");
	CHECK(x && x->status == RECON_ABSENT);
	x = find(r, n, "Z");
	CHECK(x && x->status == RECON_UNRESERVED && !x->booked && x->ntaps == 2);
	reconcile_summarize(r, n, &s);
	CHECK_EQ_INT(s.booked, 7);
	CHECK_EQ_INT(s.users, 5);
	CHECK_EQ_INT(s.count[RECON_ABSENT], 3);
	free(r);

	/* During the day (16:00): no departure is not yet missing; G (20:00) still expected;
	 * D (14:00) is absent only once 14:10 has passed. */
	o.now_min = 960;
	CHECK_EQ_INT(reconcile_day(b, 8, t, 10, &o, &r, &n), 0);
	CHECK(find(r, n, "C")->status == RECON_PRESENT);
	CHECK(find(r, n, "G")->status == RECON_EXPECTED);
	CHECK(find(r, n, "D")->status == RECON_ABSENT);
	free(r);
	o.now_min = 849;
	CHECK_EQ_INT(reconcile_day(b, 8, t, 10, &o, &r, &n), 0);
	CHECK(find(r, n, "D")->status == RECON_EXPECTED);
	free(r);
	o.now_min = 850;
	CHECK_EQ_INT(reconcile_day(b, 8, t, 10, &o, &r, &n), 0);
	CHECK(find(r, n, "D")->status == RECON_ABSENT);
	free(r);
	/* Nothing at all. */
	CHECK_EQ_INT(reconcile_day(NULL, 0, NULL, 0, &o, &r, &n), 0);
	CHECK_EQ_INT((int)n, 0);
	free(r);
}

static struct pf F;

static int put_tap(const char *device, uint64_t seq, uint8_t last, int64_t ms)
{
	struct tap t = { 0 };
	enum store_put_outcome oc;
	int r;

	t.seq = seq;
	t.uid_len = 4;
	memcpy(t.uid, (uint8_t[]){ 0x04, 0xa1, 0xb2, last }, 4);
	t.wall_ms = ms;
	t.clock_synced = true;
	snprintf(t.boot_id, sizeof(t.boot_id), "boot");
	if ((r = store_begin(F.st)) < 0)
		return r;
	r = store_tap_put(F.st, device, strncmp(device, "NWUK016", 7) ? "NWUK015" : "NWUK016",
			  &t, ms, ms, STORE_TIME_READER, 0, NULL, &oc, NULL);
	/* What the ingest does for a stored tap (hub/domain/attendance.c): the rollups and
	 * each child's day of taps, which reconciliation reads. */
	if (r == 0)
		r = store_stats_tap(F.st, strncmp(device, "NWUK016", 7) ? "NWUK015" : "NWUK016", &t,
				    ms, ms, STORE_TIME_READER);
	if (r == 0)
		r = store_commit(F.st);
	else
		store_rollback(F.st);
	return r;
}

TEST(through_the_api)
{
	/* 2026-11-23 (Monday) 12:00 Seoul is 03:00 UTC; the day starts at 2026-11-22 15:00 UTC. */
	const int64_t day0 = 1795316400000LL + 86400000LL - 12 * 3600000LL;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT], msid[SESSION_ID_TEXT], mcsrf[SESSION_CSRF_TEXT];
	struct pf_reply r = { 0 };
	struct store_care care = { "NWUK015", "general", 10, 0, 0, "" };
	struct store_care care16 = { "NWUK016", "hub", 10, 0, 0, "" };
	json_t *kids;
	const char *why;

	clock_pin(day0 + 25 * 3600000LL, 1000, true); /* 01:00 on the 24th: the 23rd is over */
	CHECK(pf_open(&F) == 0);
	CHECK(pf_facility(&F, "NWUK015", "NW", "UK") == 0 && pf_facility(&F, "NWUK016", "NW", "UK") == 0);
	CHECK(pf_account(&F, "NWUK015009", "NW", "NWUK015", "approved", "center:UK") == 0);
	CHECK(pf_account(&F, "mom01", "", "", "approved", "parent") == 0);
	CHECK(store_care_set(F.st, &care, "t", 1) == 0 && store_care_set(F.st, &care16, "t", 1) == 0);
	for (int i = 1; i <= 3; i++) {
		char id[16];
		uint8_t uid[4] = { 0x04, 0xa1, 0xb2, (uint8_t)i };

		snprintf(id, sizeof(id), "C%d", i);
		CHECK(store_child_add(F.st, id, "이서준", "NWUK015", 1) == 0);
		CHECK(store_card_assign(F.st, uid, 4, id, 1) == 0);
	}
	CHECK(store_guardian_request(F.st, "mom01", "C1", 1) == 0 &&
	      store_guardian_confirm(F.st, "mom01", "C1", "t", 1) == 0);
	CHECK(store_device_add(F.st, "NWUK015-R01", "NWUK015", "01", "02", 1) == 0);
	CHECK(store_device_add(F.st, "NWUK016-R01", "NWUK016", "03", "04", 1) == 0);
	/* C1 and C2 booked 14:00-18:00 (approved); C3 not booked. */
	for (int i = 1; i <= 2; i++) {
		struct store_booking b = { 0 };

		snprintf(b.facility, sizeof(b.facility), "NWUK015");
		snprintf(b.child, sizeof(b.child), "C%d", i);
		snprintf(b.kind, sizeof(b.kind), "temporary");
		b.start_day = b.end_day = (day0 + 9 * 3600000LL) / 86400000LL;
		b.weekdays = 1;
		b.start_min = 840;
		b.end_min = 1080;
		snprintf(b.created_by, sizeof(b.created_by), "t");
		CHECK_EQ_INT(store_booking_add(F.st, &b, true, api_booking_fit, NULL, 1, &why), 0);
	}
	/* C1: 14:05 in, 18:00 out. C2: 14:30 in only. C3: 15:00, 16:00 (unreserved), and at the
	 * other center 17:00 (linked care across facilities). */
	CHECK(put_tap("NWUK015-R01", 1, 1, day0 + (14 * 60 + 5) * 60000LL) == 0);
	CHECK(put_tap("NWUK015-R01", 2, 2, day0 + (14 * 60 + 30) * 60000LL) == 0);
	CHECK(put_tap("NWUK015-R01", 3, 3, day0 + 15 * 3600000LL) == 0);
	CHECK(put_tap("NWUK015-R01", 4, 3, day0 + 16 * 3600000LL) == 0);
	CHECK(put_tap("NWUK015-R01", 5, 1, day0 + 18 * 3600000LL) == 0);
	CHECK(put_tap("NWUK016-R01", 1, 3, day0 + 17 * 3600000LL) == 0);
	CHECK(pf_session(&F, "NWUK015009", sid, csrf) == 0 && pf_session(&F, "mom01", msid, mcsrf) == 0);

	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/reconciliation?date=2026-11-23",
			     sid, NULL, NULL, NULL, &r), 200);
	kids = json_object_get(r.body, "children");
	CHECK_EQ_INT((int)json_array_size(kids), 3);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 0), "status")), "present");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 1), "status")), "no_departure");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 1), "arrived")), "14:30");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 2), "status")), "unreserved");
	CHECK_EQ_INT((int)json_integer_value(json_object_get(json_object_get(r.body, "summary"), "users")), 3);
	pf_reply_free(&r);

	/* A correction needs a reason; it changes the status, not the taps, and is audited. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK015/reconciliation/corrections", sid, csrf, NULL,
			     "{\"date\":\"2026-11-23\",\"child\":\"C2\",\"status\":\"present\"}", &r), 400);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK015/reconciliation/corrections", sid, csrf, NULL,
			     "{\"date\":\"2026-11-23\",\"child\":\"C2\",\"status\":\"present\",\"reason\":\"보호자 동행 하원 (종이 확인)\"}", &r), 201);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/reconciliation?date=2026-11-23",
			     sid, NULL, NULL, NULL, &r), 200);
	kids = json_object_get(r.body, "children");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 1), "status")), "present");
	CHECK_EQ_INT((int)json_integer_value(json_object_get(json_array_get(kids, 1), "taps")), 1);
	pf_reply_free(&r);
	{
		struct store_audit_filter af = { .action = "POST /api/v1/facilities/{code}/reconciliation", .limit = 10 };
		struct store_audit *a = NULL;
		size_t na = 0;

		CHECK_EQ_INT(store_audit_list(F.st, &af, &a, &na), 0);
		CHECK(na >= 1 && !strcmp(a[0].actor, "NWUK015009") && strstr(a[0].target, "C2"));
		free(a);
	}
	/* History: daily summaries. */
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/reconciliation?from=2026-11-22&to=2026-11-23",
			     sid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "days")), 2);
	CHECK_EQ_INT((int)json_integer_value(json_object_get(json_array_get(json_object_get(r.body, "days"), 1), "users")), 3);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/reconciliation?from=2026-10-01&to=2026-11-23",
			     sid, NULL, NULL, NULL, &r), 400);
	pf_reply_free(&r);
	/* A child's days across facilities: C3 at both centers (staff), C1 for the parent. */
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C3/attendance?from=2026-11-23&to=2026-11-23",
			     sid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "days")), 2);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1/attendance?from=2026-11-23&to=2026-11-23",
			     msid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "days")), 1);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C3/attendance?from=2026-11-23&to=2026-11-23",
			     msid, NULL, NULL, NULL, &r), 403);
	pf_reply_free(&r);
	pf_close(&F);
	clock_unpin();
}

int main(void)
{
	RUN(pure_edges);
	RUN(through_the_api);
	return harness_done();
}
