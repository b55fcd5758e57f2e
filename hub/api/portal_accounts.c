/*
 * Portal routes about accounts (담당자관리): the role table, account lists and details in
 * scope, the city officer's approval decisions with their history, staff accounts issued
 * by the id rule for a facility, roles one by one and in bulk, unlocking, and the audit log
 * for city-wide roles. Who may grant what: operations and developers anything; city
 * officers anything but those two; district officers only center roles (of the account's
 * facility type) and the coordinator role, on staff accounts of their district.
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/auth/password.h"
#include "hub/auth/scope.h"
#include "hub/domain/accounts.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"
#include "hub/store/store_core.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULK_MAX 200

void api_portal_roles(struct api_call *call)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < accounts_nroles; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "role",
						     accounts_roles[i].kind, "type",
						     accounts_roles[i].type, "name",
						     accounts_roles[i].name));
	api_reply_json(call, 200, json_pack("{s:o}", "roles", arr));
}

json_t *api_account_json(struct store *st, const struct store_account *a, bool detail)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I}", "id", a->id,
			      "name", a->name, "duty", a->duty, "district", a->district,
			      "facility", a->facility, "state", a->state, "state_name",
			      accounts_state_name(a->state) ? accounts_state_name(a->state) : "",
			      "locked", a->locked_ms != 0, "created_ms", (json_int_t)a->created_ms,
			      "last_login_ms", (json_int_t)a->last_login_ms);
	struct store_role *roles = NULL;
	struct store_account_move *mv = NULL;
	size_t n = 0;

	if (!o)
		return o;
	json_object_set_new(o, "enabled", json_boolean(a->enabled));
	json_object_set_new(o, "left", json_boolean(a->left_ms != 0));
	json_object_set_new(o, "must_change_password", json_boolean(a->must_change_pw));
	if (detail) {
		json_object_set_new(o, "phone", json_string(a->phone));
		json_object_set_new(o, "office_phone", json_string(a->office_phone));
		json_object_set_new(o, "email", json_string(a->email));
		json_object_set_new(o, "failed_logins", json_integer(a->failed));
	}
	/* 시설 이력: moves between facilities and leaving, oldest first. */
	if (detail && store_account_moves(st, a->id, &mv, &n) == 0) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I}", "from",
							     mv[i].from, "to", mv[i].to, "reason",
							     mv[i].reason, "actor", mv[i].actor,
							     "at_ms", (json_int_t)mv[i].at_ms));
		json_object_set_new(o, "facility_history", arr);
		free(mv);
	}
	n = 0;
	if (store_account_roles(st, a->id, &roles, &n) == 0) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			const struct accounts_role *def =
				accounts_role_find(roles[i].role, roles[i].type);

			json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "role",
							     roles[i].role, "type", roles[i].type,
							     "name", def ? def->name : ""));
		}
		json_object_set_new(o, "roles", arr);
		free(roles);
	}
	return o;
}

void api_portal_account_get(struct api_call *call)
{
	struct store_account a;

	if (!api_scope_account(call, call->params[0], &a))
		return;
	api_reply_json(call, 200, api_account_json(api_store(call->api), &a, true));
}

void api_portal_approval(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call);
	struct store_account a;
	const char *to, *reason;
	bool bad = false;
	int err;

	if (!body)
		return;
	to = api_field(call, body, "state", true, &bad);
	reason = api_field(call, body, "reason", false, &bad);
	if (bad)
		goto out;
	if (!accounts_state_name(to)) {
		api_reply_error(call, 400, "state_invalid", NULL);
		goto out;
	}
	if ((strcmp(to, "hold") == 0 || strcmp(to, "rejected") == 0) && !reason) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		goto out;
	}
	if (reason && !accounts_text_valid(reason, 500)) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		goto out;
	}
	if (!api_scope_account(call, call->params[0], &a))
		goto out;
	if (!accounts_state_move_ok(a.state, to)) {
		api_reply_error(call, 409, "state_move", a.state);
		goto out;
	}
	err = store_account_set_state(st, a.id, to, reason, call->id.account, clock_wall_ms());
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	/* An approved district officer gets the district role of their duty. */
	if (strcmp(to, "approved") == 0 && a.district[0] && !a.facility[0] && a.duty[0]) {
		struct store_role role = { .role = "district" };
		const char *ids[1] = { a.id };

		snprintf(role.type, sizeof(role.type), "%s", a.duty);
		if (accounts_role_find("district", a.duty) &&
		    store_account_roles_add(st, ids, 1, &role, call->id.account,
					    clock_wall_ms()) < 0) {
			api_reply_error(call, 503, "store_unavailable", NULL);
			goto out;
		}
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:s, s:s}", "id", a.id, "from", a.state,
					    "state", to, "state_name", accounts_state_name(to)));
out:
	json_decref(body);
}

void api_portal_approvals(struct api_call *call)
{
	struct store_approval *h = NULL;
	struct store_account a;
	json_t *arr;
	size_t n = 0;

	if (!api_scope_account(call, call->params[0], &a))
		return;
	if (store_account_history(api_store(call->api), a.id, &h, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I}", "from", h[i].from,
						     "to", h[i].to, "actor", h[i].actor, "reason",
						     h[i].reason, "at_ms", (json_int_t)h[i].at_ms));
	free(h);
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:o}", "id", a.id, "state", a.state,
					    "history", arr));
}

/* Whether the caller may grant def on account a; answers and returns false otherwise. */
static bool grant_ok(struct api_call *call, const struct accounts_role *def,
		     const struct store_account *a)
{
	const struct auth_identity *id = &call->id;
	bool ok;

	if (def->bit == AUTH_ROLE_CENTER &&
	    (!a->facility[0] || strncmp(a->facility + 2, def->type, 2) != 0)) {
		api_reply_error(call, 400, "role_invalid", "center roles match the facility type");
		return false;
	}
	if ((def->bit & (AUTH_ROLE_DISTRICT | AUTH_ROLE_COORDINATOR | AUTH_ROLE_COORD_DISTRICT |
			 AUTH_ROLE_COORD_CODE)) && !a->district[0]) {
		api_reply_error(call, 400, "role_invalid", "the account has no district");
		return false;
	}
	if (id->roles & (AUTH_ROLE_ADMIN | AUTH_ROLE_DEVELOPER))
		ok = true;
	else if (id->roles & AUTH_ROLE_CITY)
		ok = def->bit != AUTH_ROLE_ADMIN && def->bit != AUTH_ROLE_DEVELOPER;
	else
		ok = (def->bit == AUTH_ROLE_CENTER || def->bit == AUTH_ROLE_COORDINATOR) &&
		     a->facility[0] && auth_scope_account(id, a->id, a->district, a->facility) &&
		     strcmp(a->id, id->account) != 0;
	if (!ok)
		api_reply_error(call, 403, "role_not_grantable", def->name);
	return ok;
}

/* Parses {"role":..,"type":..}; answers and returns NULL when it is not a role. */
static const struct accounts_role *role_parse(struct api_call *call, json_t *o)
{
	const char *kind, *type;
	const struct accounts_role *def;
	bool bad = false;

	if (!json_is_object(o)) {
		api_reply_error(call, 400, "field_invalid", "role");
		return NULL;
	}
	kind = api_field(call, o, "role", true, &bad);
	type = api_field(call, o, "type", false, &bad);
	if (bad)
		return NULL;
	def = accounts_role_find(kind, type);
	if (!def)
		api_reply_error(call, 400, "role_invalid", NULL);
	return def;
}

void api_portal_roles_set(struct api_call *call)
{
	json_t *body = api_read_json(call), *arr;
	struct store_role roles[32];
	struct store_account a;
	size_t n = 0, i;
	json_t *v;

	if (!body)
		return;
	if (!api_scope_account(call, call->params[0], &a))
		goto out;
	arr = json_object_get(body, "roles");
	if (!json_is_array(arr) || json_array_size(arr) > 32) {
		api_reply_error(call, 400, "field_invalid", "roles");
		goto out;
	}
	json_array_foreach(arr, i, v) {
		const struct accounts_role *def = role_parse(call, v);

		if (!def || !grant_ok(call, def, &a))
			goto out;
		memset(&roles[n], 0, sizeof(roles[n]));
		snprintf(roles[n].role, sizeof(roles[n].role), "%s", def->kind);
		snprintf(roles[n].type, sizeof(roles[n].type), "%s", def->type);
		n++;
	}
	/* District officers may not take away roles they could not have given. */
	if (!(call->id.roles & AUTH_CITYWIDE)) {
		struct store_role *old = NULL;
		size_t no = 0;

		if (store_account_roles(api_store(call->api), a.id, &old, &no) < 0) {
			api_reply_error(call, 503, "store_unavailable", NULL);
			goto out;
		}
		for (size_t k = 0; k < no; k++) {
			const struct accounts_role *def = accounts_role_find(old[k].role, old[k].type);

			if (def && def->bit != AUTH_ROLE_CENTER && def->bit != AUTH_ROLE_COORDINATOR) {
				free(old);
				api_reply_error(call, 403, "role_not_grantable", def->name);
				goto out;
			}
		}
		free(old);
	}
	if (store_account_roles_set(api_store(call->api), a.id, roles, n, call->id.account,
				    clock_wall_ms()) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	if (store_account_get(api_store(call->api), a.id, &a) == 0) {
		sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
		api_reply_json(call, 200, api_account_json(api_store(call->api), &a, true));
	} else {
		api_reply_error(call, 503, "store_unavailable", NULL);
	}
out:
	json_decref(body);
}

void api_portal_roles_bulk(struct api_call *call)
{
	json_t *body = api_read_json(call), *arr, *v;
	const struct accounts_role *def;
	const char *ids[BULK_MAX];
	struct store_role role = { 0 };
	char target[STORE_NAME_MAX];
	size_t i, n = 0;
	int err;

	if (!body)
		return;
	def = role_parse(call, json_object_get(body, "role"));
	if (!def)
		goto out;
	arr = json_object_get(body, "accounts");
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > BULK_MAX) {
		api_reply_error(call, 400, "field_invalid", "accounts");
		goto out;
	}
	json_array_foreach(arr, i, v) {
		struct store_account a;

		if (!json_is_string(v)) {
			api_reply_error(call, 400, "field_invalid", "accounts");
			goto out;
		}
		if (!api_scope_account(call, json_string_value(v), &a) || !grant_ok(call, def, &a))
			goto out;
		ids[n++] = json_string_value(v);
	}
	snprintf(role.role, sizeof(role.role), "%s", def->kind);
	snprintf(role.type, sizeof(role.type), "%s", def->type);
	snprintf(target, sizeof(target), "%s:%s x%zu", def->kind, def->type, n);
	api_audit_target(call, target);
	err = store_account_roles_add(api_store(call->api), ids, n, &role, call->id.account,
				      clock_wall_ms());
	if (err < 0) {
		api_reply_error(call, err == -ENOENT ? 404 : 503,
				err == -ENOENT ? "account_unknown" : "store_unavailable", NULL);
		goto out;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:i}", "role", def->kind, "type",
					    def->type, "granted", (int)n));
out:
	json_decref(body);
}

void api_portal_unlock(struct api_call *call)
{
	struct store_account a;

	if (!api_scope_account(call, call->params[0], &a))
		return;
	if (!(call->id.roles & AUTH_CITYWIDE) && !a.facility[0]) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		return;
	}
	if (store_account_unlock(api_store(call->api), a.id, call->id.account,
				 clock_wall_ms()) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:b}", "id", a.id, "locked", 0));
}

void api_portal_enabled(struct api_call *call)
{
	json_t *body = api_read_json(call), *v;
	struct store_account a;

	if (!body)
		return;
	v = json_object_get(body, "enabled");
	if (!json_is_boolean(v)) {
		api_reply_error(call, 400, "field_invalid", "enabled");
		goto out;
	}
	if (!api_scope_account(call, call->params[0], &a))
		goto out;
	if (!strcmp(a.id, call->id.account)) {
		api_reply_error(call, 409, "own_account", NULL);
		goto out;
	}
	/* District officers: staff of their district; the coordinator programme's officers:
	 * coordinators' accounts only, whatever else their roles let them read. */
	if (!(call->id.roles & AUTH_CITYWIDE) &&
	    !((call->id.roles & AUTH_ROLE_DISTRICT) && a.facility[0]) &&
	    !api_coordinator_in_reach(call, &a)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		goto out;
	}
	/* Someone who left comes back with a new account, not by re-enabling the old one. */
	if (a.left_ms && json_is_true(v)) {
		api_reply_error(call, 409, "account_left", NULL);
		goto out;
	}
	if (store_account_set_enabled(api_store(call->api), a.id, json_is_true(v),
				      clock_wall_ms()) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:b}", "id", a.id, "enabled", json_is_true(v)));
out:
	json_decref(body);
}

void api_portal_account_history(struct api_call *call)
{
	struct store_audit_filter f = { .limit = 100 };
	struct store_audit *v = NULL;
	struct store_account a;
	json_t *logins, *changes;
	size_t n = 0;

	if (!api_scope_account(call, call->params[0], &a))
		return;
	f.target = a.id;
	if (store_audit_list(api_store(call->api), &f, &v, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	logins = json_array();
	changes = json_array();
	for (size_t i = 0; logins && changes && i < n; i++) {
		char when[40];
		bool login = !strcmp(v[i].action, "POST /api/v1/session");

		clock_iso8601(v[i].at_ms, when, sizeof(when));
		json_array_append_new(login ? logins : changes,
				      json_pack("{s:s, s:s, s:s, s:s, s:i}", "at", when, "actor",
						v[i].actor, "action", v[i].action, "remote",
						v[i].remote, "status", v[i].status));
	}
	free(v);
	/* 접속이력 and 변경이력 of the seed's account list, newest first (100 at most). */
	api_reply_json(call, 200, json_pack("{s:s, s:o, s:o}", "id", a.id, "logins", logins,
					    "changes", changes));
}

void api_portal_staff_create(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call);
	struct store_facility f;
	struct store_account a = { 0 };
	const char *name, *phone, *email, *pw, *confirm, *why = NULL;
	bool bad = false;
	int number = 0, err;

	if (!body)
		return;
	if (!api_scope_facility(call, call->params[0], &f))
		goto out;
	name = api_field(call, body, "name", true, &bad);
	phone = api_field(call, body, "phone", false, &bad);
	email = api_field(call, body, "email", false, &bad);
	pw = api_field(call, body, "password", true, &bad);
	confirm = api_field(call, body, "password_confirm", true, &bad);
	if (bad)
		goto out;
	if (!accounts_name_valid(name)) {
		api_reply_error(call, 400, "name_invalid", NULL);
		goto out;
	}
	if (phone && accounts_phone_normalize(phone, a.phone, sizeof(a.phone)) < 0) {
		api_reply_error(call, 400, "phone_invalid", "phone");
		goto out;
	}
	if (email && !org_email_valid(email)) {
		api_reply_error(call, 400, "email_invalid", NULL);
		goto out;
	}
	if (org_password_check(pw, &why) < 0) {
		api_reply_error(call, 400, why, NULL);
		goto out;
	}
	if (strcmp(pw, confirm) != 0) {
		api_reply_error(call, 400, "password_mismatch", NULL);
		goto out;
	}
	err = store_account_next_number(st, f.code, &number);
	if (err == -ENOSPC || (err == 0 && org_account_id_format(f.code, number, a.id) < 0)) {
		api_reply_error(call, 409, "facility_full", NULL);
		goto out;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	snprintf(a.name, sizeof(a.name), "%s", name);
	snprintf(a.email, sizeof(a.email), "%s", email ? email : "");
	snprintf(a.district, sizeof(a.district), "%s", f.district);
	snprintf(a.facility, sizeof(a.facility), "%s", f.code);
	snprintf(a.duty, sizeof(a.duty), "%s", f.type);
	snprintf(a.state, sizeof(a.state), "approved");
	a.must_change_pw = true; /* the officer chose the password: changed at first login */
	api_audit_target(call, a.id);
	if (password_hash(pw, a.pw_hash, sizeof(a.pw_hash)) < 0) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		goto out;
	}
	err = store_account_add(st, &a, call->id.account, clock_wall_ms());
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	if (err == -EEXIST) {
		api_reply_error(call, 409, "phone_taken", NULL);
		goto out;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	api_reply_json(call, 201, json_pack("{s:s, s:s, s:s, s:b}", "id", a.id, "facility",
					    f.code, "state", "approved", "must_change_password", 1));
out:
	json_decref(body);
}

void api_portal_staff_list(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_account_filter filter = { 0 };
	struct store_account *v = NULL;
	struct store_facility f;
	json_t *arr;
	size_t n = 0;

	if (!api_scope_facility(call, call->params[0], &f))
		return;
	filter.facility = f.code;
	if (store_account_list(st, &filter, &v, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, api_account_json(st, &v[i], false));
	free(v);
	api_reply_json(call, 200, json_pack("{s:s, s:o}", "facility", f.code, "accounts", arr));
}

void api_portal_audit(struct api_call *call)
{
	struct store_audit_filter f = { .limit = 100 };
	struct store_audit *v = NULL;
	char actor[STORE_ACCOUNT_ID_MAX], action[STORE_NAME_MAX], target[STORE_NAME_MAX];
	char buf[32];
	json_t *arr, *out;
	int64_t day;
	size_t n = 0;
	char *end;

	if (http_query_get(call->req->query, "actor", actor, sizeof(actor)) >= 0)
		f.actor = actor;
	if (http_query_get(call->req->query, "action", action, sizeof(action)) >= 0)
		f.action = action;
	if (http_query_get(call->req->query, "target", target, sizeof(target)) >= 0)
		f.target = target;
	if (http_query_get(call->req->query, "from", buf, sizeof(buf)) >= 0) {
		if (clock_day_parse(buf, &day) < 0)
			goto bad;
		f.from_ms = clock_day_start_ms(day);
	}
	if (http_query_get(call->req->query, "to", buf, sizeof(buf)) >= 0) {
		if (clock_day_parse(buf, &day) < 0)
			goto bad;
		f.to_ms = clock_day_start_ms(day + 1);
	}
	if (http_query_get(call->req->query, "before", buf, sizeof(buf)) >= 0) {
		f.before_id = strtoll(buf, &end, 10);
		if (*end || f.before_id < 1)
			goto bad;
	}
	if (http_query_get(call->req->query, "limit", buf, sizeof(buf)) >= 0) {
		long l = strtol(buf, &end, 10);

		if (*end || l < 1 || l > 500)
			goto bad;
		f.limit = (size_t)l;
	}
	if (store_audit_list(api_store(call->api), &f, &v, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		char when[40];

		clock_iso8601(v[i].at_ms, when, sizeof(when));
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
						     "id", (json_int_t)v[i].id, "at", when,
						     "actor", v[i].actor, "role", v[i].role,
						     "action", v[i].action, "target", v[i].target,
						     "remote", v[i].remote, "status", v[i].status));
	}
	out = json_pack("{s:o}", "entries", arr);
	if (out)
		json_object_set_new(out, "next_before", n == f.limit
				    ? json_integer(v[n - 1].id) : json_null());
	free(v);
	api_reply_json(call, 200, out);
	return;
bad:
	api_reply_error(call, 400, "bad_paging", NULL);
}
