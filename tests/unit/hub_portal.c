/*
 * Portal flows in process (api_handle with real sessions, store in a temp dir): district
 * sign-up -> approval -> login, CSRF, lockout and unlock, password reset through the
 * outbox, staff ids by the rule, roles one by one and in bulk, scope refusals, guardian
 * links, the audit log, field validation and SQL metacharacters.
 */
#include "common/clock.h"
#include "hub/api/portal.h"
#include "hub/domain/accounts.h"
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include <errno.h>

static struct pf F;

static void fixture_close(void *arg)
{
	(void)arg;
	pf_close(&F);
}

/* A fresh hub with two districts' facilities, a city officer and a child. */
static int setup(void)
{
	clock_pin(1800000000000LL, 1000, true);
	if (pf_open(&F) < 0)
		return -1;
	harness_defer(fixture_close, NULL);
	api_portal_throttle_reset();
	if (pf_facility(&F, "NWUK015", "NW", "UK") < 0 || pf_facility(&F, "GNUK001", "GN", "UK") < 0)
		return -1;
	if (pf_account(&F, "city01", "", "", "approved", "city:UK") < 0)
		return -1;
	if (store_child_add(F.st, "C1", "김민수", "NWUK015", 1000) < 0)
		return -1;
	return 0;
}

static const char district_signup[] =
	"{\"id\":\"nwofficer\",\"password\":\"Abcdef1234\",\"password_confirm\":\"Abcdef1234\","
	"\"name\":\"박담당\",\"duty\":\"UK\",\"district\":\"NW\",\"phone\":\"010-1234-5678\","
	"\"office_phone\":\"02-2116-1234\",\"email\":\"nw@example.kr\",\"phone_code\":\"000000\"}";

static int login(const char *id, const char *pw, char *sid, char *csrf, struct pf_reply *r)
{
	char body[256];
	const char *c;

	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"password\":\"%s\"}", id, pw);
	pf_call(&F, "POST", "/api/v1/session", NULL, NULL, NULL, body, r);
	if (r->status == 200 && sid) {
		c = strstr(r->extra, SESSION_COOKIE "=");
		snprintf(sid, SESSION_ID_TEXT, "%s", c ? c + strlen(SESSION_COOKIE "=") : "");
		snprintf(csrf, SESSION_CSRF_TEXT, "%s", pf_str(r, "csrf_token"));
	}
	return r->status;
}

/* Asks for a phone code and reads it from the outbox; the sign-up body with it. */
static char *signup_with_code(const char *phone, bool wrong)
{
	struct store_outbox_msg *m = NULL;
	struct pf_reply r;
	json_t *b, *p = NULL;
	char req[64], *out = NULL;
	size_t n = 0;

	snprintf(req, sizeof(req), "{\"phone\":\"%s\"}", phone);
	if (pf_call(&F, "POST", "/api/v1/phone-verification", NULL, NULL, NULL, req, &r) != 202 ||
	    store_outbox_list(F.st, 0, &m, &n) < 0 || n == 0) {
		pf_reply_free(&r);
		store_outbox_free(m, n);
		return NULL;
	}
	pf_reply_free(&r);
	p = json_loads(m[n - 1].params, 0, NULL);
	b = json_loads(district_signup, 0, NULL);
	if (p && b && !strcmp(m[n - 1].template_code, "phone_verify")) {
		const char *code = json_string_value(json_object_get(p, "code"));
		char c[8];

		snprintf(c, sizeof(c), "%s", code ? code : "");
		if (wrong)
			c[0] = c[0] == '9' ? '0' : (char)(c[0] + 1);
		json_object_set_new(b, "phone_code", json_string(c));
		out = json_dumps(b, JSON_COMPACT);
	}
	json_decref(p);
	json_decref(b);
	store_outbox_free(m, n);
	return out;
}

/* A parent's sign-up body with a fresh phone code for phone (digits), read from the outbox. */
static const char *parent_signup(const char *id, const char *pw, const char *name,
				 const char *phone)
{
	static char body[512];
	struct store_outbox_msg *m = NULL;
	struct pf_reply r;
	json_t *p = NULL;
	char req[64];
	size_t n = 0;

	snprintf(req, sizeof(req), "{\"phone\":\"%s\"}", phone);
	body[0] = '\0';
	if (pf_call(&F, "POST", "/api/v1/phone-verification", NULL, NULL, NULL, req, &r) == 202 &&
	    store_outbox_list(F.st, 0, &m, &n) == 0 && n > 0 &&
	    (p = json_loads(m[n - 1].params, 0, NULL)) != NULL)
		snprintf(body, sizeof(body), "{\"id\":\"%s\",\"password\":\"%s\","
			 "\"password_confirm\":\"%s\",\"name\":\"%s\",\"phone\":\"%s\","
			 "\"phone_code\":\"%s\"}", id, pw, pw, name, phone,
			 json_string_value(json_object_get(p, "code")));
	json_decref(p);
	store_outbox_free(m, n);
	pf_reply_free(&r);
	return body;
}

TEST(signup_approval_login)
{
	struct pf_reply r;
	char *body;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT], csid[SESSION_ID_TEXT],
		ccsrf[SESSION_CSRF_TEXT];

	CHECK(setup() == 0);
	/* 휴대폰 인증: a wrong code is refused, the right one admits the sign-up once. */
	body = signup_with_code("010-1234-5678", true);
	CHECK(body != NULL);
	pf_call(&F, "POST", "/api/v1/signup/district", NULL, NULL, NULL, body, &r);
	free(body);
	CHECK_EQ_INT(r.status, 400);
	CHECK_EQ_STR(r.code, "phone_code_invalid");
	pf_reply_free(&r);
	body = signup_with_code("010-1234-5678", false);
	CHECK(body != NULL);
	pf_call(&F, "POST", "/api/v1/signup/district", NULL, NULL, NULL, body, &r);
	CHECK_EQ_INT(r.status, 201);
	CHECK_EQ_STR(pf_str(&r, "state"), "pending");
	CHECK_EQ_STR(pf_str(&r, "state_name"), "승인대기");
	pf_reply_free(&r);
	pf_call(&F, "POST", "/api/v1/signup/district", NULL, NULL, NULL, body, &r);
	free(body);
	CHECK_EQ_INT(r.status, 400);
	CHECK_EQ_STR(r.code, "phone_code_invalid");
	pf_reply_free(&r);
	body = signup_with_code("010-1234-5678", false);
	CHECK(body != NULL);
	pf_call(&F, "POST", "/api/v1/signup/district", NULL, NULL, NULL, body, &r);
	free(body);
	CHECK_EQ_INT(r.status, 409);
	CHECK_EQ_STR(r.code, "id_taken");
	pf_reply_free(&r);
	CHECK_EQ_INT(login("nwofficer", "Abcdef1234", NULL, NULL, &r), 403);
	CHECK_EQ_STR(r.code, "account_not_approved");
	pf_reply_free(&r);

	CHECK(pf_session(&F, "city01", csid, ccsrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/accounts?state=pending", csid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "accounts")), 1);
	pf_reply_free(&r);
	/* Hold needs a reason; then approve. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/nwofficer/approval", csid, ccsrf, NULL,
			     "{\"state\":\"hold\"}", &r), 400);
	CHECK_EQ_STR(r.code, "reason_invalid");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/nwofficer/approval", csid, ccsrf, NULL,
			     "{\"state\":\"hold\",\"reason\":\"재직 확인 필요\"}", &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/nwofficer/approval", csid, ccsrf, NULL,
			     "{\"state\":\"approved\"}", &r), 200);
	CHECK_EQ_STR(pf_str(&r, "state_name"), "승인완료");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/accounts/nwofficer/approvals", csid, NULL, NULL,
			     NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "history")), 3);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(
			     json_object_get(r.body, "history"), 1), "reason")), "재직 확인 필요");
	pf_reply_free(&r);

	CHECK_EQ_INT(login("nwofficer", "Abcdef1234", sid, csrf, &r), 200);
	CHECK(strstr(r.extra, "HttpOnly; Secure; SameSite=Strict; Path=/") != NULL);
	CHECK_EQ_INT((int)strlen(sid), SESSION_ID_TEXT - 1);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(
			     json_object_get(r.body, "roles"), 0), "name")), "구관리자_우리동네키움센터");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_STR(pf_str(&r, "district"), "NW");
	pf_reply_free(&r);

	/* Staff ids by the rule, in the own district only; CSRF required. */
	static const char staff[] = "{\"name\":\"이센터\",\"password\":\"Center12345\","
				    "\"password_confirm\":\"Center12345\"}";
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK015/accounts", sid, NULL, NULL,
			     staff, &r), 403);
	CHECK_EQ_STR(r.code, "csrf_failed");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK015/accounts", sid, "wrong",
			     NULL, staff, &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK015/accounts", sid, csrf, NULL,
			     staff, &r), 201);
	CHECK_EQ_STR(pf_str(&r, "id"), "NWUK015001");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/NWUK015/accounts", sid, csrf, NULL,
			     staff, &r), 201);
	CHECK_EQ_STR(pf_str(&r, "id"), "NWUK015002");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/facilities/GNUK001/accounts", sid, csrf, NULL,
			     staff, &r), 403);
	CHECK_EQ_STR(r.code, "out_of_scope");
	pf_reply_free(&r);

	/* Roles: one by one, in bulk; a district officer may not grant city roles. */
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/accounts/NWUK015001/roles", sid, csrf, NULL,
			     "{\"roles\":[{\"role\":\"center\",\"type\":\"UK\"}]}", &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/accounts/NWUK015001/roles", sid, csrf, NULL,
			     "{\"roles\":[{\"role\":\"city\",\"type\":\"UK\"}]}", &r), 403);
	CHECK_EQ_STR(r.code, "role_not_grantable");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "PUT", "/api/v1/accounts/NWUK015001/roles", sid, csrf, NULL,
			     "{\"roles\":[{\"role\":\"center\",\"type\":\"GI\"}]}", &r), 400);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/roles/bulk", sid, csrf, NULL,
			     "{\"role\":{\"role\":\"coordinator\"},\"accounts\":[\"NWUK015001\","
			     "\"NWUK015002\"]}", &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/accounts/NWUK015002", sid, NULL, NULL, NULL, &r),
		     200);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(
			     json_object_get(r.body, "roles"), 0), "name")), "보육반장");
	pf_reply_free(&r);

	/* 사용여부: a disabled staff account is refused at once, also its open session. */
	{
		char ssid[SESSION_ID_TEXT], scsrf[SESSION_CSRF_TEXT];

		CHECK_EQ_INT(login("NWUK015002", "Center12345", ssid, scsrf, &r), 200);
		pf_reply_free(&r);
		CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/NWUK015002/enabled", sid, csrf,
				     NULL, "{\"enabled\":false}", &r), 200);
		pf_reply_free(&r);
		CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", ssid, NULL, NULL, NULL, &r), 401);
		pf_reply_free(&r);
		CHECK_EQ_INT(login("NWUK015002", "Center12345", NULL, NULL, &r), 403);
		CHECK_EQ_STR(r.code, "account_disabled");
		pf_reply_free(&r);
		CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/nwofficer/enabled", sid, csrf,
				     NULL, "{\"enabled\":false}", &r), 409);
		CHECK_EQ_STR(r.code, "own_account");
		pf_reply_free(&r);
		CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/accounts/NWUK015002/history", sid, NULL,
				     NULL, NULL, &r), 200);
		CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "logins")), 2);
		CHECK(json_array_size(json_object_get(r.body, "changes")) >= 2);
		pf_reply_free(&r);
	}

	/* Logout ends the session. */
	CHECK_EQ_INT(pf_call(&F, "DELETE", "/api/v1/session", sid, csrf, NULL, NULL, &r), 200);
	CHECK(strstr(r.extra, "Max-Age=0") != NULL);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 401);
	pf_reply_free(&r);
}

TEST(lockout_unlock_and_reset)
{
	struct pf_reply r;
	struct store_outbox_msg *m = NULL;
	char csid[SESSION_ID_TEXT], ccsrf[SESSION_CSRF_TEXT], body[256];
	json_t *p;
	size_t n = 0;
	int64_t after;

	CHECK(setup() == 0);
	CHECK(pf_account(&F, "NWUK015001", "NW", "NWUK015", "approved", "center:UK") == 0);
	{
		struct store_account a;

		CHECK(store_account_get(F.st, "NWUK015001", &a) == 0);
	}
	/* The phone for the reset flow. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/signup/parent", NULL, NULL, NULL,
			     parent_signup("mom01", "Mother12345", "최엄마", "01098765432"), &r),
		     201);
	pf_reply_free(&r);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(login("mom01", "Wrongpass99", NULL, NULL, &r), 401);
		CHECK_EQ_STR(r.code, "login_failed");
		pf_reply_free(&r);
	}
	CHECK_EQ_INT(login("mom01", "Mother12345", NULL, NULL, &r), 200);
	pf_reply_free(&r);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ_INT(login("mom01", "Wrongpass99", NULL, NULL, &r), 401);
		pf_reply_free(&r);
	}
	/* Locked: the right password is refused with the same answer as an unknown id. */
	CHECK_EQ_INT(login("mom01", "Mother12345", NULL, NULL, &r), 401);
	CHECK_EQ_STR(r.code, "login_failed");
	pf_reply_free(&r);
	CHECK_EQ_INT(login("nobody99", "Mother12345", NULL, NULL, &r), 401);
	CHECK_EQ_STR(r.code, "login_failed");
	pf_reply_free(&r);

	/* City unlocks. */
	CHECK(pf_session(&F, "city01", csid, ccsrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/mom01/unlock", csid, ccsrf, NULL, "{}",
			     &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(login("mom01", "Mother12345", NULL, NULL, &r), 200);
	pf_reply_free(&r);
	for (int i = 0; i < 5; i++) {
		login("mom01", "Wrongpass99", NULL, NULL, &r);
		pf_reply_free(&r);
	}
	/* Reset: wrong phone and unknown id answer alike and send nothing (after the sign-up's
	 * phone code). */
	CHECK(store_outbox_list(F.st, 0, &m, &n) == 0);
	CHECK(n > 0);
	after = n ? m[n - 1].id : 0;
	store_outbox_free(m, n);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/password-reset", NULL, NULL, NULL,
			     "{\"id\":\"mom01\",\"phone\":\"010-0000-0000\"}", &r), 202);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/password-reset", NULL, NULL, NULL,
			     "{\"id\":\"ghost1\",\"phone\":\"010-9876-5432\"}", &r), 202);
	pf_reply_free(&r);
	CHECK(store_outbox_list(F.st, after, &m, &n) == 0);
	store_outbox_free(m, n);
	CHECK_EQ_INT((int)n, 0);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/password-reset", NULL, NULL, NULL,
			     "{\"id\":\"mom01\",\"phone\":\"010-9876-5432\"}", &r), 202);
	pf_reply_free(&r);
	CHECK(store_outbox_list(F.st, after, &m, &n) == 0);
	CHECK_EQ_INT((int)n, 1);
	CHECK_EQ_STR(m[0].template_code, "password_reset");
	CHECK_EQ_STR(m[0].recipient, "01098765432");
	p = json_loads(m[0].params, 0, NULL);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"Newpass12345\","
		 "\"password_confirm\":\"Newpass12345\"}",
		 json_string_value(json_object_get(p, "token")));
	json_decref(p);
	store_outbox_free(m, n);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/password-reset/confirm", NULL, NULL, NULL, body,
			     &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/password-reset/confirm", NULL, NULL, NULL, body,
			     &r), 400);
	CHECK_EQ_STR(r.code, "token_invalid");
	pf_reply_free(&r);
	CHECK_EQ_INT(login("mom01", "Newpass12345", NULL, NULL, &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(login("mom01", "Mother12345", NULL, NULL, &r), 401);
	pf_reply_free(&r);

	/* Id lookup sends the id to the phone. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/id-lookup", NULL, NULL, NULL,
			     "{\"name\":\"최엄마\",\"phone\":\"010-9876-5432\"}", &r), 202);
	pf_reply_free(&r);
	CHECK(store_outbox_list(F.st, after + 1, &m, &n) == 0);
	CHECK_EQ_INT((int)n, 1);
	CHECK(strstr(m[0].params, "mom01") != NULL);
	store_outbox_free(m, n);
}

TEST(session_expiry)
{
	struct pf_reply r;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];

	CHECK(setup() == 0);
	CHECK(pf_session(&F, "city01", sid, csrf) == 0);
	clock_advance(SESSION_IDLE_MS - 1000);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 200);
	pf_reply_free(&r);
	clock_advance(SESSION_IDLE_MS - 1000);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 200);
	pf_reply_free(&r);
	clock_advance(SESSION_IDLE_MS);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 401);
	pf_reply_free(&r);
	/* Absolute expiry even when active. */
	CHECK(pf_session(&F, "city01", sid, csrf) == 0);
	for (int64_t t = 0; t < SESSION_ABSOLUTE_MS; t += SESSION_IDLE_MS / 2) {
		clock_advance(SESSION_IDLE_MS / 2);
		pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r);
		pf_reply_free(&r);
	}
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 401);
	pf_reply_free(&r);
}

TEST(field_validation_and_sql_metacharacters)
{
	static const struct {
		const char *field, *value, *code;
	} cases[] = {
		{ "id", "ab", "id_invalid" },
		{ "id", "x'; DROP TABLE accounts;--", "id_invalid" },
		{ "id", "NWUK015002", "id_invalid" },
		{ "password", "short1", "password_length" },
		{ "password", "onlyletters", "password_mix" },
		{ "password", "1234567890", "password_mix" },
		{ "password", "비밀1234abcd", "password_chars" },
		{ "phone", "12345", "phone_invalid" },
		{ "email", "no-at-sign", "email_invalid" },
		{ "district", "XX", "district_invalid" },
		{ "duty", "ZZ", "duty_invalid" },
		{ "name", "", "field_missing" },
		{ "office_phone", "02-12", "phone_invalid" },
	};
	struct pf_reply r;
	json_t *base;

	CHECK(setup() == 0);
	base = json_loads(district_signup, 0, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *b = json_deep_copy(base);
		char *txt;

		json_object_set_new(b, cases[i].field, json_string(cases[i].value));
		if (!strcmp(cases[i].field, "password"))
			json_object_set_new(b, "password_confirm", json_string(cases[i].value));
		txt = json_dumps(b, 0);
		pf_call(&F, "POST", "/api/v1/signup/district", NULL, NULL, NULL, txt, &r);
		free(txt);
		json_decref(b);
		if (r.status != 400 || strcmp(r.code, cases[i].code) != 0) {
			json_decref(base);
			pf_reply_free(&r);
			CHECK_EQ_STR(cases[i].field, r.code);
		}
		pf_reply_free(&r);
	}
	json_decref(base);
	/* Mismatched confirmation, a non-string field, bad JSON. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/signup/parent", NULL, NULL, NULL,
			     "{\"id\":\"dad01\",\"password\":\"Abcdef1234\",\"password_confirm\":"
			     "\"Abcdef12345\",\"name\":\"김\",\"phone\":\"01011112222\"}", &r), 400);
	CHECK_EQ_STR(r.code, "password_mismatch");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/signup/parent", NULL, NULL, NULL,
			     "{\"id\":42}", &r), 400);
	CHECK_EQ_STR(r.code, "field_invalid");
	pf_reply_free(&r);
	/* SQL metacharacters in a name are stored as text, and the phone is unique. */
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/signup/parent", NULL, NULL, NULL,
			     parent_signup("dad01", "Abcdef1234", "Robert'); DROP TABLE accounts;--",
					   "01011112222"), &r), 201);
	pf_reply_free(&r);
	{
		struct store_account a;

		CHECK(store_account_get(F.st, "dad01", &a) == 0);
		CHECK_EQ_STR(a.name, "Robert'); DROP TABLE accounts;--");
	}
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/signup/parent", NULL, NULL, NULL,
			     parent_signup("dad02", "Abcdef1234", "김", "010-1111-2222"), &r), 409);
	CHECK_EQ_STR(r.code, "phone_taken");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/accounts/x'%20OR%201=1--", NULL, NULL, NULL, NULL,
			     &r), 401);
	pf_reply_free(&r);
}

TEST(guardian_links_child_scope_and_audit)
{
	struct pf_reply r;
	char psid[SESSION_ID_TEXT], pcsrf[SESSION_CSRF_TEXT], ssid[SESSION_ID_TEXT],
		scsrf[SESSION_CSRF_TEXT], csid[SESSION_ID_TEXT], ccsrf[SESSION_CSRF_TEXT];
	struct store_audit_filter f = { .limit = 50 };
	struct store_audit *v = NULL;
	size_t n = 0;
	bool read_logged = false, confirm_logged = false;

	CHECK(setup() == 0);
	CHECK(pf_account(&F, "mom01", "", "", "approved", "parent") == 0);
	CHECK(pf_account(&F, "NWUK015001", "NW", "NWUK015", "approved", "center:UK") == 0);
	CHECK(pf_account(&F, "GNUK001001", "GN", "GNUK001", "approved", "center:UK") == 0);
	CHECK(pf_session(&F, "mom01", psid, pcsrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1", psid, NULL, NULL, NULL, &r), 403);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/children/C1/guardians", psid, pcsrf, NULL, "{}",
			     &r), 202);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1", psid, NULL, NULL, NULL, &r), 403);
	pf_reply_free(&r);
	/* Another district's center may not confirm; the child's center does. */
	CHECK(pf_session(&F, "GNUK001001", ssid, scsrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/children/C1/guardians/mom01/confirm", ssid,
			     scsrf, NULL, "{}", &r), 403);
	pf_reply_free(&r);
	CHECK(pf_session(&F, "NWUK015001", ssid, scsrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1/guardians", ssid, NULL, NULL, NULL,
			     &r), 200);
	CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(
			     json_object_get(r.body, "guardians"), 0), "state")), "requested");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/children/C1/guardians/mom01/confirm", ssid,
			     scsrf, NULL, "{}", &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/children/C1", psid, NULL, NULL, NULL, &r), 200);
	CHECK_EQ_STR(pf_str(&r, "name"), "김민수");
	pf_reply_free(&r);

	/* The audit log has the read and the confirmation, for city admins only. */
	CHECK(store_audit_list(F.st, &f, &v, &n) == 0);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].action, "child.read") && !strcmp(v[i].actor, "mom01") &&
		    !strcmp(v[i].target, "C1") && !strcmp(v[i].remote, "127.0.0.1"))
			read_logged = true;
		if (strstr(v[i].action, "/confirm") && !strcmp(v[i].actor, "NWUK015001") &&
		    v[i].status == 200)
			confirm_logged = true;
	}
	free(v);
	CHECK(read_logged);
	CHECK(confirm_logged);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/audit", ssid, NULL, NULL, NULL, &r), 403);
	pf_reply_free(&r);
	CHECK(pf_session(&F, "city01", csid, ccsrf) == 0);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/audit?action=child.read&limit=1", csid, NULL,
			     NULL, NULL, &r), 200);
	CHECK_EQ_INT((int)json_array_size(json_object_get(r.body, "entries")), 1);
	CHECK(json_is_integer(json_object_get(r.body, "next_before")));
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/audit?limit=9999", csid, NULL, NULL, NULL, &r),
		     400);
	pf_reply_free(&r);
}

TEST(attendance_reads_are_audited)
{
	struct store_audit_filter f = { .limit = 10, .action = "child.read" };
	struct store_audit *v = NULL;
	char tok[STORE_TOKEN_MAX], authz[STORE_TOKEN_MAX + 16];
	struct pf_reply r;
	int64_t tid;
	size_t n = 0;

	CHECK(setup() == 0);
	CHECK(store_token_create(F.st, "admin", "test", 1000, &tid, tok, sizeof(tok)) == 0);
	snprintf(authz, sizeof(authz), "Bearer %s", tok);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/attendance?date=2027-01-15",
			     NULL, NULL, authz, NULL, &r), 200);
	pf_reply_free(&r);
	CHECK(store_audit_list(F.st, &f, &v, &n) == 0);
	{
		bool ok = n == 1 && !strcmp(v[0].target, "NWUK015") &&
			  !strncmp(v[0].actor, "token:", 6);

		free(v);
		CHECK_EQ_INT((int)n, 1);
		CHECK(ok);
	}
}

TEST(failed_logins_and_public_requests_are_throttled_per_address)
{
	struct pf_reply r;
	int i;

	CHECK(setup() == 0);
	/* Spraying one password over many ids: no account locks, the address does. */
	for (i = 0; i < 40; i++) {
		char id[16];

		snprintf(id, sizeof(id), "user%03d", i);
		CHECK_EQ_INT(login(id, "Spray2026pw", NULL, NULL, &r), 401);
		pf_reply_free(&r);
	}
	CHECK_EQ_INT(login("city01", "Passw0rd1234", NULL, NULL, &r), 429);
	CHECK_EQ_STR(r.code, "too_many_attempts");
	CHECK(strstr(r.extra, "Retry-After: ") != NULL);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/password-reset", NULL, NULL, NULL,
			     "{\"id\":\"city01\",\"phone\":\"010-1111-2222\"}", &r), 429);
	pf_reply_free(&r);
	clock_advance(10 * 60 * 1000);
	CHECK_EQ_INT(login("city01", "Passw0rd1234", NULL, NULL, &r), 200);
	pf_reply_free(&r);
}

TEST(audit_keeps_failed_logins_not_anonymous_knocks)
{
	struct store_audit_filter f = { .limit = 50 };
	struct store_audit *v = NULL;
	struct pf_reply r;
	size_t n = 0;
	bool login_row = false, knock_row = false;

	CHECK(setup() == 0);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/accounts/city01/approval", NULL, NULL, NULL,
			     "{\"state\":\"hold\"}", &r), 401);
	pf_reply_free(&r);
	CHECK_EQ_INT(login("city01", "Wrong2026pw", NULL, NULL, &r), 401);
	pf_reply_free(&r);
	CHECK(store_audit_list(F.st, &f, &v, &n) == 0);
	for (size_t i = 0; i < n; i++) {
		login_row |= !strcmp(v[i].action, "POST /api/v1/session") &&
			     !strcmp(v[i].target, "city01") && v[i].status == 401;
		knock_row |= strstr(v[i].action, "approval") != NULL;
	}
	free(v);
	CHECK(login_row);
	CHECK(!knock_row);
}

TEST(own_password_change)
{
	struct pf_reply r;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];

	CHECK(setup() == 0);
	CHECK(pf_account(&F, "NWUK015001", "NW", "NWUK015", "approved", "center:UK") == 0);
	CHECK_EQ_INT(login("NWUK015001", "Passw0rd1234", sid, csrf, &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session/password", sid, csrf, NULL,
			     "{\"current_password\":\"Nope12345678\",\"password\":\"Fresh2026pw\","
			     "\"password_confirm\":\"Fresh2026pw\"}", &r), 401);
	CHECK_EQ_STR(r.code, "login_failed");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session/password", sid, csrf, NULL,
			     "{\"current_password\":\"Passw0rd1234\",\"password\":\"short\","
			     "\"password_confirm\":\"short\"}", &r), 400);
	CHECK_EQ_STR(r.code, "password_length");
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "POST", "/api/v1/session/password", sid, csrf, NULL,
			     "{\"current_password\":\"Passw0rd1234\",\"password\":\"Fresh2026pw\","
			     "\"password_confirm\":\"Fresh2026pw\"}", &r), 200);
	pf_reply_free(&r);
	CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r), 401);
	pf_reply_free(&r);
	CHECK_EQ_INT(login("NWUK015001", "Passw0rd1234", NULL, NULL, &r), 401);
	pf_reply_free(&r);
	CHECK_EQ_INT(login("NWUK015001", "Fresh2026pw", NULL, NULL, &r), 200);
	pf_reply_free(&r);
}

TEST(role_table_has_the_seed_names)
{
	CHECK_EQ_STR(accounts_role_find("city", "UK")->name, "시관리자_우리동네키움센터");
	CHECK_EQ_STR(accounts_role_find("center", "GI")->name, "센터관리자_지역아동센터");
	CHECK_EQ_STR(accounts_role_find("developer", NULL)->name, "개발자권한");
	CHECK(accounts_role_find("city", "ZZ") == NULL);
	CHECK(!accounts_state_move_ok("approved", "pending"));
	CHECK(accounts_state_move_ok("hold", "approved"));
}

int main(void)
{
	RUN(signup_approval_login);
	RUN(lockout_unlock_and_reset);
	RUN(session_expiry);
	RUN(field_validation_and_sql_metacharacters);
	RUN(guardian_links_child_scope_and_audit);
	RUN(attendance_reads_are_audited);
	RUN(failed_logins_and_public_requests_are_throttled_per_address);
	RUN(audit_keeps_failed_logins_not_anonymous_knocks);
	RUN(own_password_change);
	RUN(role_table_has_the_seed_names);
	return harness_done();
}
