/*
 * The booking routes in process (requests through api_handle with real sessions and CSRF):
 * terms and care settings, the edges of every booking rule as the API answers them
 * (29/30 days, day 14/15, opening hours, hub centers, documents, temporary -> regular),
 * capacity exactly at the base and at the 20% allowance, the waitlist at 2x, offers and
 * their acceptance with outbox rows, decisions with reasons, extensions on and off the
 * term's last day, staff and parent lists, and scope.
 */
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include "hub/api/portal.h"

static struct pf F;
static char sid_city[SESSION_ID_TEXT], csrf_city[SESSION_CSRF_TEXT];
static char sid_nw[SESSION_ID_TEXT], csrf_nw[SESSION_CSRF_TEXT];
static char sid_center[SESSION_ID_TEXT], csrf_center[SESSION_CSRF_TEXT];
static char sid_c16[SESSION_ID_TEXT], csrf_c16[SESSION_CSRF_TEXT];
static char sid_mom[SESSION_ID_TEXT], csrf_mom[SESSION_CSRF_TEXT];
static char sid_dad[SESSION_ID_TEXT], csrf_dad[SESSION_CSRF_TEXT];

enum who { CITY, NWOFF, CENTER, CENTER16, MOM, DAD };

static int call(enum who w, const char *method, const char *target, const char *body,
		struct pf_reply *r)
{
	const char *sid[] = { sid_city, sid_nw, sid_center, sid_c16, sid_mom, sid_dad };
	const char *csrf[] = { csrf_city, csrf_nw, csrf_center, csrf_c16, csrf_mom, csrf_dad };

	pf_reply_free(r);
	return pf_call(&F, method, target, sid[w], csrf[w], NULL, body, r);
}

static int64_t num(const struct pf_reply *r, const char *key)
{
	return json_integer_value(json_object_get(r->body, key));
}

static const char *DOCS = "\"documents\":{\"application\":true,\"privacy_consent\":true,"
			  "\"pickup_consent\":\"online\",\"first_aid_consent\":\"paper\","
			  "\"going_home_consent\":\"online\",\"admission_docs\":true}";

static int world(void)
{
	struct pf_reply r = { 0 };
	const char *terms =
		"{\"terms\":["
		"{\"name\":\"1학기\",\"start\":\"2026-03-02\",\"end\":\"2026-07-20\",\"open\":\"09:00\",\"close\":\"19:00\",\"meal\":true,\"snack\":true},"
		"{\"name\":\"여름방학\",\"start\":\"2026-07-21\",\"end\":\"2026-08-31\",\"open\":\"08:00\",\"close\":\"20:00\",\"meal\":true,\"snack\":true},"
		"{\"name\":\"2학기\",\"start\":\"2026-09-01\",\"end\":\"2026-12-31\",\"open\":\"13:00\",\"close\":\"20:00\",\"meal\":false,\"snack\":true},"
		"{\"name\":\"겨울방학\",\"start\":\"2027-01-01\",\"end\":\"2027-02-28\",\"open\":\"08:00\",\"close\":\"20:00\",\"meal\":true,\"snack\":true}]}";

	clock_pin(1795316400000LL, 1000, true); /* 2026-11-22 12:00 in Seoul (a Sunday) */
	api_portal_throttle_reset();
	if (pf_open(&F) < 0 || pf_facility(&F, "NWUK015", "NW", "UK") < 0 ||
	    pf_facility(&F, "NWUK016", "NW", "UK") < 0 || pf_facility(&F, "GNUK001", "GN", "UK") < 0 ||
	    pf_account(&F, "city01", "", "", "approved", "city:UK") < 0 ||
	    pf_account(&F, "nwoff", "NW", "", "approved", "district:UK") < 0 ||
	    pf_account(&F, "NWUK015009", "NW", "NWUK015", "approved", "center:UK") < 0 ||
	    pf_account(&F, "NWUK016009", "NW", "NWUK016", "approved", "center:UK") < 0 ||
	    pf_account(&F, "mom01", "", "", "approved", "parent") < 0 ||
	    pf_account(&F, "dad01", "", "", "approved", "parent") < 0)
		return -1;
	for (int i = 1; i <= 4; i++) {
		char id[16];

		snprintf(id, sizeof(id), "C%d", i);
		if (store_child_add(F.st, id, "김민수", "NWUK015", 1000) < 0 ||
		    store_guardian_request(F.st, "mom01", id, 1000) < 0 ||
		    store_guardian_confirm(F.st, "mom01", id, "t", 1000) < 0)
			return -1;
	}
	if (pf_session(&F, "city01", sid_city, csrf_city) < 0 ||
	    pf_session(&F, "nwoff", sid_nw, csrf_nw) < 0 ||
	    pf_session(&F, "NWUK015009", sid_center, csrf_center) < 0 ||
	    pf_session(&F, "NWUK016009", sid_c16, csrf_c16) < 0 ||
	    pf_session(&F, "mom01", sid_mom, csrf_mom) < 0 ||
	    pf_session(&F, "dad01", sid_dad, csrf_dad) < 0)
		return -1;
	if (call(CITY, "PUT", "/api/v1/terms/2026", terms, &r) != 200)
		return -1;
	/* Capacity is the district's approval (capacity requests); set it in the store here. */
	{
		struct store_care c15 = { .facility = "NWUK015", .kind = "general", .capacity = 5,
					  .sick_capacity = 1 };
		struct store_care c16 = { .facility = "NWUK016", .kind = "hub", .capacity = 2 };

		if (store_care_set(F.st, &c15, "test", 1000) < 0 ||
		    store_care_set(F.st, &c16, "test", 1000) < 0)
			return -1;
	}
	pf_reply_free(&r);
	return 0;
}

static void world_close(void *arg)
{
	(void)arg;
	pf_close(&F);
	clock_unpin();
}

/* A parent's application body for child, kind, dates, hours, weekdays (regular). */
static const char *app(const char *child, const char *kind, const char *start, const char *end,
		       const char *t1, const char *t2, bool docs)
{
	static char b[1024];

	snprintf(b, sizeof(b),
		 "{\"child\":\"%s\",\"kind\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
		 "\"start_time\":\"%s\",\"end_time\":\"%s\",\"weekdays\":[\"mon\",\"wed\",\"fri\"]%s%s}",
		 child, kind, start, end, t1, t2, docs ? "," : "", docs ? DOCS : "");
	return b;
}

TEST(settings)
{
	struct pf_reply r = { 0 };

	CHECK(world() == 0);
	harness_defer(world_close, NULL);
	CHECK_EQ_INT(call(MOM, "GET", "/api/v1/terms/2026", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "terms")), 4);
	CHECK_EQ_INT(call(MOM, "GET", "/api/v1/facilities/NWUK015/care", NULL, &r), 200);
	CHECK_EQ_INT((int)num(&r, "capacity"), 5);
	CHECK_EQ_INT((int)num(&r, "temporary_allowance"), 1);
	CHECK_EQ_INT(call(MOM, "GET", "/api/v1/facilities/NWUK016/care", NULL, &r), 200);
	CHECK_EQ_INT((int)num(&r, "capacity"), 2);
	CHECK_EQ_INT((int)num(&r, "temporary_allowance"), 0);
	/* A district officer sets only their district's centers; a center cannot. */
	CHECK_EQ_INT(call(NWOFF, "PUT", "/api/v1/facilities/GNUK001/care",
			  "{\"kind\":\"general\",\"capacity\":5}", &r), 403);
	CHECK_EQ_INT(call(CENTER, "PUT", "/api/v1/facilities/NWUK015/care",
			  "{\"kind\":\"general\",\"capacity\":50}", &r), 403);
	/* Terms: overlapping refused; three refused. */
	CHECK_EQ_INT(call(CITY, "PUT", "/api/v1/terms/2027", "{\"terms\":[]}", &r), 400);
	CHECK_EQ_STR(r.code, "terms_invalid");
	CHECK_EQ_INT(call(NWOFF, "PUT", "/api/v1/terms/2027", "{\"terms\":[]}", &r), 403);
	/* No care settings: applications are refused with the reason. */
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/GNUK001/bookings",
			  app("C1", "temporary", "2026-11-23", "2026-11-23", "14:00", "16:00", true), &r), 409);
	CHECK_EQ_STR(r.code, "care_not_set");
	pf_reply_free(&r);
}

TEST(rule_edges)
{
	struct pf_reply r = { 0 };
	const char *P = "/api/v1/facilities/NWUK015/bookings";

	CHECK(world() == 0);
	harness_defer(world_close, NULL);
	/* Regular: 29 days refused, 30 days from today accepted. */
	CHECK_EQ_INT(call(MOM, "POST", P, app("C1", "regular", "2026-11-22", "2026-12-20", "14:00", "18:00", true), &r), 400);
	CHECK_EQ_STR(r.code, "regular_too_short");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(r.body, "error"), "message")), "30일") != NULL);
	CHECK_EQ_INT(call(MOM, "POST", P, app("C1", "regular", "2026-11-22", "2026-12-21", "14:00", "18:00", false), &r), 400);
	CHECK_EQ_STR(r.code, "documents_missing");
	CHECK_EQ_INT(call(MOM, "POST", P, app("C1", "regular", "2026-11-22", "2026-12-21", "14:00", "18:00", true), &r), 201);
	CHECK_EQ_STR(pf_str(&r, "state"), "pending");
	CHECK_EQ_STR(pf_str(&r, "kind"), "regular");
	/* Temporary: day 14 accepted, day 15 refused, yesterday refused. */
	CHECK_EQ_INT(call(MOM, "POST", P, app("C2", "temporary", "2026-12-06", "2026-12-06", "14:00", "16:00", true), &r), 201);
	CHECK_EQ_INT(call(MOM, "POST", P, app("C2", "temporary", "2026-12-07", "2026-12-07", "14:00", "16:00", true), &r), 400);
	CHECK_EQ_STR(r.code, "temporary_window");
	CHECK_EQ_INT(call(MOM, "POST", P, app("C2", "temporary", "2026-11-21", "2026-11-21", "14:00", "16:00", true), &r), 400);
	CHECK_EQ_STR(r.code, "start_past");
	/* Opening hours of the term (13:00-20:00 in the fall term). */
	CHECK_EQ_INT(call(MOM, "POST", P, app("C2", "temporary", "2026-11-24", "2026-11-24", "12:30", "16:00", true), &r), 400);
	CHECK_EQ_STR(r.code, "outside_hours");
	CHECK_EQ_INT(call(MOM, "POST", P, app("C2", "temporary", "2026-11-24", "2026-11-24", "13:00", "20:00", true), &r), 201);
	/* Temporary -> regular: refused with the explanation. */
	CHECK_EQ_INT(call(MOM, "POST", P, app("C2", "regular", "2026-11-25", "2027-01-31", "14:00", "18:00", true), &r), 409);
	CHECK_EQ_STR(r.code, "temporary_to_regular");
	CHECK(strstr(json_string_value(json_object_get(json_object_get(r.body, "error"), "message")), "새로 신청") != NULL);
	/* Hub centers: temporary only. Sick-child care where offered. */
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK016/bookings", app("C3", "regular", "2026-11-23", "2027-01-31", "14:00", "18:00", true), &r), 409);
	CHECK_EQ_STR(r.code, "regular_not_offered");
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK016/bookings", app("C3", "sick", "2026-11-23", "2026-11-23", "14:00", "18:00", true), &r), 400);
	CHECK_EQ_STR(r.code, "sick_not_offered");
	CHECK_EQ_INT(call(MOM, "POST", P, app("C3", "sick", "2026-11-23", "2026-11-23", "14:00", "18:00", true), &r), 201);
	/* The same child twice at overlapping hours. */
	CHECK_EQ_INT(call(MOM, "POST", P, app("C3", "sick", "2026-11-23", "2026-11-23", "15:00", "16:00", true), &r), 409);
	CHECK_EQ_STR(r.code, "booking_duplicate");
	/* A parent applies only for a linked child. */
	CHECK_EQ_INT(call(DAD, "POST", P, app("C4", "temporary", "2026-11-23", "2026-11-23", "14:00", "16:00", true), &r), 403);
	pf_reply_free(&r);
}

/* Staff registers an offline temporary booking for a new child; returns the HTTP status. */
static int offline(int n, const char *day, struct pf_reply *r)
{
	char b[512];

	snprintf(b, sizeof(b),
		 "{\"child\":\"K%03d\",\"child_name\":\"박하늘\",\"kind\":\"temporary\",\"start\":\"%s\","
		 "\"start_time\":\"14:00\",\"end_time\":\"16:00\"}", n, day);
	return call(CENTER, "POST", "/api/v1/facilities/NWUK015/bookings", b, r);
}

static int outbox(const char *tmpl, const char *recipient)
{
	struct store_outbox_msg *m = NULL;
	size_t n = 0;
	int c = 0;

	store_outbox_list(F.st, 0, &m, &n);
	for (size_t i = 0; i < n; i++)
		c += !strcmp(m[i].template_code, tmpl) && !strcmp(m[i].recipient, recipient);
	store_outbox_free(m, n);
	return c;
}

TEST(capacity_waitlist_offers)
{
	struct pf_reply r = { 0 };
	char path[96];
	int64_t first = 0, mom_id = 0;

	CHECK(world() == 0);
	harness_defer(world_close, NULL);
	/* Base capacity 5 + allowance 1 = 6 temporary children at 14-16 on 11-23. */
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_INT(offline(i, "2026-11-23", &r), 201);
		CHECK_EQ_STR(pf_str(&r, "state"), "approved"); /* staff registration */
		CHECK(json_is_true(json_object_get(r.body, "offline")));
		CHECK(json_is_true(json_object_get(r.body, "guardian_invite")));
		if (i == 0)
			first = num(&r, "id");
	}
	/* The 7th waits; the parent's application is first in line. */
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK015/bookings",
			  app("C1", "temporary", "2026-11-23", "2026-11-23", "15:00", "17:00", true), &r), 201);
	CHECK_EQ_STR(pf_str(&r, "state"), "waiting");
	CHECK_EQ_INT((int)num(&r, "position"), 1);
	mom_id = num(&r, "id");
	/* Up to 2 x 5 = 10 may wait: 9 more, then refused. */
	for (int i = 6; i < 15; i++) {
		CHECK_EQ_INT(offline(i, "2026-11-23", &r), 201);
		CHECK_EQ_STR(pf_str(&r, "state"), "waiting");
	}
	CHECK_EQ_INT(offline(15, "2026-11-23", &r), 409);
	CHECK_EQ_STR(r.code, "waitlist_full");
	/* Another day, other hours: places are free there. */
	CHECK_EQ_INT(offline(16, "2026-11-24", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "state"), "approved");
	/* Lists: the waitlist with positions, the parent's own view. */
	CHECK_EQ_INT(call(CENTER, "GET", "/api/v1/facilities/NWUK015/bookings?list=waitlist", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "bookings")), 10);
	CHECK_EQ_INT(call(CENTER, "GET", "/api/v1/facilities/NWUK015/bookings?list=temporary", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "bookings")), 7);
	CHECK_EQ_INT(call(MOM, "GET", "/api/v1/my/bookings", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "bookings")), 1);
	CHECK_EQ_INT((int)json_integer_value(json_object_get(json_array_get(json_object_get(r.body, "bookings"), 0), "position")), 1);
	/* A rejection needs a reason; the cancellation frees the place for mom01, notified. */
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/decision", (long long)first);
	CHECK_EQ_INT(call(CENTER, "POST", path, "{\"decision\":\"reject\"}", &r), 400);
	CHECK_EQ_STR(r.code, "reason_invalid");
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/cancel", (long long)first);
	CHECK_EQ_INT(call(CENTER16, "POST", path, "{}", &r), 403); /* another center */
	CHECK_EQ_INT(call(CENTER, "POST", path, "{}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state"), "cancelled");
	CHECK_EQ_INT(outbox("booking_offered", "mom01"), 1);
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld", (long long)mom_id);
	CHECK_EQ_INT(call(DAD, "GET", path, NULL, &r), 403);
	CHECK_EQ_INT(call(MOM, "GET", path, NULL, &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state"), "offered");
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/accept", (long long)mom_id);
	CHECK_EQ_INT(call(MOM, "POST", path, "{}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state"), "pending");
	CHECK_EQ_INT(call(MOM, "POST", path, "{}", &r), 409);
	CHECK_EQ_STR(r.code, "state_conflict");
	CHECK_EQ_INT(call(CENTER, "GET", "/api/v1/facilities/NWUK015/bookings?list=applications", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "bookings")), 1);
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/decision", (long long)mom_id);
	CHECK_EQ_INT(call(MOM, "POST", path, "{\"decision\":\"approve\"}", &r), 403);
	CHECK_EQ_INT(call(CENTER, "POST", path, "{\"decision\":\"approve\"}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state"), "approved");
	CHECK_EQ_INT(outbox("booking_approved", "mom01"), 1);
	/* Still full; mom01 left the line, so one more may wait (10th), then none. */
	CHECK_EQ_INT(offline(17, "2026-11-23", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "state"), "waiting");
	CHECK_EQ_INT((int)num(&r, "position"), 10);
	CHECK_EQ_INT(offline(18, "2026-11-23", &r), 409);
	CHECK_EQ_STR(r.code, "waitlist_full");
	pf_reply_free(&r);
}

TEST(offer_expires)
{
	struct pf_reply r = { 0 };
	char path[96], b[512];
	int64_t ids[4];

	CHECK(world() == 0);
	harness_defer(world_close, NULL);
	/* The hub center has 2 places: two taken, mom01 then K9 wait. */
	for (int i = 0; i < 2; i++) {
		snprintf(b, sizeof(b), "{\"child\":\"K%d\",\"child_name\":\"최\",\"kind\":\"temporary\","
			 "\"start\":\"2026-11-23\",\"start_time\":\"14:00\",\"end_time\":\"16:00\"}", i);
		CHECK_EQ_INT(call(CITY, "POST", "/api/v1/facilities/NWUK016/bookings", b, &r), 201);
		ids[i] = num(&r, "id");
	}
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK016/bookings",
			  app("C1", "temporary", "2026-11-23", "2026-11-23", "14:00", "16:00", true), &r), 201);
	ids[2] = num(&r, "id");
	CHECK_EQ_INT(call(CITY, "POST", "/api/v1/facilities/NWUK016/bookings",
			  "{\"child\":\"K9\",\"child_name\":\"최\",\"kind\":\"temporary\",\"start\":\"2026-11-23\","
			  "\"start_time\":\"15:00\",\"end_time\":\"17:00\"}", &r), 201);
	ids[3] = num(&r, "id");
	CHECK_EQ_STR(pf_str(&r, "state"), "waiting");
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/cancel", (long long)ids[0]);
	CHECK_EQ_INT(call(CITY, "POST", path, "{}", &r), 200);
	/* mom01 lets the 24 h pass: her offer expires on the next read, K9 is offered. */
	clock_advance(24LL * 3600 * 1000 + 1);
	CHECK(pf_session(&F, "mom01", sid_mom, csrf_mom) == 0 &&
	      pf_session(&F, "city01", sid_city, csrf_city) == 0); /* sessions idle out in a day */
	CHECK_EQ_INT(call(MOM, "GET", "/api/v1/my/bookings", NULL, &r), 200);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(r.body, "bookings"), 0), "state")), "expired");
	CHECK_EQ_INT(outbox("booking_expired", "mom01"), 1);
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld", (long long)ids[3]);
	CHECK_EQ_INT(call(CITY, "GET", path, NULL, &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state"), "offered");
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/accept", (long long)ids[2]);
	CHECK_EQ_INT(call(MOM, "POST", path, "{}", &r), 409);
	CHECK_EQ_STR(r.code, "state_conflict");
	pf_reply_free(&r);
}

/* The hub's periodic tick expires a due offer and offers the place on, with nobody reading. */
TEST(offer_expires_on_tick)
{
	struct pf_reply r = { 0 };
	struct store_booking got;
	char path[96], b[512];
	int64_t ids[4];

	CHECK(world() == 0);
	harness_defer(world_close, NULL);
	for (int i = 0; i < 2; i++) {
		snprintf(b, sizeof(b), "{\"child\":\"K%d\",\"child_name\":\"최\",\"kind\":\"temporary\","
			 "\"start\":\"2026-11-23\",\"start_time\":\"14:00\",\"end_time\":\"16:00\"}", i);
		CHECK_EQ_INT(call(CITY, "POST", "/api/v1/facilities/NWUK016/bookings", b, &r), 201);
		ids[i] = num(&r, "id");
	}
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK016/bookings",
			  app("C1", "temporary", "2026-11-23", "2026-11-23", "14:00", "16:00", true), &r), 201);
	ids[2] = num(&r, "id");
	CHECK_EQ_INT(call(CITY, "POST", "/api/v1/facilities/NWUK016/bookings",
			  "{\"child\":\"K9\",\"child_name\":\"최\",\"kind\":\"temporary\",\"start\":\"2026-11-23\","
			  "\"start_time\":\"15:00\",\"end_time\":\"17:00\"}", &r), 201);
	ids[3] = num(&r, "id");
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/cancel", (long long)ids[0]);
	CHECK_EQ_INT(call(CITY, "POST", path, "{}", &r), 200);
	CHECK(store_booking_get(F.st, ids[2], &got) == 0);
	CHECK_EQ_STR(got.state, "offered");
	/* Before the deadline a tick changes nothing. */
	clock_advance(24LL * 3600 * 1000 - 1000);
	api_tick(F.api);
	CHECK(store_booking_get(F.st, ids[2], &got) == 0);
	CHECK_EQ_STR(got.state, "offered");
	/* Past it, the next tick (no request at all) expires it and offers K9 the place. */
	clock_advance(2000);
	api_tick(F.api);
	CHECK(store_booking_get(F.st, ids[2], &got) == 0);
	CHECK_EQ_STR(got.state, "expired");
	CHECK_EQ_INT(outbox("booking_expired", "mom01"), 1);
	CHECK(store_booking_get(F.st, ids[3], &got) == 0);
	CHECK_EQ_STR(got.state, "offered");
	pf_reply_free(&r);
}

TEST(extension_edges)
{
	struct pf_reply r = { 0 };
	char path[96];
	int64_t on = 0, off = 0;

	CHECK(world() == 0);
	harness_defer(world_close, NULL);
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK015/bookings",
			  app("C1", "regular", "2026-11-23", "2026-12-31", "14:00", "18:00", true), &r), 201);
	on = num(&r, "id");
	CHECK_EQ_INT(call(MOM, "POST", "/api/v1/facilities/NWUK015/bookings",
			  app("C2", "regular", "2026-11-23", "2026-12-30", "14:00", "18:00", true), &r), 201);
	off = num(&r, "id");
	/* Only an approved booking is extended. */
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/extension", (long long)on);
	CHECK_EQ_INT(call(MOM, "POST", path, "{}", &r), 409);
	CHECK_EQ_STR(r.code, "state_conflict");
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/api/v1/bookings/%lld/decision", (long long)(i ? off : on));
		CHECK_EQ_INT(call(CENTER, "POST", path, "{\"decision\":\"approve\"}", &r), 200);
	}
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/extension", (long long)on);
	CHECK_EQ_INT(call(MOM, "POST", path, "{}", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "start"), "2027-01-01");
	CHECK_EQ_STR(pf_str(&r, "end"), "2027-02-28");
	CHECK_EQ_INT((int)num(&r, "extends"), (int)on);
	snprintf(path, sizeof(path), "/api/v1/bookings/%lld/extension", (long long)off);
	CHECK_EQ_INT(call(MOM, "POST", path, "{}", &r), 409);
	CHECK_EQ_STR(r.code, "extension_not_term_end");
	CHECK_EQ_INT(call(CENTER, "GET", "/api/v1/facilities/NWUK015/bookings?list=extensions", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "bookings")), 1);
	CHECK_EQ_INT(call(CENTER, "GET", "/api/v1/facilities/NWUK015/bookings?list=regular", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "bookings")), 2);
	CHECK_EQ_INT(call(CENTER, "GET", "/api/v1/facilities/NWUK015/bookings?list=nonsense", NULL, &r), 400);
	CHECK_EQ_INT(call(CENTER16, "GET", "/api/v1/facilities/NWUK015/bookings", NULL, &r), 403);
	pf_reply_free(&r);
}

int main(void)
{
	RUN(settings);
	RUN(rule_edges);
	RUN(capacity_waitlist_offers);
	RUN(offer_expires);
	RUN(offer_expires_on_tick);
	RUN(extension_edges);
	return harness_done();
}
