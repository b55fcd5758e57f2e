/*
 * Portal routes about getting in: login (Argon2id check, lockout after SESSION_MAX_FAILURES,
 * the same answer for unknown ids, wrong passwords and locked accounts), the session and
 * its CSRF token, logout, the district officer's and the parent's sign-up (both with the
 * phone verification code sent through the outbox), password reset
 * by one-time token and id lookup (both answer 202 whatever the input matched, and put
 * their message in the notification outbox in the same transaction as the token).
 *
 * Argon2id (about 50 ms a check or a hash) runs on the server's worker threads: the handler
 * does the store work before it, defers its answer (api_defer) and hands a pw_job to
 * server_work; the job's then() does the store work after it on the loop and answers. The
 * loop serves devices and other requests meanwhile.
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/auth/password.h"
#include "hub/auth/session.h"
#include "hub/domain/accounts.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESET_TTL_MS (30LL * 60 * 1000)
#define PHONE_CODE_TTL_MS (5LL * 60 * 1000)
#define PHONE_CODE_TRIES 5

static json_t *roles_json(struct store *st, const char *account)
{
	struct store_role *roles = NULL;
	json_t *arr = json_array();
	size_t n = 0;

	if (!arr || store_account_roles(st, account, &roles, &n) < 0)
		return arr;
	for (size_t i = 0; i < n; i++) {
		const struct accounts_role *def = accounts_role_find(roles[i].role, roles[i].type);

		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "role", roles[i].role,
						     "type", roles[i].type, "name",
						     def ? def->name : ""));
	}
	free(roles);
	return arr;
}

static json_t *identity_json(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_account a;
	json_t *o;

	if (store_account_get(st, call->id.account, &a) < 0)
		return NULL;
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "account", a.id, "name", a.name,
		      "district", a.district, "facility", a.facility, "roles", roles_json(st, a.id),
		      "must_change_password", a.must_change_pw);
	if (o && call->id.session)
		json_object_set_new(o, "csrf_token", json_string(call->id.csrf));
	return o;
}

/* ---- Argon2id off the loop -------------------------------------------------------------- */

struct pw_job;
typedef void (*pw_then_fn)(struct pw_job *j);

/* A password check and/or hash for one request. */
struct pw_job {
	struct server_work work;
	struct api_call *call;          /* the deferred copy, or the live call (inline) */
	bool deferred;
	pw_then_fn then;                /* on the loop, after the work */
	char *verify_pw;                /* checked against verify_hash (none: the dummy's work) */
	char verify_hash[STORE_PWHASH_MAX];
	bool have_hash;
	char *hash_pw;                  /* hashed when there is no check or it passed */
	bool verified;
	int hash_err;
	char hashed[STORE_PWHASH_MAX];
	/* what then() needs */
	bool known;
	char account[STORE_ACCOUNT_ID_MAX];
	struct store_account a;
	bool district;
	bool have_code;                 /* code_hash: the sign-up's phone code, spent on success */
	uint8_t code_hash[STORE_HASH_BYTES];
};

static void pw_secret_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

/* NULL when out of memory. */
static struct pw_job *pw_job_new(const char *verify_pw, const char *hash_pw)
{
	struct pw_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	if ((verify_pw && !(j->verify_pw = strdup(verify_pw))) ||
	    (hash_pw && !(j->hash_pw = strdup(hash_pw)))) {
		pw_secret_free(j->verify_pw);
		free(j);
		return NULL;
	}
	return j;
}

static void pw_run(struct server_work *w)
{
	struct pw_job *j = (struct pw_job *)w;

	if (j->verify_pw)
		j->verified = password_verify(j->have_hash ? j->verify_hash : NULL, j->verify_pw);
	if (j->hash_pw && (!j->verify_pw || j->verified))
		j->hash_err = password_hash(j->hash_pw, j->hashed, sizeof(j->hashed));
}

static void pw_done(struct server_work *w)
{
	struct pw_job *j = (struct pw_job *)w;

	if (w->cancelled)
		api_reply_error(j->call, 503, "service_unavailable", NULL);
	else
		j->then(j);
	if (j->deferred)
		api_finish(j->call);
	pw_secret_free(j->verify_pw);
	pw_secret_free(j->hash_pw);
	sodium_memzero(j, sizeof(*j));
	free(j);
}

/* Runs j's work on a worker with call's answer deferred (inline when it cannot be); j->then
 * answers. Takes j. */
static void pw_start(struct pw_job *j, struct api_call *call, pw_then_fn then)
{
	struct api_call *d = api_defer(call);

	j->work.run = pw_run;
	j->work.done = pw_done;
	j->then = then;
	j->call = d ? d : call;
	j->deferred = d != NULL;
	if (d && server_work(api_server(call->api), &j->work) == 0)
		return;
	pw_run(&j->work);
	pw_done(&j->work);
}

/* The account is read again: concurrent failed attempts may have locked it meanwhile. */
static void login_then(struct pw_job *j)
{
	struct api_call *call = j->call;
	struct store *st = api_store(call->api);
	struct store_account a;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];
	int64_t now = clock_wall_ms();
	bool locked = false, known = false;
	int err = 0;
	json_t *out;

	memset(&a, 0, sizeof(a));
	if (j->known) {
		err = store_account_get(st, j->account, &a);
		if (err < 0 && err != -ENOENT) {
			api_portal_throttle_charge(call, -1);
			api_reply_error(call, 503, "store_unavailable", NULL);
			goto out;
		}
		known = err == 0;
	}
	if (!j->verified || !known || a.locked_ms) {
		/* The failure was charged to the address before the check. */
		if (known && !a.locked_ms &&
		    store_account_login_failed(st, a.id, SESSION_MAX_FAILURES, now, &locked) == 0 &&
		    locked)
			log_notice("portal: account %s locked after %d failed logins", a.id,
				   SESSION_MAX_FAILURES);
		api_reply_error(call, 401, "login_failed", NULL);
		goto out;
	}
	api_portal_throttle_charge(call, -1);
	if (strcmp(a.state, "approved") != 0) {
		api_reply_error(call, 403, "account_not_approved", a.state);
		goto out;
	}
	if (!a.enabled) {
		api_reply_error(call, 403, "account_disabled", NULL);
		goto out;
	}
	if (store_session_prune(st, now - SESSION_IDLE_MS, now - SESSION_ABSOLUTE_MS, now,
				NULL) < 0)
		log_warn("portal: expired sessions not pruned");
	if (session_identity(st, a.id, &call->id) < 0 ||
	    session_create(st, a.id, call->remote, now, sid, csrf) < 0 ||
	    store_account_login_ok(st, a.id, now) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	call->id.session = true;
	snprintf(call->id.csrf, sizeof(call->id.csrf), "%s", csrf);
	out = identity_json(call);
	api_reply_json(call, 200, out);
	if (call->reply->status == 200)
		snprintf(call->reply->extra, sizeof(call->reply->extra),
			 "Set-Cookie: " SESSION_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict;"
			 " Path=/; Max-Age=%lld\r\nCache-Control: no-store\r\n", sid,
			 SESSION_ABSOLUTE_MS / 1000);
	sodium_memzero(sid, sizeof(sid));
out:
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
}

void api_portal_login(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call);
	const char *id, *pw;
	struct store_account a;
	struct pw_job *j;
	bool bad = false;
	int err;

	memset(&a, 0, sizeof(a));
	if (!body)
		return;
	id = api_field(call, body, "id", true, &bad);
	pw = api_field(call, body, "password", true, &bad);
	if (bad)
		goto out;
	api_audit_target(call, strlen(id) <= 32 ? id : "(long id)");
	if (api_portal_throttled(call))
		goto out;
	err = store_account_get(st, id, &a);
	if (err < 0 && err != -ENOENT) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	j = pw_job_new(pw, NULL);
	if (!j) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		goto out;
	}
	if (err == 0) {
		j->known = true;
		j->have_hash = true;
		snprintf(j->account, sizeof(j->account), "%s", a.id);
		memcpy(j->verify_hash, a.pw_hash, sizeof(j->verify_hash));
		j->verify_hash[sizeof(j->verify_hash) - 1] = '\0';
	}
	/* Charged now, refunded when the password is right: concurrent attempts from one
	 * address cannot all pass the throttle before the first failure is counted. */
	api_portal_throttle_charge(call, 1);
	pw_start(j, call, login_then);
out:
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	json_decref(body);
}

void api_portal_session_get(struct api_call *call)
{
	json_t *o;

	if (!call->id.account[0]) {
		api_reply_error(call, 401, "unauthorized", "not a portal session");
		return;
	}
	o = identity_json(call);
	api_reply_json(call, o ? 200 : 503, o);
}

void api_portal_logout(struct api_call *call)
{
	if (call->id.session)
		session_end(api_store(call->api), call->id.session_hash);
	api_reply_json(call, 200, json_pack("{s:b}", "ok", 1));
	snprintf(call->reply->extra, sizeof(call->reply->extra),
		 "Set-Cookie: " SESSION_COOKIE "=; HttpOnly; Secure; SameSite=Strict; Path=/;"
		 " Max-Age=0\r\n");
}

/* Checks password and its confirmation; answers and returns false when they fail. */
static bool password_fields_ok(struct api_call *call, const char *pw, const char *confirm)
{
	const char *why = NULL;

	if (org_password_check(pw, &why) < 0) {
		api_reply_error(call, 400, why, NULL);
		return false;
	}
	if (!confirm || strcmp(pw, confirm) != 0) {
		api_reply_error(call, 400, "password_mismatch", NULL);
		return false;
	}
	return true;
}

static void password_change_then(struct pw_job *j)
{
	struct api_call *call = j->call;
	struct store *st = api_store(call->api);
	int64_t now = clock_wall_ms();
	bool locked = false;

	if (!j->verified) {
		/* Counts like a failed login (charged to the address before the check): a stolen
		 * session cannot guess the password. */
		store_account_login_failed(st, j->account, SESSION_MAX_FAILURES, now, &locked);
		api_reply_error(call, 401, "login_failed", NULL);
		return;
	}
	api_portal_throttle_charge(call, -1);
	if (j->hash_err < 0 || store_account_set_password(st, j->account, j->hashed, now) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	/* Every session of the account ended, this one too: log in again. */
	api_reply_json(call, 200, json_pack("{s:s, s:b}", "account", j->account, "logged_out", 1));
	snprintf(call->reply->extra, sizeof(call->reply->extra),
		 "Set-Cookie: " SESSION_COOKIE "=; HttpOnly; Secure; SameSite=Strict; Path=/;"
		 " Max-Age=0\r\n");
}

void api_portal_password_change(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call);
	const char *cur, *pw, *confirm;
	struct store_account a;
	struct pw_job *j;
	bool bad = false;

	memset(&a, 0, sizeof(a));
	if (!body)
		return;
	if (!call->id.account[0]) {
		api_reply_error(call, 401, "unauthorized", "not a portal session");
		goto out;
	}
	cur = api_field(call, body, "current_password", true, &bad);
	pw = api_field(call, body, "password", true, &bad);
	confirm = api_field(call, body, "password_confirm", true, &bad);
	if (bad || !password_fields_ok(call, pw, confirm))
		goto out;
	if (api_portal_throttled(call))
		goto out;
	if (store_account_get(st, call->id.account, &a) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	/* A change must end the current password, forced (a password someone else chose) or
	 * not. Comparing the two fields reveals nothing the caller did not send. */
	if (!strcmp(cur, pw)) {
		api_reply_error(call, 400, "password_reused", NULL);
		goto out;
	}
	j = pw_job_new(cur, pw);
	if (!j) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		goto out;
	}
	j->have_hash = true;
	memcpy(j->verify_hash, a.pw_hash, sizeof(j->verify_hash));
	j->verify_hash[sizeof(j->verify_hash) - 1] = '\0';
	snprintf(j->account, sizeof(j->account), "%s", a.id);
	api_portal_throttle_charge(call, 1);
	pw_start(j, call, password_change_then);
out:
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	json_decref(body);
}

/* Validates the fields common to sign-ups into a; false after answering. */
static bool signup_common(struct api_call *call, json_t *body, struct store_account *a,
			  const char **pw)
{
	const char *id, *confirm, *name, *phone, *email;
	bool bad = false;

	if (api_portal_throttled(call))
		return false;
	api_portal_throttle_charge(call, 2);
	id = api_field(call, body, "id", true, &bad);
	*pw = api_field(call, body, "password", true, &bad);
	confirm = api_field(call, body, "password_confirm", true, &bad);
	name = api_field(call, body, "name", true, &bad);
	phone = api_field(call, body, "phone", true, &bad);
	email = api_field(call, body, "email", false, &bad);
	if (bad)
		return false;
	if (!accounts_login_id_valid(id)) {
		api_reply_error(call, 400, "id_invalid", NULL);
		return false;
	}
	if (!password_fields_ok(call, *pw, confirm))
		return false;
	if (!accounts_name_valid(name)) {
		api_reply_error(call, 400, "name_invalid", NULL);
		return false;
	}
	if (accounts_phone_normalize(phone, a->phone, sizeof(a->phone)) < 0 ||
	    strncmp(a->phone, "01", 2) != 0) {
		api_reply_error(call, 400, "phone_invalid", "phone");
		return false;
	}
	if (email && !org_email_valid(email)) {
		api_reply_error(call, 400, "email_invalid", NULL);
		return false;
	}
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->email, sizeof(a->email), "%s", email ? email : "");
	return true;
}

/* Hashes pw into a and adds it; answers every outcome but success. */
/* After the hash: adds the account, then what the kind of sign-up needs, and answers. */
static void signup_then(struct pw_job *j)
{
	struct api_call *call = j->call;
	struct store *st = api_store(call->api);
	struct store_account *a = &j->a, other;
	struct store_role role = { .role = "parent" };
	int err;

	if (j->hash_err < 0) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		return;
	}
	memcpy(a->pw_hash, j->hashed, sizeof(a->pw_hash));
	err = store_account_add(st, a, a->id, clock_wall_ms());
	sodium_memzero(a->pw_hash, sizeof(a->pw_hash));
	if (err == -EEXIST) {
		api_reply_error(call, 409, store_account_get(st, a->id, &other) == 0 ? "id_taken"
				: "phone_taken", NULL);
		return;
	}
	if (err < 0) {
		api_reply_error(call, err == -EINVAL ? 400 : 503,
				err == -EINVAL ? "bad_request" : "store_unavailable", NULL);
		return;
	}
	if (j->have_code && store_phone_code_check(st, a->phone, j->code_hash, PHONE_CODE_TRIES,
						   true, clock_wall_ms()) < 0)
		log_warn("portal: phone code of %s not marked used", a->id);
	if (j->district) {
		api_reply_json(call, 201, json_pack("{s:s, s:s, s:s}", "id", a->id, "state",
						    "pending", "state_name",
						    accounts_state_name("pending")));
		return;
	}
	if (store_account_roles_set(st, a->id, &role, 1, a->id, clock_wall_ms()) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 201, json_pack("{s:s, s:s}", "id", a->id, "state", "approved"));
}

/* Refuses a taken id, then hashes pw on a worker and lets signup_then add the account and
 * answer. code_hash: the sign-up's verified phone code, spent once the account exists. A
 * pending account is a district officer's, an approved one a parent's. */
static void signup_store(struct api_call *call, struct store_account *a, const char *pw,
			 const uint8_t *code_hash)
{
	struct store_account other;
	struct pw_job *j;

	if (store_account_get(api_store(call->api), a->id, &other) == 0) {
		sodium_memzero(other.pw_hash, sizeof(other.pw_hash));
		api_reply_error(call, 409, "id_taken", NULL);
		return;
	}
	j = pw_job_new(NULL, pw);
	if (!j) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		return;
	}
	j->a = *a;
	j->district = !strcmp(a->state, "pending");
	if (code_hash) {
		j->have_code = true;
		memcpy(j->code_hash, code_hash, sizeof(j->code_hash));
	}
	pw_start(j, call, signup_then);
}


static void phone_code_hash(const char *phone, const char *code, uint8_t hash[STORE_HASH_BYTES])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, STORE_HASH_BYTES);
	crypto_generichash_update(&h, (const uint8_t *)phone, strlen(phone) + 1);
	crypto_generichash_update(&h, (const uint8_t *)code, strlen(code));
	crypto_generichash_final(&h, hash, STORE_HASH_BYTES);
}

void api_portal_phone_verification(struct api_call *call)
{
	json_t *body = api_read_json(call);
	const char *phone;
	char digits[STORE_PHONE_MAX], code[8], params[96];
	uint8_t hash[STORE_HASH_BYTES];
	int64_t now = clock_wall_ms();
	bool bad = false;

	if (!body)
		return;
	if (api_portal_throttled(call))
		goto out;
	api_portal_throttle_charge(call, 2);
	phone = api_field(call, body, "phone", true, &bad);
	if (bad)
		goto out;
	if (accounts_phone_normalize(phone, digits, sizeof(digits)) < 0 ||
	    strncmp(digits, "01", 2) != 0) {
		api_reply_error(call, 400, "phone_invalid", "phone");
		goto out;
	}
	snprintf(code, sizeof(code), "%06u", (unsigned)randombytes_uniform(1000000));
	phone_code_hash(digits, code, hash);
	snprintf(params, sizeof(params), "{\"code\":\"%s\",\"valid_minutes\":%d}", code,
		 (int)(PHONE_CODE_TTL_MS / 60000));
	if (store_phone_code_create(api_store(call->api), digits, hash, now + PHONE_CODE_TTL_MS,
				    params, now) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	api_reply_json(call, 202, json_pack("{s:s, s:i}", "status", "sent", "valid_minutes",
					    (int)(PHONE_CODE_TTL_MS / 60000)));
out:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(params, sizeof(params));
	json_decref(body);
}

/* 휴대폰 인증: whether pcode is the code POST /api/v1/phone-verification sent to phone (not
 * yet spent: a sign-up refused for another reason may retry); answers when not. */
static bool phone_code_ok(struct api_call *call, const char *phone, const char *pcode,
			  uint8_t hash[STORE_HASH_BYTES])
{
	int err;

	phone_code_hash(phone, pcode, hash);
	err = store_phone_code_check(api_store(call->api), phone, hash, PHONE_CODE_TRIES, false,
				     clock_wall_ms());
	if (err == -EACCES) {
		api_reply_error(call, 400, "phone_code_invalid", NULL);
		return false;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return false;
	}
	return true;
}

void api_portal_signup_district(struct api_call *call)
{
	json_t *body = api_read_json(call);
	struct store_account a = { 0 };
	const char *pw = NULL, *duty, *district, *office, *pcode;
	uint8_t hash[STORE_HASH_BYTES];
	enum org_type t;
	bool bad = false;

	if (!body)
		return;
	if (!signup_common(call, body, &a, &pw))
		goto out;
	api_audit_target(call, a.id);
	duty = api_field(call, body, "duty", true, &bad);
	district = api_field(call, body, "district", true, &bad);
	office = api_field(call, body, "office_phone", true, &bad);
	pcode = api_field(call, body, "phone_code", true, &bad);
	if (bad)
		goto out;
	if (org_type_parse(duty, &t) < 0) {
		api_reply_error(call, 400, "duty_invalid", NULL);
		goto out;
	}
	if (!org_district_by_code(district)) {
		api_reply_error(call, 400, "district_invalid", NULL);
		goto out;
	}
	if (accounts_phone_normalize(office, a.office_phone, sizeof(a.office_phone)) < 0) {
		api_reply_error(call, 400, "phone_invalid", "office_phone");
		goto out;
	}
	snprintf(a.duty, sizeof(a.duty), "%s", duty);
	snprintf(a.district, sizeof(a.district), "%s", district);
	snprintf(a.state, sizeof(a.state), "pending");
	if (!phone_code_ok(call, a.phone, pcode, hash))
		goto out;
	signup_store(call, &a, pw, hash);
out:
	json_decref(body);
}

void api_portal_signup_parent(struct api_call *call)
{
	json_t *body = api_read_json(call);
	struct store_account a = { 0 };
	uint8_t hash[STORE_HASH_BYTES];
	const char *pw = NULL, *pcode;
	bool bad = false;

	if (!body)
		return;
	if (!signup_common(call, body, &a, &pw))
		goto out;
	api_audit_target(call, a.id);
	pcode = api_field(call, body, "phone_code", true, &bad);
	if (bad)
		goto out;
	snprintf(a.state, sizeof(a.state), "approved");
	/* The same phone verification as the officers' sign-up: a member's phone is where
	 * arrivals, departures and booking results go (알림톡). */
	if (!phone_code_ok(call, a.phone, pcode, hash))
		goto out;
	signup_store(call, &a, pw, hash);
out:
	json_decref(body);
}

static void accepted(struct api_call *call)
{
	api_reply_json(call, 202, json_pack("{s:s}", "status", "accepted"));
}

void api_portal_reset_request(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call), *params = NULL;
	struct store_account a;
	const char *id, *phone;
	char digits[STORE_PHONE_MAX], tok[SESSION_ID_TEXT], *text = NULL;
	uint8_t raw[32], hash[STORE_HASH_BYTES];
	int64_t now = clock_wall_ms();
	bool bad = false;

	if (!body)
		return;
	if (api_portal_throttled(call))
		goto out;
	api_portal_throttle_charge(call, 2);
	id = api_field(call, body, "id", true, &bad);
	phone = api_field(call, body, "phone", true, &bad);
	if (bad)
		goto out;
	if (accounts_phone_normalize(phone, digits, sizeof(digits)) < 0) {
		api_reply_error(call, 400, "phone_invalid", "phone");
		goto out;
	}
	api_audit_target(call, strlen(id) <= 32 ? id : "(long id)");
	if (store_account_get(st, id, &a) < 0 || strcmp(a.phone, digits) != 0 ||
	    strcmp(a.state, "approved") != 0) {
		accepted(call);
		goto out;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(tok, sizeof(tok), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(hash, sizeof(hash), (const uint8_t *)tok, strlen(tok), NULL, 0);
	params = json_pack("{s:s, s:s, s:i}", "account", a.id, "token", tok, "valid_minutes",
			   (int)(RESET_TTL_MS / 60000));
	text = params ? json_dumps(params, JSON_COMPACT) : NULL;
	if (!text || store_otp_create(st, hash, a.id, "password_reset", now + RESET_TTL_MS,
				      a.phone, "password_reset", text, now) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	accepted(call);
out:
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	if (text)
		sodium_memzero(text, strlen(text));
	free(text);
	json_decref(params);
	json_decref(body);
}

static void reset_confirm_then(struct pw_job *j)
{
	struct api_call *call = j->call;

	if (j->hash_err < 0 || store_account_set_password(api_store(call->api), j->account,
							  j->hashed, clock_wall_ms()) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:s}", "account", j->account));
}

void api_portal_reset_confirm(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call);
	const char *tok, *pw, *confirm;
	char account[STORE_ACCOUNT_ID_MAX];
	uint8_t hash[STORE_HASH_BYTES];
	int64_t now = clock_wall_ms();
	struct pw_job *j;
	bool bad = false;
	int err;

	if (!body)
		return;
	if (api_portal_throttled(call))
		goto out;
	api_portal_throttle_charge(call, 2);
	tok = api_field(call, body, "token", true, &bad);
	pw = api_field(call, body, "password", true, &bad);
	confirm = api_field(call, body, "password_confirm", true, &bad);
	if (bad || !password_fields_ok(call, pw, confirm))
		goto out;
	if (strlen(tok) != SESSION_ID_TEXT - 1) {
		api_reply_error(call, 400, "token_invalid", NULL);
		goto out;
	}
	crypto_generichash(hash, sizeof(hash), (const uint8_t *)tok, strlen(tok), NULL, 0);
	err = store_otp_consume(st, hash, "password_reset", now, account, sizeof(account));
	if (err == -EACCES) {
		api_reply_error(call, 400, "token_invalid", NULL);
		goto out;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	api_audit_target(call, account);
	j = pw_job_new(NULL, pw);
	if (!j) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		goto out;
	}
	snprintf(j->account, sizeof(j->account), "%s", account);
	pw_start(j, call, reset_confirm_then);
out:
	json_decref(body);
}

void api_portal_id_lookup(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call), *params = NULL, *ids;
	struct store_account *v = NULL;
	const char *name, *phone;
	char digits[STORE_PHONE_MAX], *text = NULL;
	bool bad = false;
	size_t n = 0;

	if (!body)
		return;
	if (api_portal_throttled(call))
		goto out;
	api_portal_throttle_charge(call, 2);
	name = api_field(call, body, "name", true, &bad);
	phone = api_field(call, body, "phone", true, &bad);
	if (bad)
		goto out;
	if (accounts_phone_normalize(phone, digits, sizeof(digits)) < 0) {
		api_reply_error(call, 400, "phone_invalid", "phone");
		goto out;
	}
	if (store_account_find(st, name, digits, &v, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	if (n) {
		ids = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(ids, json_string(v[i].id));
		params = json_pack("{s:o}", "ids", ids);
		text = params ? json_dumps(params, JSON_COMPACT) : NULL;
		if (!text || store_outbox_add(st, digits, "id_lookup", text, clock_wall_ms()) < 0) {
			api_reply_error(call, 503, "store_unavailable", NULL);
			goto out;
		}
	}
	accepted(call);
out:
	free(text);
	free(v);
	json_decref(params);
	json_decref(body);
}
