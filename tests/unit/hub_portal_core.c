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
	/* Logging out is allowed to a session under the demand too. */
	CHECK_EQ_INT(store_account_set_must_change(F.st, "NWUK015001", true), 0);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "DELETE", "/api/v1/session", sid, csrf, NULL, NULL, &r), 200);
	pf_reply_free(&r);
}

int main(void)
{
	(void)pf_facility; /* the fixture's bare facilities: these tests use full records */
	RUN(care_route_sets_kind_and_sick_places_but_never_capacity);
	RUN(forced_password_change_refuses_every_other_route);
	return harness_done();
}
