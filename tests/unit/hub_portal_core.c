/*
 * The portal core's second round in process (api_handle with real sessions): the care route
 * cannot set a capacity (only an approved capacity change can), accounts made by someone else
 * must change their password before any other route answers them, the seed's coordinator and
 * support-center roles with their narrow scope, the account list's filters and paging, staff
 * moves between facilities and staff who leave, and the parent sign-up's phone verification.
 */
#include "common/clock.h"
#include "hub/api/portal.h"
#include "hub/domain/accounts.h"
#include "hub/store/store_core.h"
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include <errno.h>

static struct pf F;

static void fixture_close(void *arg)
{
	(void)arg;
	pf_close(&F);
}

/* Two NW centers of 33 m2 and 66 m2 (records with areas), a GN center, officers, staff. */
static int setup(void)
{
	struct store_facility_info fi;
	const char *codes[] = { "NWUK015", "NWUK016", "GNUK001", "NWCC001" };

	clock_pin(1800000000000LL, 1000, true);
	if (pf_open(&F) < 0)
		return -1;
	harness_defer(fixture_close, NULL);
	api_portal_throttle_reset();
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(&fi, 0, sizeof(fi));
		snprintf(fi.f.name, sizeof(fi.f.name), "시설 %s", codes[i]);
		snprintf(fi.f.district, sizeof(fi.f.district), "%.2s", codes[i]);
		snprintf(fi.f.type, sizeof(fi.f.type), "%.2s", codes[i] + 2);
		fi.area_centi = i == 1 ? 6600 : 3300;
		fi.operating = true;
		if (store_facility_create(F.st, &fi, atoi(codes[i] + 4), "test", 1000) < 0)
			return -1;
	}
	if (pf_account(&F, "city01", "", "", "approved", "city:UK,city:CC") < 0 ||
	    pf_account(&F, "nwoff", "NW", "", "approved", "district:UK,district:CC") < 0 ||
	    pf_account(&F, "gnoff", "GN", "", "approved", "district:UK") < 0)
		return -1;
	return store_child_add(F.st, "C1", "김민수", "NWUK015", 1000);
}

/* One call as account who (NULL: anonymous) with a fresh session. */
static int as(const char *who, const char *method, const char *target, const char *body,
	      struct pf_reply *r)
{
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];

	pf_reply_free(r);
	if (who && pf_session(&F, who, sid, csrf) < 0)
		return -1;
	return pf_call(&F, method, target, who ? sid : NULL, who ? csrf : NULL, NULL, body, r);
}

static int num(const struct pf_reply *r, const char *key)
{
	return (int)json_integer_value(json_object_get(r->body, key));
}

TEST(care_route_sets_kind_and_sick_places_but_never_capacity)
{
	struct pf_reply r = { 0 };
	struct store_care c;

	CHECK(setup() == 0);
	/* The bypass is gone: capacity or area in the body is refused, nothing is written. */
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/facilities/NWUK015/care",
			"{\"kind\":\"general\",\"capacity\":50}", &r), 400);
	CHECK_EQ_STR(r.code, "capacity_by_request");
	CHECK_EQ_INT(as("city01", "PUT", "/api/v1/facilities/NWUK015/care",
			"{\"kind\":\"general\",\"area_m2\":\"330\"}", &r), 400);
	CHECK_EQ_STR(r.code, "capacity_by_request");
	CHECK_EQ_INT(store_care_get(F.st, "NWUK015", &c), -ENOENT);
	/* A center without care settings starts at its floor area's capacity (33 m2 -> 10). */
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/facilities/NWUK015/care",
			"{\"kind\":\"general\",\"sick_capacity\":2}", &r), 200);
	CHECK_EQ_INT(num(&r, "capacity"), 10);
	CHECK_EQ_INT(num(&r, "sick_capacity"), 2);
	/* The capacity changes only through a request the district approves. */
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/facilities/NWUK015/capacity-requests",
			"{\"capacity\":12,\"reason\":\"공간 확장\"}", &r), 201);
	{
		char path[128];

		snprintf(path, sizeof(path), "/api/v1/facilities/NWUK015/capacity-requests/%d/decision",
			 num(&r, "id"));
		CHECK_EQ_INT(as("nwoff", "POST", path, "{\"decision\":\"approve\"}", &r), 200);
	}
	/* Changing the kind and sick places keeps the approved capacity. */
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/facilities/NWUK015/care", "{\"kind\":\"hub\"}",
			&r), 200);
	CHECK_EQ_INT(num(&r, "capacity"), 12);
	CHECK_EQ_INT(num(&r, "sick_capacity"), 2);
	CHECK_EQ_STR(pf_str(&r, "kind"), "hub");
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/facilities/NWUK015/care",
			"{\"kind\":\"general\",\"sick_capacity\":0}", &r), 200);
	CHECK_EQ_INT(num(&r, "capacity"), 12);
	CHECK_EQ_INT(num(&r, "sick_capacity"), 0);
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/facilities/NWUK015/care",
			"{\"kind\":\"general\",\"sick_capacity\":-1}", &r), 400);
	/* Other facility types have no care settings. */
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/facilities/NWCC001/care", "{\"kind\":\"general\"}",
			&r), 409);
	CHECK_EQ_STR(r.code, "care_kium_only");
	pf_reply_free(&r);
}

/* A path of a route with its {params} filled. */
static void fill(const char *pattern, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = pattern; *p && o + 16 < len; p++) {
		if (*p == '{') {
			const char *e = strchr(p, '}');

			o += (size_t)snprintf(out + o, len - o, "%s", !strncmp(p, "{code}", 6)
					      ? "NWUK015" : !strncmp(p, "{year}", 6) ? "2026" : "X1");
			p = e;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

TEST(forced_password_change_refuses_every_other_route)
{
	struct pf_reply r = { 0 };
	struct store_role center = { .role = "center", .type = "UK" };
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT], path[256];
	int refused = 0;

	CHECK(setup() == 0);
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/facilities/NWUK015/accounts",
			"{\"name\":\"이센터\",\"password\":\"Center2026a\","
			"\"password_confirm\":\"Center2026a\"}", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "id"), "NWUK015001");
	CHECK(json_is_true(json_object_get(r.body, "must_change_password")));
	CHECK_EQ_INT(store_account_roles_set(F.st, "NWUK015001", &center, 1, "t", 1000), 0);
	CHECK_EQ_INT(pf_session(&F, "NWUK015001", sid, csrf), 0);
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *rt = &api_routes[i];
		bool allowed = !strcmp(rt->pattern, "/api/v1/session") ||
			       !strcmp(rt->pattern, "/api/v1/session/password");

		if (rt->roles == AUTH_PUBLIC || rt->roles == AUTH_ROLE_DEVICE || allowed)
			continue;
		fill(rt->pattern, path, sizeof(path));
		pf_reply_free(&r);
		pf_call(&F, rt->method, path, sid, csrf, NULL,
			strcmp(rt->method, "GET") ? "{}" : NULL, &r);
		if (r.status != 403 || strcmp(r.code, "password_change_required") != 0)
			printf("# %s %s answered %d %s\n", rt->method, path, r.status, r.code);
		CHECK_EQ_INT(r.status, 403);
		CHECK_EQ_STR(r.code, "password_change_required");
		refused++;
	}
	printf("# %d routes refused the session\n", refused);
	CHECK(refused > 40);
	/* What it may do: read itself, change the password (not to the same), log out. */
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, csrf, NULL, NULL, &r), 200);
	CHECK(json_is_true(json_object_get(r.body, "must_change_password")));
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session/password", sid, csrf, NULL,
			     "{\"current_password\":\"Center2026a\",\"password\":\"Center2026a\","
			     "\"password_confirm\":\"Center2026a\"}", &r), 400);
	CHECK_EQ_STR(r.code, "password_reused");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session/password", sid, csrf, NULL,
			     "{\"current_password\":\"Center2026a\",\"password\":\"Mine2026pass\","
			     "\"password_confirm\":\"Mine2026pass\"}", &r), 200);
	/* The change ended the session; a new one works everywhere its roles reach. */
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, csrf, NULL, NULL, &r), 401);
	CHECK_EQ_INT(pf_session(&F, "NWUK015001", sid, csrf), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/accounts", sid, csrf, NULL,
			     NULL, &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, csrf, NULL, NULL, &r), 200);
	CHECK(json_is_false(json_object_get(r.body, "must_change_password")));
	/* A voluntary change may not keep the same password either; the session stays. */
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session/password", sid, csrf, NULL,
			     "{\"current_password\":\"Mine2026pass\",\"password\":\"Mine2026pass\","
			     "\"password_confirm\":\"Mine2026pass\"}", &r), 400);
	CHECK_EQ_STR(r.code, "password_reused");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, csrf, NULL, NULL, &r), 200);
	/* Logging out is allowed to a session under the demand too. */
	CHECK_EQ_INT(store_account_set_must_change(F.st, "NWUK015001", true), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "DELETE", "/api/v1/session", sid, csrf, NULL, NULL, &r), 200);
	pf_reply_free(&r);
}


/* The number of accounts of a list answer, and whether id is among them. */
static size_t list_has(const struct pf_reply *r, const char *id, bool *found)
{
	json_t *arr = json_object_get(r->body, "accounts"), *v;
	size_t i;

	*found = false;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "id")), id))
			*found = true;
	return json_array_size(arr);
}

TEST(coordinator_programme_roles_reach_coordinators_only)
{
	struct pf_reply r = { 0 };
	bool found;

	CHECK(setup() == 0);
	CHECK(pf_account(&F, "nwcoord", "NW", "", "approved", "coordinator") == 0);
	CHECK(pf_account(&F, "gncoord", "GN", "", "approved", "coordinator") == 0);
	/* A staff member who is also a coordinator is the center's, not the programme's. */
	CHECK(pf_account(&F, "NWUK015002", "NW", "NWUK015", "approved", "center:UK,coordinator") == 0);
	CHECK(pf_account(&F, "cocity", "", "", "approved", "coordinator_city") == 0);
	CHECK(pf_account(&F, "nwcodist", "NW", "", "approved", "coordinator_district") == 0);
	CHECK(pf_account(&F, "support01", "", "", "approved", "support_center_city") == 0);
	CHECK(pf_account(&F, "nwcode", "NW", "", "approved", "coordinator_code") == 0);
	/* A district-level programme role without a district has no scope at all. */
	CHECK(pf_account(&F, "nocodist", "", "", "approved", "coordinator_district") == 0);

	/* The seed's names. */
	CHECK_EQ_STR(accounts_role_find("coordinator_city", "")->name, "시관리자_보육반장");
	CHECK_EQ_STR(accounts_role_find("coordinator_district", NULL)->name, "구관리자_보육반장");
	CHECK_EQ_STR(accounts_role_find("support_center_city", "")->name,
		     "시관리자_육아종합지원센터");
	CHECK_EQ_STR(accounts_role_find("coordinator_code", "")->name, "보육반장코드");

	/* Lists: coordinators only, of the caller's reach, with a total. */
	CHECK_EQ_INT(as("cocity", "GET", "/api/v1/accounts", NULL, &r), 200);
	CHECK_EQ_INT((int)list_has(&r, "nwcoord", &found), 2);
	CHECK(found);
	CHECK_EQ_INT(num(&r, "total"), 2);
	list_has(&r, "NWUK015002", &found);
	CHECK(!found);
	CHECK_EQ_INT(as("support01", "GET", "/api/v1/accounts", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 2);
	CHECK_EQ_INT(as("nwcodist", "GET", "/api/v1/accounts", NULL, &r), 200);
	CHECK_EQ_INT((int)list_has(&r, "nwcoord", &found), 1);
	CHECK(found);
	CHECK_EQ_INT(as("nwcode", "GET", "/api/v1/accounts?district=NW", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 1);
	CHECK_EQ_INT(as("nwcode", "GET", "/api/v1/accounts?district=GN", NULL, &r), 403);
	CHECK_EQ_INT(as("cocity", "GET", "/api/v1/accounts?role=center", NULL, &r), 403);
	CHECK_EQ_INT(as("nocodist", "GET", "/api/v1/accounts", NULL, &r), 403);
	CHECK_EQ_STR(r.code, "forbidden");

	/* One account: a coordinator in reach, nobody else. */
	CHECK_EQ_INT(as("nwcodist", "GET", "/api/v1/accounts/nwcoord", NULL, &r), 200);
	CHECK_EQ_INT(as("nwcodist", "GET", "/api/v1/accounts/gncoord", NULL, &r), 403);
	CHECK_EQ_INT(as("nwcodist", "GET", "/api/v1/accounts/NWUK015002", NULL, &r), 403);
	CHECK_EQ_INT(as("nwcodist", "GET", "/api/v1/accounts/nwoff", NULL, &r), 403);
	CHECK_EQ_INT(as("cocity", "GET", "/api/v1/accounts/gncoord", NULL, &r), 200);
	CHECK_EQ_INT(as("support01", "GET", "/api/v1/accounts/gncoord", NULL, &r), 200);

	/* 사용여부 of coordinators: the programme's city and district officers, not the readers. */
	CHECK_EQ_INT(as("nwcodist", "POST", "/api/v1/accounts/nwcoord/enabled",
			"{\"enabled\":false}", &r), 200);
	CHECK_EQ_INT(as("nwcodist", "POST", "/api/v1/accounts/gncoord/enabled",
			"{\"enabled\":false}", &r), 403);
	CHECK_EQ_INT(as("nwcodist", "POST", "/api/v1/accounts/NWUK015002/enabled",
			"{\"enabled\":false}", &r), 403);
	CHECK_EQ_INT(as("cocity", "POST", "/api/v1/accounts/gncoord/enabled",
			"{\"enabled\":false}", &r), 200);
	CHECK_EQ_INT(as("support01", "POST", "/api/v1/accounts/nwcoord/enabled",
			"{\"enabled\":true}", &r), 403);
	CHECK_EQ_INT(as("nwcode", "POST", "/api/v1/accounts/nwcoord/enabled",
			"{\"enabled\":true}", &r), 403);
	CHECK_EQ_INT(as("cocity", "GET", "/api/v1/accounts?enabled=false", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 2);

	/* Nothing of facilities, children, bookings or roles for the programme; the support
	 * centers read open playrooms (CC) and nothing else. */
	CHECK_EQ_INT(as("cocity", "GET", "/api/v1/facilities", NULL, &r), 403);
	CHECK_EQ_INT(as("cocity", "GET", "/api/v1/children/C1", NULL, &r), 403);
	CHECK_EQ_INT(as("cocity", "PUT", "/api/v1/accounts/nwcoord/roles",
			"{\"roles\":[]}", &r), 403);
	CHECK_EQ_INT(as("support01", "GET", "/api/v1/facilities", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 1);
	CHECK_EQ_INT(as("support01", "GET", "/api/v1/facilities?type=UK", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 0);
	CHECK_EQ_INT(as("support01", "GET", "/api/v1/facilities/NWCC001", NULL, &r), 200);
	CHECK_EQ_INT(as("support01", "GET", "/api/v1/facilities/NWUK015", NULL, &r), 403);
	CHECK_EQ_INT(as("support01", "PUT", "/api/v1/facilities/NWCC001", "{\"name\":\"x\"}", &r),
		     403);

	/* Who grants them: the city (not district officers, not themselves). */
	CHECK_EQ_INT(as("nwoff", "PUT", "/api/v1/accounts/NWUK015002/roles",
			"{\"roles\":[{\"role\":\"coordinator_district\"}]}", &r), 403);
	CHECK_EQ_STR(r.code, "role_not_grantable");
	CHECK_EQ_INT(as("city01", "PUT", "/api/v1/accounts/nwoff/roles",
			"{\"roles\":[{\"role\":\"district\",\"type\":\"UK\"},"
			"{\"role\":\"coordinator_district\"}]}", &r), 200);
	CHECK_EQ_INT(as("city01", "PUT", "/api/v1/accounts/cocity/roles",
			"{\"roles\":[{\"role\":\"coordinator_district\"}]}", &r), 400);
	CHECK_EQ_STR(r.code, "role_invalid"); /* no district */
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/roles", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "roles")), (int)accounts_nroles);
	pf_reply_free(&r);
}

TEST(account_list_filters_and_pages)
{
	struct pf_reply r = { 0 };
	struct store_role center = { .role = "center", .type = "UK" };
	char body[160];
	bool found;

	CHECK(setup() == 0);
	/* 25 staff accounts at NWUK015, 3 at NWUK016, 2 at GNUK001, 1 at NWCC001. */
	for (int i = 0; i < 31; i++) {
		const char *fac = i < 25 ? "NWUK015" : i < 28 ? "NWUK016" : i < 30 ? "GNUK001"
				  : "NWCC001";

		clock_pin(1800000000000LL + i * 1000, 1000, true);
		snprintf(body, sizeof(body), "{\"name\":\"직원%02d\",\"password\":\"Center2026a\","
			 "\"password_confirm\":\"Center2026a\"}", i);
		snprintf(body + 100, 60, "/api/v1/facilities/%s/accounts", fac);
		CHECK_EQ_INT(as(i < 28 || i == 30 ? "nwoff" : "gnoff", "POST", body + 100, body,
				&r), 201);
	}
	CHECK_EQ_INT(store_account_roles_set(F.st, "NWUK015003", &center, 1, "t", 1000), 0);
	/* City: everything, newest first, 10 a page by default. */
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?page=2&per_page=10", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 34); /* 31 staff + 3 officers */
	CHECK_EQ_INT(num(&r, "pages"), 4);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "accounts")), 10);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?page=4", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "accounts")), 4);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?page=5", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "accounts")), 0);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?per_page=1", NULL, &r), 200);
	list_has(&r, "NWCC001001", &found); /* the newest */
	CHECK(found);
	/* Filters of the 담당자관리 screen. */
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?facility=NWUK016", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 3);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?district=GN", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 3); /* two staff and the officer */
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?type=CC", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 1);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?role=center:UK", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 1);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?role=district", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 2);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?q=%EC%A7%81%EC%9B%9007", NULL, &r),
		     200); /* q=직원07 */
	CHECK_EQ_INT(num(&r, "total"), 1);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?q=%25", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 0); /* % is text, not a wildcard */
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?state=approved&enabled=true&left=false",
			NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 34);
	/* A district officer: staff of the district, of their roles' types. */
	CHECK_EQ_INT(as("nwoff", "GET", "/api/v1/accounts?per_page=100", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 29);
	list_has(&r, "nwoff", &found);
	CHECK(!found);
	CHECK_EQ_INT(as("gnoff", "GET", "/api/v1/accounts?type=CC", NULL, &r), 403);
	CHECK_EQ_INT(as("gnoff", "GET", "/api/v1/accounts?district=NW", NULL, &r), 403);
	CHECK_EQ_INT(as("gnoff", "GET", "/api/v1/accounts", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 2);
	/* A facility's staff list and bad queries. */
	CHECK_EQ_INT(as("nwoff", "GET", "/api/v1/facilities/NWUK016/accounts", NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "accounts")), 3);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?per_page=101", NULL, &r), 400);
	CHECK_EQ_STR(r.code, "bad_paging");
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?page=0", NULL, &r), 400);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?enabled=maybe", NULL, &r), 400);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?role=king", NULL, &r), 400);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?facility=x'%20OR%201=1--", NULL, &r),
		     400);
	CHECK_EQ_INT(as("city01", "GET", "/api/v1/accounts?state=gone", NULL, &r), 400);
	pf_reply_free(&r);
}

TEST(staff_move_keeps_the_id_and_the_history)
{
	struct pf_reply r = { 0 };
	struct store_role center = { .role = "center", .type = "UK" };
	struct store_account a;
	json_t *h;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];

	CHECK(setup() == 0);
	for (int i = 0; i < 2; i++)
		CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/facilities/NWUK015/accounts",
				"{\"name\":\"이센터\",\"password\":\"Center2026a\","
				"\"password_confirm\":\"Center2026a\"}", &r), 201);
	CHECK_EQ_INT(store_account_roles_set(F.st, "NWUK015002", &center, 1, "t", 1000), 0);
	CHECK_EQ_INT(store_account_set_must_change(F.st, "NWUK015002", false), 0);
	CHECK_EQ_INT(pf_session(&F, "NWUK015002", sid, csrf), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1", sid, csrf, NULL, NULL, &r), 200);

	/* Refusals first: no reason, same facility, another type, out of scope. */
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"NWUK016\"}", &r), 400);
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"NWUK015\",\"reason\":\"이동\"}", &r), 409);
	CHECK_EQ_STR(r.code, "same_facility");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"NWCC001\",\"reason\":\"이동\"}", &r), 409);
	CHECK_EQ_STR(r.code, "type_mismatch");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"GNUK001\",\"reason\":\"이동\"}", &r), 403);
	CHECK_EQ_INT(as("gnoff", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"GNUK001\",\"reason\":\"이동\"}", &r), 403);
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/nwoff/facility",
			"{\"facility\":\"NWUK016\",\"reason\":\"이동\"}", &r), 409);
	CHECK_EQ_STR(r.code, "staff_only");

	/* Within the district: the id stays, the facility and the scope follow. */
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"NWUK016\",\"reason\":\"인력 재배치\"}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "facility"), "NWUK016");
	CHECK_EQ_INT(store_account_get(F.st, "NWUK015002", &a), 0);
	CHECK_EQ_STR(a.facility, "NWUK016");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1", sid, csrf, NULL, NULL, &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK016/accounts", sid, csrf, NULL,
			     NULL, &r), 200);
	/* The number stays taken at the old facility: the next staff there is 003. */
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/facilities/NWUK015/accounts",
			"{\"name\":\"새직원\",\"password\":\"Center2026a\","
			"\"password_confirm\":\"Center2026a\"}", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "id"), "NWUK015003");
	CHECK_EQ_INT(as("nwoff", "GET", "/api/v1/accounts?facility=NWUK016", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 1);

	/* Across districts: the city only; the district follows the facility. */
	CHECK_EQ_INT(as("city01", "POST", "/api/v1/accounts/NWUK015002/facility",
			"{\"facility\":\"GNUK001\",\"reason\":\"전보\"}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "district"), "GN");
	CHECK_EQ_INT(as("nwoff", "GET", "/api/v1/accounts/NWUK015002", NULL, &r), 403);
	CHECK_EQ_INT(as("gnoff", "GET", "/api/v1/accounts/NWUK015002", NULL, &r), 200);
	h = json_object_get(r.body, "facility_history");
	CHECK_EQ_INT((int)json_array_size(h), 2);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(h, 0), "from")), "NWUK015");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(h, 0), "to")), "NWUK016");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(h, 0), "actor")), "nwoff");
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(h, 1), "reason")), "전보");
	/* Audited with both ends. */
	{
		struct store_audit_filter f = { .limit = 10,
						.action = "POST /api/v1/accounts/{id}/facility" };
		struct store_audit *v = NULL;
		size_t n = 0;
		int ok = 0;

		CHECK_EQ_INT(store_audit_list(F.st, &f, &v, &n), 0);
		for (size_t i = 0; i < n; i++)
			ok += v[i].status == 200 &&
			      !strcmp(v[i].target, "NWUK015002 NWUK016->GNUK001");
		free(v);
		CHECK_EQ_INT(ok, 1);
	}
	pf_reply_free(&r);
}

TEST(staff_who_leave_are_deactivated)
{
	struct pf_reply r = { 0 };
	struct store_role center = { .role = "center", .type = "UK" };
	struct store_role *roles = NULL;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];
	size_t n = 9;

	CHECK(setup() == 0);
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/facilities/NWUK015/accounts",
			"{\"name\":\"이센터\",\"password\":\"Center2026a\","
			"\"password_confirm\":\"Center2026a\"}", &r), 201);
	CHECK_EQ_INT(store_account_roles_set(F.st, "NWUK015001", &center, 1, "t", 1000), 0);
	CHECK_EQ_INT(store_account_set_must_change(F.st, "NWUK015001", false), 0);
	CHECK_EQ_INT(pf_session(&F, "NWUK015001", sid, csrf), 0);

	CHECK_EQ_INT(as("gnoff", "POST", "/api/v1/accounts/NWUK015001/leave",
			"{\"reason\":\"퇴사\"}", &r), 403);
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015001/leave", "{}", &r), 400);
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015001/leave",
			"{\"reason\":\"2026-11-30 퇴사\"}", &r), 200);
	/* Sessions end, roles go, login is refused, the id is never issued again. */
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, csrf, NULL, NULL, &r), 401);
	CHECK_EQ_INT(store_account_roles(F.st, "NWUK015001", &roles, &n), 0);
	free(roles);
	CHECK_EQ_INT((int)n, 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session", NULL, NULL, NULL,
			     "{\"id\":\"NWUK015001\",\"password\":\"Center2026a\"}", &r), 403);
	CHECK_EQ_STR(r.code, "account_disabled");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015001/leave",
			"{\"reason\":\"다시\"}", &r), 409);
	CHECK_EQ_STR(r.code, "account_left");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015001/enabled",
			"{\"enabled\":true}", &r), 409);
	CHECK_EQ_STR(r.code, "account_left");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/NWUK015001/facility",
			"{\"facility\":\"NWUK016\",\"reason\":\"이동\"}", &r), 409);
	CHECK_EQ_INT(as("nwoff", "GET", "/api/v1/accounts?left=true", NULL, &r), 200);
	CHECK_EQ_INT(num(&r, "total"), 1);
	CHECK_EQ_INT(as("nwoff", "GET", "/api/v1/accounts/NWUK015001", NULL, &r), 200);
	CHECK(json_is_true(json_object_get(r.body, "left")));
	CHECK(json_is_false(json_object_get(r.body, "enabled")));
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(
		json_object_get(r.body, "facility_history"), 0), "to")), "");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/facilities/NWUK015/accounts",
			"{\"name\":\"후임\",\"password\":\"Center2026a\","
			"\"password_confirm\":\"Center2026a\"}", &r), 201);
	CHECK_EQ_STR(pf_str(&r, "id"), "NWUK015002");
	CHECK_EQ_INT(as("nwoff", "POST", "/api/v1/accounts/nwoff/leave", "{\"reason\":\"x\"}",
			&r), 409);
	pf_reply_free(&r);
}

/* Asks for a phone code and returns it from the outbox ("" when none). */
static const char *phone_code(const char *phone)
{
	static char code[8];
	struct store_outbox_msg *m = NULL;
	struct pf_reply r = { 0 };
	char req[64];
	json_t *p;
	size_t n = 0;

	code[0] = '\0';
	snprintf(req, sizeof(req), "{\"phone\":\"%s\"}", phone);
	if (as(NULL, "POST", "/api/v1/phone-verification", req, &r) == 202 &&
	    store_outbox_list(F.st, 0, &m, &n) == 0 && n > 0 &&
	    !strcmp(m[n - 1].template_code, "phone_verify") &&
	    (p = json_loads(m[n - 1].params, 0, NULL)) != NULL) {
		snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(p, "code")));
		json_decref(p);
	}
	store_outbox_free(m, n);
	pf_reply_free(&r);
	return code;
}

TEST(parent_signup_verifies_the_phone)
{
	struct pf_reply r = { 0 };
	char body[320], code[8];
#define fmt "{\"id\":\"mom01\",\"password\":\"Mother12345\",\"password_confirm\":"          \
	"\"Mother12345\",\"name\":\"최엄마\",\"phone\":\"010-9876-5432\"%s%s%s}"

	CHECK(setup() == 0);
	snprintf(body, sizeof(body), fmt, "", "", "");
	CHECK_EQ_INT(as(NULL, "POST", "/api/v1/signup/parent", body, &r), 400);
	CHECK_EQ_STR(r.code, "field_missing");
	snprintf(body, sizeof(body), fmt, ",\"phone_code\":\"", "123456", "\"");
	CHECK_EQ_INT(as(NULL, "POST", "/api/v1/signup/parent", body, &r), 400);
	CHECK_EQ_STR(r.code, "phone_code_invalid"); /* none was sent */
	snprintf(code, sizeof(code), "%s", phone_code("01098765432"));
	CHECK_EQ_INT((int)strlen(code), 6);
	/* A code for another phone does not do. */
	CHECK_EQ_INT((int)strlen(phone_code("01011112222")), 6);
	{
		char wrong[8];

		snprintf(wrong, sizeof(wrong), "%s", code);
		wrong[5] = wrong[5] == '9' ? '0' : (char)(wrong[5] + 1);
		snprintf(body, sizeof(body), fmt, ",\"phone_code\":\"", wrong, "\"");
		CHECK_EQ_INT(as(NULL, "POST", "/api/v1/signup/parent", body, &r), 400);
		CHECK_EQ_STR(r.code, "phone_code_invalid");
	}
	snprintf(body, sizeof(body), fmt, ",\"phone_code\":\"", code, "\"");
	CHECK_EQ_INT(as(NULL, "POST", "/api/v1/signup/parent", body, &r), 201);
	/* Used once: the same code cannot make a second account. */
	snprintf(body, sizeof(body), "{\"id\":\"mom02\",\"password\":\"Mother12345\","
		 "\"password_confirm\":\"Mother12345\",\"name\":\"최엄마\",\"phone\":"
		 "\"010-9876-5432\",\"phone_code\":\"%s\"}", code);
	CHECK_EQ_INT(as(NULL, "POST", "/api/v1/signup/parent", body, &r), 400);
	CHECK_EQ_STR(r.code, "phone_code_invalid");
	/* A parent chose the password: no forced change. */
	CHECK_EQ_INT(as(NULL, "POST", "/api/v1/session",
			"{\"id\":\"mom01\",\"password\":\"Mother12345\"}", &r), 200);
	CHECK(json_is_false(json_object_get(r.body, "must_change_password")));
	pf_reply_free(&r);
#undef fmt
}

int main(void)
{
	(void)pf_facility; /* the fixture's bare facilities: these tests use full records */
	RUN(care_route_sets_kind_and_sick_places_but_never_capacity);
	RUN(forced_password_change_refuses_every_other_route);
	RUN(coordinator_programme_roles_reach_coordinators_only);
	RUN(account_list_filters_and_pages);
	RUN(staff_move_keeps_the_id_and_the_history);
	RUN(staff_who_leave_are_deactivated);
	RUN(parent_signup_verifies_the_phone);
	return harness_done();
}
