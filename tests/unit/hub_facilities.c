/*
 * Facilities through the portal API in process (api_handle with real sessions, store in a
 * temp dir): creation with the issued code (999 issued, the 1000th refused; a deleted
 * facility's number never comes back), capacity from floor area at 3.29/3.3 m², capacity
 * held in facility_care (what the booking rules read), capacity change requests with
 * approval, rejection and history, paging boundaries, filters, search with SQL
 * metacharacters, field validation, cross-district refusals, departments and the mapping.
 */
#include "common/clock.h"
#include "hub/api/portal.h"
#include "hub/domain/facility.h"
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include <errno.h>
#include <sqlite3.h>

static struct pf F;
static char city_sid[SESSION_ID_TEXT], city_csrf[SESSION_CSRF_TEXT];
static char nw_sid[SESSION_ID_TEXT], nw_csrf[SESSION_CSRF_TEXT];
static char gn_sid[SESSION_ID_TEXT], gn_csrf[SESSION_CSRF_TEXT];
static char ctr_sid[SESSION_ID_TEXT], ctr_csrf[SESSION_CSRF_TEXT];

static int setup_world(void);

static void fixture_close(void *arg)
{
	(void)arg;
	pf_close(&F);
}

static int setup(void)
{
	(void)pf_facility; /* the fixture's, unused here */
	return setup_world();
}

static int setup_world(void)
{
	clock_pin(1800000000000LL, 1000, true);
	if (pf_open(&F) < 0)
		return -1;
	harness_defer(fixture_close, NULL);
	api_portal_throttle_reset();
	if (pf_account(&F, "city01", "", "", "approved", "city:UK,city:CC") < 0 ||
	    pf_account(&F, "nwoff", "NW", "", "approved", "district:UK,district:CC") < 0 ||
	    pf_account(&F, "gnoff", "GN", "", "approved", "district:UK") < 0)
		return -1;
	if (pf_session(&F, "city01", city_sid, city_csrf) < 0 ||
	    pf_session(&F, "nwoff", nw_sid, nw_csrf) < 0 ||
	    pf_session(&F, "gnoff", gn_sid, gn_csrf) < 0)
		return -1;
	return 0;
}

/* A valid creation body for district d, type t (kind for UK), with area and name. */
static void body_of(char *out, size_t len, const char *d, const char *t, const char *area,
		    const char *name)
{
	snprintf(out, len,
		 "{\"name\":\"%s\",\"district\":\"%s\",\"type\":\"%s\",%s\"dong\":\"상계1동\","
		 "\"ages\":\"elementary\",\"address\":\"서울특별시 노원구 상계로 1\","
		 "\"latitude\":\"37.654321\",\"longitude\":127.061234,\"email\":\"kium@example.kr\","
		 "\"phone\":\"02-123-4567\",\"opened\":\"2020.06.17\",\"area_m2\":\"%s\"}",
		 name, d, t, strcmp(t, "UK") ? "" : "\"kind\":\"general\",", area);
}

static int create(const char *sid, const char *csrf, const char *d, const char *t,
		  const char *area, const char *name, struct pf_reply *r)
{
	char body[1024];

	body_of(body, sizeof(body), d, t, area, name);
	return pf_call(&F, "POST", "/api/v1/facilities", sid, csrf, NULL, body, r);
}

static json_int_t jint(const struct pf_reply *r, const char *k)
{
	return json_integer_value(json_object_get(r->body, k));
}

TEST(create_issues_codes_and_capacity_from_area)
{
	struct pf_reply r;
	struct store_care c;

	CHECK(setup() == 0);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "99", "노원1호점", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "code"), "NWUK001");
	CHECK_EQ_INT(jint(&r, "capacity"), 30);
	CHECK_EQ_INT(jint(&r, "temporary_allowance"), 6);
	CHECK_EQ_STR(pf_str(&r, "opened"), "2020-06-17");
	CHECK_EQ_STR(pf_str(&r, "phone"), "021234567");
	CHECK_EQ_STR(pf_str(&r, "created_by"), "nwoff");
	pf_reply_free(&r);
	/* One truth: the booking rules' table holds the capacity. */
	CHECK(store_care_get(F.st, "NWUK001", &c) == 0);
	CHECK_EQ_INT(c.capacity, 30);
	CHECK_EQ_STR(c.kind, "general");
	/* 3.29 m² is under one child's space; 3.3 m² is exactly one. */
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "3.29", "작은 센터", &r), 400);
	CHECK_EQ_STR(r.code, "area_too_small");
	pf_reply_free(&r);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "3.3", "작은 센터", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "code"), "NWUK002");
	CHECK_EQ_INT(jint(&r, "capacity"), 1);
	pf_reply_free(&r);
	/* Other types have no Kium kind and no facility_care row. */
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "CC", "50", "열린육아방", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "code"), "NWCC001");
	CHECK(json_is_null(json_object_get(r.body, "capacity")));
	CHECK_EQ_INT(jint(&r, "capacity_from_area"), 15);
	pf_reply_free(&r);
	CHECK(store_care_get(F.st, "NWCC001", &c) == -ENOENT);
	/* A client cannot choose the code. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities", nw_sid, nw_csrf, NULL,
			     "{\"code\":\"NWUK500\"}", &r), 400);
	CHECK_EQ_STR(r.code, "field_readonly");
	pf_reply_free(&r);
}

TEST(code_999_then_refused_and_never_reused)
{
	struct store_facility_info fi = { 0 };
	struct pf_reply r;
	sqlite3 *db = NULL;

	CHECK(setup() == 0);
	snprintf(fi.f.name, sizeof(fi.f.name), "기존 센터");
	snprintf(fi.f.district, sizeof(fi.f.district), "NW");
	snprintf(fi.f.type, sizeof(fi.f.type), "UK");
	snprintf(fi.kind, sizeof(fi.kind), "hub");
	fi.capacity = 10;
	fi.operating = true;
	CHECK(store_facility_create(F.st, &fi, 998, "test", 1000) == 0);
	CHECK_EQ_STR(fi.f.code, "NWUK998");
	CHECK(store_facility_create(F.st, &fi, 998, "test", 1000) == -EEXIST);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "33", "999호점", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "code"), "NWUK999");
	pf_reply_free(&r);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "33", "1000호점", &r), 409);
	CHECK_EQ_STR(r.code, "facility_numbers_exhausted");
	pf_reply_free(&r);
	/* Another type of the same district still has numbers. */
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "CC", "33", "열린육아방", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "code"), "NWCC001");
	pf_reply_free(&r);
	/* A facility removed behind the store's back: its number is still issued. */
	CHECK(sqlite3_open(F.path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DELETE FROM facilities WHERE code = 'NWCC001'", NULL, NULL,
			   NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "CC", "33", "열린육아방2", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "code"), "NWCC002");
	pf_reply_free(&r);
	snprintf(fi.f.type, sizeof(fi.f.type), "CC");
	fi.kind[0] = '\0';
	CHECK(store_facility_create(F.st, &fi, 1, "test", 1000) == -EEXIST);
}

TEST(every_field_validated)
{
	static const struct {
		const char *from, *to, *code;
	} cases[] = {
		{ "kium@example.kr", "kium@@example", "email_invalid" },
		{ "02-123-4567", "02-12-45", "phone_invalid" },
		{ "2020.06.17", "2023-02-29", "opened_invalid" },
		{ "2020.06.17", "1989-12-31", "opened_invalid" },
		{ "37.654321", "35.1", "latitude_invalid" },
		{ "37.654321", "37.6543210", "latitude_invalid" },
		{ "127.061234", "127.9", "longitude_invalid" },
		{ "상계1동", "상계1", "dong_invalid" },
		{ "elementary", "adult", "ages_invalid" },
		{ "\"district\":\"NW\"", "\"district\":\"XX\"", "district_invalid" },
		{ "\"type\":\"UK\"", "\"type\":\"ZZ\"", "type_invalid" },
		{ "\"kind\":\"general\"", "\"kind\":\"mega\"", "kind_invalid" },
		{ "\"area_m2\":\"99\"", "\"area_m2\":\"99.999\"", "area_invalid" },
		{ "\"area_m2\":\"99\"", "\"area_m2\":\"-5\"", "area_invalid" },
		{ "\"area_m2\":\"99\"", "\"area_m2\":\"0\"", "area_invalid" },
		{ "\"name\":\"센터\",", "", "field_missing" },
		{ "\"address\":\"서울특별시 노원구 상계로 1\",", "", "field_missing" },
		{ "\"email\":\"kium@example.kr\",", "\"email\":[1],", "field_invalid" },
	};
	char body[1024], out[1200];
	struct pf_reply r;

	CHECK(setup() == 0);
	body_of(body, sizeof(body), "NW", "UK", "99", "센터");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(body, cases[i].from);

		CHECK(at != NULL);
		if (!at)
			continue;
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - body), body, cases[i].to,
			 at + strlen(cases[i].from));
		pf_call(&F, "POST", "/api/v1/facilities", nw_sid, nw_csrf, NULL, out, &r);
		if (r.status != 400 || strcmp(r.code, cases[i].code))
			printf("# case %zu: %d %s, want 400 %s\n", i, r.status, r.code,
			       cases[i].code);
		CHECK_EQ_INT(r.status, 400);
		CHECK_EQ_STR(r.code, cases[i].code);
		/* Korean first, then English. */
		CHECK(strstr(json_string_value(json_object_get(json_object_get(r.body, "error"),
							       "message")), " / ") != NULL);
		pf_reply_free(&r);
	}
	/* Kind on a non-Kium type is refused. */
	body_of(body, sizeof(body), "NW", "CC", "99", "육아방");
	snprintf(out, sizeof(out), "%.*s\"kind\":\"hub\",%s", (int)(strstr(body, "\"dong") - body),
		 body, strstr(body, "\"dong"));
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities", nw_sid, nw_csrf, NULL, out, &r),
		     400);
	CHECK_EQ_STR(r.code, "kind_invalid");
	pf_reply_free(&r);
	/* Nothing was stored by any refusal. */
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities", city_sid, NULL, NULL, NULL, &r),
		     200);
	CHECK_EQ_INT(jint(&r, "total"), 0);
	pf_reply_free(&r);
}

TEST(cross_district_refused)
{
	struct pf_reply r;

	CHECK(setup() == 0);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "GN", "UK", "99", "남의 구", &r), 403);
	CHECK_EQ_STR(r.code, "out_of_scope");
	pf_reply_free(&r);
	CHECK_EQ_INT(create(gn_sid, gn_csrf, "GN", "CC", "99", "권한 없는 유형", &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(create(gn_sid, gn_csrf, "GN", "UK", "99", "강남1호점", &r), 201);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/facilities/GNUK001", nw_sid, nw_csrf, NULL,
			     "{\"name\":\"바꿈\"}", &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?district=GN", nw_sid, NULL, NULL,
			     NULL, &r), 403);
	pf_reply_free(&r);
	/* The NW officer's list holds only NW facilities. */
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "99", "노원", &r), 201);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities", nw_sid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 1);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities", city_sid, NULL, NULL, NULL, &r),
		     200);
	CHECK_EQ_INT(jint(&r, "total"), 2);
	pf_reply_free(&r);
	/* Edits: district, type and kind stay. */
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/facilities/NWUK001", nw_sid, nw_csrf, NULL,
			     "{\"district\":\"GN\"}", &r), 400);
	CHECK_EQ_STR(r.code, "field_readonly");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/facilities/NWUK001", nw_sid, nw_csrf, NULL,
			     "{\"name\":\"새 이름\",\"operating\":false,\"opened\":\"\"}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "name"), "새 이름");
	CHECK(json_is_false(json_object_get(r.body, "operating")));
	CHECK(json_is_null(json_object_get(r.body, "opened")));
	CHECK_EQ_STR(pf_str(&r, "changed_by"), "nwoff");
	pf_reply_free(&r);
}

static size_t items(const struct pf_reply *r)
{
	return json_array_size(json_object_get(r->body, "items"));
}

TEST(paging_filters_and_search)
{
	struct pf_reply r;
	char name[64];

	CHECK(setup() == 0);
	for (int i = 1; i <= 23; i++) {
		/* one day apart: 2027-01-15 .. */
		clock_pin(1800000000000LL + (int64_t)i * 86400000, 1000, true);
		CHECK(pf_session(&F, "nwoff", nw_sid, nw_csrf) == 0); /* sessions idle out */
		snprintf(name, sizeof(name), "%s센터 %d", i % 2 ? "노원" : "상계", i);
		CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", i <= 20 ? "UK" : "CC", "99", name, &r),
			     201);
		pf_reply_free(&r);
	}
	CHECK(pf_session(&F, "city01", city_sid, city_csrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?per_page=10&page=3", city_sid, NULL,
			     NULL, NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 23);
	CHECK_EQ_INT(jint(&r, "pages"), 3);
	CHECK_EQ_INT(items(&r), 3);
	/* newest first: the last page ends with the first registered */
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(r.body,
		     "items"), 2), "code")), "NWUK001");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?page=4", city_sid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_INT(items(&r), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?per_page=23", city_sid, NULL, NULL,
			     NULL, &r), 200);
	CHECK_EQ_INT(items(&r), 23);
	CHECK_EQ_INT(jint(&r, "pages"), 1);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?per_page=100", city_sid, NULL, NULL,
			     NULL, &r), 200);
	pf_reply_free(&r);
	static const char *const bad[] = { "per_page=101", "per_page=0", "page=0", "page=-1",
					   "page=abc", "district=XX", "kind=mega", "from=2027-02-30",
					   "operating=maybe" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char t[128];

		snprintf(t, sizeof(t), "/api/v1/facilities?%s", bad[i]);
		CHECK_EQ_INT(pf_call(&F, "GET", t, city_sid, NULL, NULL, NULL, &r), 400);
		CHECK_EQ_STR(r.code, "bad_paging");
		pf_reply_free(&r);
	}
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?type=CC", city_sid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 3);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?kind=general", city_sid, NULL, NULL,
			     NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 20);
	pf_reply_free(&r);
	/* Registered 2027-01-16 (i=1) .. 2027-01-18 (i=3), both ends included. */
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?from=2027-01-16&to=2027-01-18",
			     city_sid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 3);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/facilities/NWUK005", nw_sid, nw_csrf, NULL,
			     "{\"operating\":\"미운영\"}", &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?operating=false", city_sid, NULL,
			     NULL, NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 1);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?q=%EC%83%81%EA%B3%84", city_sid, NULL,
			     NULL, NULL, &r), 200); /* 상계 */
	CHECK_EQ_INT(jint(&r, "total"), 23); /* every address has 상계로 */
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?q=%EB%85%B8%EC%9B%90%EC%84%BC%ED%84%B0",
			     city_sid, NULL, NULL, NULL, &r), 200); /* 노원센터 */
	CHECK_EQ_INT(jint(&r, "total"), 12);
	pf_reply_free(&r);
	/* SQL metacharacters are plain text: nothing matches, nothing breaks. */
	CHECK_EQ_INT(pf_call(&F, "GET",
			     "/api/v1/facilities?q=%27%3B%20DROP%20TABLE%20facilities%3B--",
			     city_sid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?q=%25", city_sid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "99", "O'Brien \\\"센터\\\"; DROP TABLE x;--",
			    &r), 201);
	CHECK_EQ_STR(pf_str(&r, "name"), "O'Brien \"센터\"; DROP TABLE x;--");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities?q=O%27Brien", city_sid, NULL, NULL,
			     NULL, &r), 200);
	CHECK_EQ_INT(jint(&r, "total"), 1);
	pf_reply_free(&r);
}

TEST(capacity_change_request_approve_reject_history)
{
	struct pf_reply r;
	struct store_care c;
	char t[128];
	json_int_t id;

	CHECK(setup() == 0);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "99", "노원1호점", &r), 201);
	pf_reply_free(&r);
	CHECK(pf_account(&F, "NWUK001001", "NW", "NWUK001", "approved", "center:UK") == 0);
	CHECK(pf_session(&F, "NWUK001001", ctr_sid, ctr_csrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK001/capacity-requests", ctr_sid,
			     ctr_csrf, NULL, "{\"capacity\":30,\"reason\":\"그대로\"}", &r), 400);
	CHECK_EQ_STR(r.code, "capacity_invalid");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK001/capacity-requests", ctr_sid,
			     ctr_csrf, NULL, "{\"capacity\":35}", &r), 400);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK001/capacity-requests", ctr_sid,
			     ctr_csrf, NULL, "{\"capacity\":35,\"reason\":\"공간 확장\"}", &r), 201);
	id = jint(&r, "id");
	CHECK_EQ_STR(pf_str(&r, "state"), "pending");
	CHECK_EQ_INT(jint(&r, "from_capacity"), 30);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK001/capacity-requests", nw_sid,
			     nw_csrf, NULL, "{\"capacity\":40,\"reason\":\"또\"}", &r), 409);
	CHECK_EQ_STR(r.code, "request_pending");
	pf_reply_free(&r);
	snprintf(t, sizeof(t), "/api/v1/facilities/NWUK001/capacity-requests/%lld/decision",
		 (long long)id);
	/* The center cannot decide; another district cannot; rejection needs a reason. */
	CHECK_EQ_INT(pf_call(&F, "POST", t, ctr_sid, ctr_csrf, NULL, "{\"decision\":\"approve\"}",
			     &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", t, gn_sid, gn_csrf, NULL, "{\"decision\":\"approve\"}",
			     &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", t, nw_sid, nw_csrf, NULL, "{\"decision\":\"reject\"}",
			     &r), 400);
	CHECK_EQ_STR(r.code, "reason_invalid");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", t, nw_sid, nw_csrf, NULL, "{\"decision\":\"maybe\"}",
			     &r), 400);
	pf_reply_free(&r);
	CHECK(store_care_get(F.st, "NWUK001", &c) == 0);
	CHECK_EQ_INT(c.capacity, 30); /* nothing changes before approval */
	CHECK_EQ_INT(pf_call(&F, "POST", t, nw_sid, nw_csrf, NULL, "{\"decision\":\"approve\"}",
			     &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state"), "approved");
	CHECK_EQ_STR(pf_str(&r, "decided_by"), "nwoff");
	pf_reply_free(&r);
	CHECK(store_care_get(F.st, "NWUK001", &c) == 0);
	CHECK_EQ_INT(c.capacity, 35);
	CHECK_EQ_INT(pf_call(&F, "POST", t, nw_sid, nw_csrf, NULL, "{\"decision\":\"approve\"}",
			     &r), 409);
	CHECK_EQ_STR(r.code, "already_decided");
	pf_reply_free(&r);
	/* A second request, rejected with a reason: the capacity stays. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK001/capacity-requests", nw_sid,
			     nw_csrf, NULL, "{\"capacity\":50,\"reason\":\"증원\"}", &r), 201);
	id = jint(&r, "id");
	pf_reply_free(&r);
	snprintf(t, sizeof(t), "/api/v1/facilities/NWUK001/capacity-requests/%lld/decision",
		 (long long)id);
	CHECK_EQ_INT(pf_call(&F, "POST", t, city_sid, city_csrf, NULL,
			     "{\"decision\":\"reject\",\"reason\":\"면적 부족\"}", &r), 200);
	pf_reply_free(&r);
	CHECK(store_care_get(F.st, "NWUK001", &c) == 0);
	CHECK_EQ_INT(c.capacity, 35);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK001", ctr_sid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_INT(jint(&r, "capacity"), 35);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK001/capacity-requests", ctr_sid,
			     NULL, NULL, NULL, &r), 200);
	CHECK_EQ_INT(items(&r), 2);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(r.body,
		     "items"), 0), "decision_reason")), "면적 부족");
	pf_reply_free(&r);
	/* A request id of another facility is unknown here. */
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "99", "노원2호점", &r), 201);
	pf_reply_free(&r);
	snprintf(t, sizeof(t), "/api/v1/facilities/NWUK002/capacity-requests/%lld/decision",
		 (long long)id);
	CHECK_EQ_INT(pf_call(&F, "POST", t, nw_sid, nw_csrf, NULL, "{\"decision\":\"approve\"}",
			     &r), 404);
	pf_reply_free(&r);
	/* The audit log has the decisions. */
	{
		struct store_audit_filter af = { .action = "POST /api/v1/facilities/{code}/capacity",
						 .limit = 50 };
		struct store_audit *a = NULL;
		size_t n = 0;

		CHECK(store_audit_list(F.st, &af, &a, &n) == 0);
		CHECK(n >= 8);
		free(a);
	}
}

TEST(departments_and_mapping)
{
	struct pf_reply r;
	json_int_t top, sub;

	CHECK(setup() == 0);
	CHECK_EQ_INT(create(nw_sid, nw_csrf, "NW", "UK", "99", "노원1호점", &r), 201);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/departments", nw_sid, nw_csrf, NULL,
			     "{\"district\":\"NW\",\"name\":\"아동청소년과\",\"phone\":\"02-2116-3000\"}",
			     &r), 201);
	top = jint(&r, "id");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/departments", nw_sid, nw_csrf, NULL,
			     "{\"district\":\"NW\",\"name\":\"아동청소년과\"}", &r), 409);
	pf_reply_free(&r);
	{
		char b[160];

		snprintf(b, sizeof(b), "{\"district\":\"NW\",\"name\":\"우리동네키움센터\","
			 "\"parent\":%lld}", (long long)top);
		CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/departments", nw_sid, nw_csrf, NULL, b,
				     &r), 201);
		sub = jint(&r, "id");
		pf_reply_free(&r);
		/* a parent of another district is unknown to it */
		snprintf(b, sizeof(b), "{\"district\":\"GN\",\"name\":\"x\",\"parent\":%lld}",
			 (long long)top);
		CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/departments", gn_sid, gn_csrf, NULL, b,
				     &r), 404);
		pf_reply_free(&r);
		snprintf(b, sizeof(b), "{\"department\":%lld}", (long long)sub);
		CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/facilities/NWUK001/department", nw_sid,
				     nw_csrf, NULL, b, &r), 200);
		pf_reply_free(&r);
	}
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/departments", nw_sid, nw_csrf, NULL,
			     "{\"district\":\"GN\",\"name\":\"남의 부서\"}", &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK001", nw_sid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_INT(jint(&r, "department"), sub);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/departments", nw_sid, NULL, NULL, NULL, &r),
		     200);
	CHECK_EQ_INT(items(&r), 2);
	CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(json_object_get(r.body,
		     "items"), 1), "facilities")), 1);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/departments?district=GN", nw_sid, NULL, NULL,
			     NULL, &r), 403);
	pf_reply_free(&r);
}

int main(void)
{
	RUN(create_issues_codes_and_capacity_from_area);
	RUN(code_999_then_refused_and_never_reused);
	RUN(every_field_validated);
	RUN(cross_district_refused);
	RUN(paging_filters_and_search);
	RUN(capacity_change_request_approve_reject_history);
	RUN(departments_and_mapping);
	return harness_done();
}
