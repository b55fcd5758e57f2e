/*
 * Portal routes about staff over time and the account list of 담당자관리: the list with the
 * seed screen's filters (district, facility, facility type, role, 사용여부, approval state,
 * who left, a search) and paging with a total; a staff account moving to another facility
 * (it keeps its id, the move is kept in its facility history and in the audit log); a
 * staff member who leaves (퇴사: disabled, roles removed, sessions ended, kept in history).
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/auth/scope.h"
#include "hub/domain/accounts.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"
#include "hub/store/store_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A query parameter's value in buf, *out NULL when absent or empty; -1 when malformed. */
static int query_text(struct api_call *call, const char *name, char *buf, size_t len,
		      const char **out)
{
	int n = http_query_get(call->req->query, name, buf, len);

	*out = NULL;
	if (n == -ENOENT || n == 0)
		return 0;
	if (n < 0)
		return -1;
	*out = buf;
	return 0;
}

static bool facility_code_ok(const char *code)
{
	char d[3];
	enum org_type t;
	int n;

	return org_facility_code_parse(code, d, &t, &n) == 0;
}

/* "true"/"false" -> 1/0, absent -> -1; -2 otherwise. */
static int query_bool(const char *v)
{
	if (!v)
		return -1;
	return !strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0 : -2;
}

/* A positive number of at most max digits' worth, 0 when absent, -1 when malformed. */
static long query_count(const char *v, long max)
{
	char *end;
	long n;

	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > max ? -1 : n;
}

/* Narrows q to what the caller may list; answers 403 and returns false when a filter asks
 * for more. District officers: staff of their district (of their roles' facility types);
 * the coordinator programme: coordinators' accounts (of their district when theirs is one). */
static bool list_scope(struct api_call *call, struct store_account_query *q, char *types,
		       size_t tlen)
{
	const struct auth_identity *id = &call->id;

	if (id->roles & AUTH_CITYWIDE)
		return true;
	if (id->roles & AUTH_ROLE_DISTRICT) {
		if (q->district && strcmp(q->district, id->district) != 0)
			goto refuse;
		q->district = id->district;
		q->staff = 1;
		types[0] = '\0';
		for (int i = 0; i < ORG_TYPE_COUNT && id->ftypes; i++)
			if (id->ftypes & (1u << i))
				snprintf(types + strlen(types), tlen - strlen(types), "%s%s",
					 types[0] ? "," : "", org_type_code((enum org_type)i));
		q->types = types[0] ? types : NULL;
		return true;
	}
	if (q->role && strcmp(q->role, "coordinator") != 0)
		goto refuse;
	q->role = "coordinator";
	q->role_type = NULL;
	q->coordinators_only = true;
	if (!(id->roles & (AUTH_ROLE_COORD_CITY | AUTH_ROLE_SUPPORT_CITY))) {
		if (q->district && strcmp(q->district, id->district) != 0)
			goto refuse;
		q->district = id->district;
	}
	return true;
refuse:
	api_reply_error(call, 403, "out_of_scope", NULL);
	return false;
}

void api_portal_accounts(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_account_query q = { .enabled = -1, .staff = -1, .left = -1, .page = 1,
					 .per_page = 10 };
	struct store_account *v = NULL;
	char state[16], district[8], facility[16], type[8], role[40], en[8], left[8], text[128];
	char page[16], per[16], types[16];
	const char *stq, *dq, *fq, *tq, *rq, *eq, *lq, *pq, *ppq;
	long np, npp;
	size_t n = 0, total = 0;
	enum org_type t;
	json_t *arr, *o;

	if (query_text(call, "state", state, sizeof(state), &stq) < 0 ||
	    query_text(call, "district", district, sizeof(district), &dq) < 0 ||
	    query_text(call, "facility", facility, sizeof(facility), &fq) < 0 ||
	    query_text(call, "type", type, sizeof(type), &tq) < 0 ||
	    query_text(call, "role", role, sizeof(role), &rq) < 0 ||
	    query_text(call, "enabled", en, sizeof(en), &eq) < 0 ||
	    query_text(call, "left", left, sizeof(left), &lq) < 0 ||
	    query_text(call, "q", text, sizeof(text), &q.q) < 0 ||
	    query_text(call, "page", page, sizeof(page), &pq) < 0 ||
	    query_text(call, "per_page", per, sizeof(per), &ppq) < 0) {
		api_reply_error(call, 400, "bad_paging", "query");
		return;
	}
	if (stq && !accounts_state_name(stq)) {
		api_reply_error(call, 400, "state_invalid", NULL);
		return;
	}
	if (dq && !org_district_by_code(dq)) {
		api_reply_error(call, 400, "district_invalid", NULL);
		return;
	}
	np = query_count(pq, 1000000);
	npp = query_count(ppq, STORE_ACCOUNT_PAGE_MAX);
	q.enabled = query_bool(eq);
	q.left = query_bool(lq);
	if (np < 0 || npp < 0 || q.enabled == -2 || q.left == -2 ||
	    (tq && org_type_parse(tq, &t) < 0) || (fq && !facility_code_ok(fq))) {
		api_reply_error(call, 400, "bad_paging", np < 0 ? "page" : npp < 0 ? "per_page"
				: q.enabled == -2 ? "enabled" : q.left == -2 ? "left"
				: fq && !facility_code_ok(fq) ? "facility" : "type");
		return;
	}
	if (rq) {
		/* "center" or "center:UK" (권한 of the list screen). */
		char *colon = strchr(role, ':');

		if (colon)
			*colon = '\0';
		if (!accounts_role_find(role, colon ? colon + 1 : NULL) &&
		    !(!colon && accounts_role_find(role, "UK"))) {
			api_reply_error(call, 400, "role_invalid", NULL);
			return;
		}
		q.role = role;
		q.role_type = colon ? colon + 1 : NULL;
	}
	q.state = stq;
	q.district = dq;
	q.facility = fq;
	q.types = tq;
	q.page = np ? (size_t)np : 1;
	q.per_page = npp ? (size_t)npp : 10;
	if (!list_scope(call, &q, types, sizeof(types)))
		return;
	/* A type filter within a district officer's types. */
	if (tq && q.types && q.types != tq && !strstr(q.types, tq)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		return;
	}
	if (tq)
		q.types = tq;
	if (store_account_search(st, &q, &v, &n, &total) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, api_account_json(st, &v[i], false));
	free(v);
	o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "page",
		      (json_int_t)q.page, "per_page", (json_int_t)q.per_page, "pages",
		      (json_int_t)((total + q.per_page - 1) / q.per_page), "accounts", arr);
	api_reply_json(call, 200, o);
}

void api_portal_staff_move(struct api_call *call)
{
	struct store *st = api_store(call->api);
	json_t *body = api_read_json(call);
	struct store_facility to;
	struct store_account a;
	const char *code, *reason;
	char target[STORE_NAME_MAX];
	bool bad = false;
	int err;

	if (!body)
		return;
	if (!api_scope_account(call, call->params[0], &a))
		goto out;
	code = api_field(call, body, "facility", true, &bad);
	reason = api_field(call, body, "reason", true, &bad);
	if (bad)
		goto out;
	if (!accounts_text_valid(reason, 500)) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		goto out;
	}
	if (!a.facility[0]) {
		api_reply_error(call, 409, "staff_only", NULL);
		goto out;
	}
	if (a.left_ms) {
		api_reply_error(call, 409, "account_left", NULL);
		goto out;
	}
	/* Both ends in the caller's scope: a district officer moves within the district, the
	 * city between districts. */
	if (!api_scope_facility(call, code, &to))
		goto out;
	if (!strcmp(to.code, a.facility)) {
		api_reply_error(call, 409, "same_facility", NULL);
		goto out;
	}
	if (strncmp(to.code + 2, a.facility + 2, 2) != 0) {
		api_reply_error(call, 409, "type_mismatch", to.type);
		goto out;
	}
	snprintf(target, sizeof(target), "%s %s->%s", a.id, a.facility, to.code);
	api_audit_target(call, target);
	err = store_account_move(st, a.id, to.code, reason, call->id.account, clock_wall_ms());
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:s, s:s}", "id", a.id, "from",
					    a.facility, "facility", to.code, "district",
					    to.district));
out:
	json_decref(body);
}

void api_portal_staff_leave(struct api_call *call)
{
	json_t *body = api_read_json(call);
	struct store_account a;
	const char *reason;
	bool bad = false;
	int err;

	if (!body)
		return;
	if (!api_scope_account(call, call->params[0], &a))
		goto out;
	reason = api_field(call, body, "reason", true, &bad);
	if (bad)
		goto out;
	if (!accounts_text_valid(reason, 500)) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		goto out;
	}
	if (!strcmp(a.id, call->id.account)) {
		api_reply_error(call, 409, "own_account", NULL);
		goto out;
	}
	if (!a.facility[0]) {
		api_reply_error(call, 409, "staff_only", NULL);
		goto out;
	}
	err = store_account_leave(api_store(call->api), a.id, reason, call->id.account,
				  clock_wall_ms());
	if (err == -EALREADY) {
		api_reply_error(call, 409, "account_left", NULL);
		goto out;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		goto out;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:b, s:b}", "id", a.id, "facility",
					    a.facility, "enabled", 0, "left", 1));
out:
	json_decref(body);
}
