/*
 * What every portal handler shares: the session step of the router (cookie, CSRF), scope
 * checks that load the object and answer refusals, audit rows, the portal's error messages
 * and JSON field access.
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/auth/scope.h"
#include "hub/auth/session.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code;
	const char *message;
} portal_errors[] = {
	{ "login_failed", "아이디 또는 비밀번호가 올바르지 않거나 잠긴 계정입니다. 5회 실패하면 잠기며, 비밀번호 재설정이나 관리자 잠금해제로 풀 수 있습니다 / Wrong id or password, or the account is locked (5 failures lock it; reset the password or ask an administrator to unlock)" },
	{ "account_not_approved", "승인되지 않은 계정입니다 / The account is not approved" },
	{ "account_disabled", "사용 중지된 계정입니다 / The account is disabled" },
	{ "csrf_failed", "보안 토큰(X-CSRF-Token)이 없거나 올바르지 않습니다 / Missing or wrong CSRF token" },
	{ "out_of_scope", "담당 범위 밖의 자료입니다 / Outside your scope" },
	{ "field_missing", "필수 입력항목이 비어 있습니다 / A required field is missing" },
	{ "field_invalid", "입력값의 형식이 올바르지 않습니다 / A field has the wrong type" },
	{ "id_invalid", "아이디는 영문으로 시작하는 4~20자의 영문, 숫자, _ 입니다 / The id must be 4-20 letters, digits or _, starting with a letter" },
	{ "id_taken", "이미 사용 중인 아이디입니다 / The id is taken" },
	{ "name_invalid", "이름이 올바르지 않습니다 / Invalid name" },
	{ "phone_invalid", "전화번호 형식이 올바르지 않습니다 (예: 010-1234-5678) / Invalid phone number" },
	{ "phone_taken", "이미 등록된 휴대전화번호입니다 / The phone number is already registered" },
	{ "email_invalid", "이메일 형식이 올바르지 않습니다 / Invalid e-mail address" },
	{ "district_invalid", "담당지역(자치구)이 올바르지 않습니다 / Unknown district" },
	{ "duty_invalid", "담당업무(시설유형)를 선택하세요 / Choose a duty (facility type)" },
	{ "password_length", "비밀번호는 10~20자입니다 / The password must be 10-20 characters" },
	{ "password_chars", "비밀번호에 쓸 수 없는 문자가 있습니다 / The password has characters that are not allowed" },
	{ "password_mix", "비밀번호는 영문과 숫자를 섞어야 합니다 / The password must mix letters and digits" },
	{ "password_mismatch", "입력된 비밀번호가 일치하지 않습니다. 다시 확인해주세요 / The passwords do not match" },
	{ "state_invalid", "승인상태가 올바르지 않습니다 / Invalid approval state" },
	{ "state_move", "이 승인상태로 바꿀 수 없습니다 / The approval state cannot move that way" },
	{ "reason_invalid", "사유가 올바르지 않습니다 (보류·반려는 사유 필수) / A reason is required for hold and rejection" },
	{ "role_invalid", "없는 권한입니다 / No such role" },
	{ "role_not_grantable", "부여할 수 없는 권한입니다 / You may not grant this role" },
	{ "account_unknown", "없는 계정입니다 / Unknown account" },
	{ "child_unknown", "등록되지 않은 아동입니다 / Unknown child" },
	{ "link_exists", "이미 신청된 보호자 연결입니다 / The guardian link already exists" },
	{ "link_unknown", "보호자 연결 신청이 없습니다 / No such guardian link request" },
	{ "token_invalid", "유효하지 않거나 만료된 인증번호입니다 / Invalid or expired token" },
	{ "facility_full", "이 시설의 계정 번호(001~999)를 모두 사용했습니다 / The facility has no account numbers left" },
	{ "own_account", "자기 계정에는 할 수 없습니다 / Not on your own account" },
	{ "too_many_attempts", "요청이 너무 많습니다. 잠시 후 다시 시도하세요 / Too many attempts, retry later" },
	{ "phone_code_invalid", "휴대폰 인증번호가 올바르지 않거나 만료되었습니다 / Wrong or expired phone verification code" },
	{ "bad_paging", "조회 조건이 올바르지 않습니다 / Bad paging or filter" },
	{ "capacity_by_request", "정원은 정원변경 요청과 자치구 승인으로만 바꿀 수 있습니다 / The capacity changes only through a capacity change request approved by the district" },
	{ "care_kium_only", "돌봄 설정은 우리동네키움센터만 있습니다 / Care settings exist for Kium centers only" },
	{ "password_change_required", "처음 로그인하셨습니다. 비밀번호를 먼저 변경하세요 / First login: change your password first" },
	{ "password_reused", "새 비밀번호는 지금 비밀번호와 달라야 합니다 / The new password must differ from the current one" },
	{ "staff_only", "시설 담당자 계정만 가능합니다 / Staff accounts only" },
	{ "account_left", "퇴사 처리된 계정입니다 / The account belongs to someone who left" },
	{ "same_facility", "이미 그 시설의 계정입니다 / The account is already at that facility" },
	{ "type_mismatch", "같은 시설유형 사이에서만 옮길 수 있습니다 / Moves keep the facility type" },
};

const char *api_portal_error_message(const char *code)
{
	for (size_t i = 0; i < sizeof(portal_errors) / sizeof(portal_errors[0]); i++)
		if (strcmp(portal_errors[i].code, code) == 0)
			return portal_errors[i].message;
	return NULL;
}

static bool method_changes(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* What a session that must change its password may still do: read itself (the CSRF token),
 * change the password, log out. Public routes never look at the session. */
static bool password_change_route(const struct http_request *req)
{
	const char *m = req->method_name;

	if (!strcmp(req->path, "/api/v1/session"))
		return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "DELETE");
	return !strcmp(req->path, "/api/v1/session/password") && !strcmp(m, "POST");
}

int api_session_admit(struct api_call *call)
{
	const char *cookie = http_request_header(call->req, "Cookie");
	char sid[SESSION_ID_TEXT];
	enum auth_fail f;

	if (!cookie || !session_cookie_get(cookie, sid))
		return 0;
	f = session_auth(api_store(call->api), sid, clock_wall_ms(), &call->id);
	memset(sid, 0, sizeof(sid));
	if (f == AUTH_STORE) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return -1;
	}
	if (f != AUTH_OK) {
		api_reply_error(call, 401, "unauthorized", "session expired or unknown");
		return -1;
	}
	if (call->id.must_change_pw && !password_change_route(call->req)) {
		api_reply_error(call, 403, "password_change_required", NULL);
		return -1;
	}
	if (method_changes(call->req->method_name) &&
	    !session_token_equal(http_request_header(call->req, "X-CSRF-Token"), call->id.csrf)) {
		api_reply_error(call, 403, "csrf_failed", NULL);
		return -1;
	}
	return 1;
}

void api_remote_ip(const struct api_call *call, char *out, size_t outlen)
{
	const char *r = call->remote ? call->remote : "";
	const char *colon = strrchr(r, ':');
	size_t n = strlen(r);

	if (r[0] == '[') {
		const char *end = strchr(r, ']');

		if (end) {
			r++;
			n = (size_t)(end - r);
		}
	} else if (colon && strchr(r, ':') == colon) {
		n = (size_t)(colon - r);
	}
	snprintf(out, outlen, "%.*s", (int)n, r);
}

void api_audit_target(struct api_call *call, const char *target)
{
	call->audit_named = true;
	snprintf(call->audit_target, sizeof(call->audit_target), "%s", target ? target : "");
}

static void audit_write(struct api_call *call, const char *action, const char *target)
{
	struct store_audit a = { 0 };

	a.at_ms = clock_wall_ms();
	if (call->id.account[0])
		snprintf(a.actor, sizeof(a.actor), "%s", call->id.account);
	else if (call->id.token_id)
		snprintf(a.actor, sizeof(a.actor), "token:%lld", (long long)call->id.token_id);
	session_roles_text(&call->id, a.role, sizeof(a.role));
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.target, sizeof(a.target), "%s", target ? target : "");
	api_remote_ip(call, a.remote, sizeof(a.remote));
	a.status = call->reply->status;
	if (store_audit_add(api_store(call->api), &a) < 0)
		log_err("api: audit row for %s %s not written", action, a.target);
}

void api_audit(struct api_call *call, const char *action, const char *target)
{
	audit_write(call, action, target);
}

/* Reads by routes outside the portal's files that answer children's personal data (full
 * names): the router audits each successful one. */
static const char *const child_data_routes[] = {
	"/api/v1/facilities/{code}/attendance",
};

void api_portal_after(struct api_call *call, const struct api_route *r)
{
	char action[STORE_NAME_MAX], target[STORE_NAME_MAX] = "";

	if (!method_changes(call->req->method_name) && call->reply->status == 200) {
		for (size_t i = 0; i < sizeof(child_data_routes) / sizeof(child_data_routes[0]); i++)
			if (!strcmp(r->pattern, child_data_routes[i])) {
				snprintf(action, sizeof(action), "child.read %s", r->pattern);
				audit_write(call, action, call->params[0]);
			}
	}
	if (!method_changes(call->req->method_name) || (call->id.roles & AUTH_ROLE_DEVICE) ||
	    (r->roles & AUTH_ROLE_DEVICE))
		return;
	/* Anonymous knocks on non-public routes change nothing and would let anyone grow the
	 * log at disk speed; public routes are throttled per address, so theirs are kept. */
	if (call->reply->status == 401 && r->roles != AUTH_PUBLIC && !call->id.roles)
		return;
	snprintf(action, sizeof(action), "%s %s", r->method, r->pattern);
	if (call->audit_named)
		snprintf(target, sizeof(target), "%s", call->audit_target);
	else if (call->params[0])
		snprintf(target, sizeof(target), "%s%s%s", call->params[0],
			 call->params[1] ? "/" : "", call->params[1] ? call->params[1] : "");
	audit_write(call, action, target);
}

static bool scope_refuse(struct api_call *call, int err, const char *unknown_code)
{
	if (err == -ENOENT)
		api_reply_error(call, 404, unknown_code, NULL);
	else
		api_reply_error(call, 503, "store_unavailable", NULL);
	return false;
}

static bool scope_facility(struct api_call *call, const char *code, struct store_facility *out,
			   bool read)
{
	struct store_facility f;
	int err = store_facility_get(api_store(call->api), code, &f);

	if (err < 0)
		return scope_refuse(call, err, "facility_unknown");
	if (!(read ? auth_scope_facility_read : auth_scope_facility)(&call->id, f.district,
								      f.type, f.code)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		return false;
	}
	if (out)
		*out = f;
	return true;
}

bool api_scope_facility(struct api_call *call, const char *code, struct store_facility *out)
{
	return scope_facility(call, code, out, false);
}

bool api_scope_facility_read(struct api_call *call, const char *code,
			     struct store_facility *out)
{
	return scope_facility(call, code, out, true);
}

bool api_scope_child(struct api_call *call, const char *child, struct store_child *out)
{
	struct store *st = api_store(call->api);
	struct store_facility f;
	struct store_child c;
	int err = store_child_get(st, child, &c);

	if (err < 0)
		return scope_refuse(call, err, "child_unknown");
	if ((call->id.roles & AUTH_ROLE_PARENT) && call->id.account[0]) {
		err = store_guardian_linked(st, call->id.account, c.id);
		if (err == 0)
			goto ok;
		if (err != -ENOENT)
			return scope_refuse(call, err, "child_unknown");
	}
	err = store_facility_get(st, c.facility, &f);
	if (err < 0)
		return scope_refuse(call, err, "facility_unknown");
	if (!(call->id.roles & AUTH_STAFF) ||
	    !auth_scope_facility(&call->id, f.district, f.type, f.code)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		return false;
	}
ok:
	if (out)
		*out = c;
	return true;
}

bool api_coordinator_in_reach(struct api_call *call, const struct store_account *a)
{
	struct store_role *roles = NULL;
	bool coordinator = false, other = false;
	size_t n = 0;

	if (!(call->id.roles & AUTH_PROGRAM) || !auth_scope_coordinators(&call->id, a->district))
		return false;
	if (store_account_roles(api_store(call->api), a->id, &roles, &n) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(roles[i].role, "coordinator"))
			coordinator = true;
		else if (strcmp(roles[i].role, "coordinator_code") != 0)
			other = true;
	}
	free(roles);
	return coordinator && !other;
}

bool api_scope_account(struct api_call *call, const char *account, struct store_account *out)
{
	struct store_account a;
	int err = store_account_get(api_store(call->api), account, &a);

	if (err < 0)
		return scope_refuse(call, err, "account_unknown");
	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	if (!auth_scope_account(&call->id, a.id, a.district, a.facility) &&
	    !api_coordinator_in_reach(call, &a)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		return false;
	}
	if (out)
		*out = a;
	return true;
}

const char *api_field(struct api_call *call, json_t *o, const char *key, bool required,
		      bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (*bad)
		return NULL;
	if (!v || json_is_null(v) || (json_is_string(v) && !json_string_length(v))) {
		if (required) {
			api_reply_error(call, 400, "field_missing", key);
			*bad = true;
		}
		return NULL;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		api_reply_error(call, 400, "field_invalid", key);
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}
