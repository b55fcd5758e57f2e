/*
 * Portal routes for facilities (issue 5, seed 001 시설/센터관리, 키움센터 정보관리, 시설 ID
 * 매핑): the list with search, filters and paging, creation with a code the system issues,
 * edits, capacity change requests that the district approves or rejects, and departments
 * (부서) with the facilities mapped to them. Field rules are hub/domain/facility.c's; scope
 * is hub/auth/scope.c's; the router writes the audit rows of every change.
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/auth/scope.h"
#include "hub/domain/facility.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code, *message;
} fac_errors[] = {
	{ "facility_numbers_exhausted", "이 자치구·시설유형의 시설번호(001~999)를 모두 사용했습니다 / No facility numbers (001-999) left for this district and type" },
	{ "code_taken", "이미 발급된 적이 있는 시설코드입니다 (재사용 불가) / The facility code was issued before and is never reused" },
	{ "not_kium_center", "정원 설정이 없는 시설입니다 (우리동네키움센터만 해당) / The facility has no capacity setting (Kium centers only)" },
	{ "request_pending", "처리 중인 정원변경 요청이 있습니다 / A capacity change is already pending" },
	{ "request_unknown", "정원변경 요청이 없습니다 / No such capacity change request" },
	{ "already_decided", "이미 처리된 요청입니다 / The request was already decided" },
	{ "capacity_invalid", "정원은 0~10000 사이의 정수이며 현재 정원과 달라야 합니다 / The capacity must be an integer 0-10000 different from the current one" },
	{ "decision_invalid", "처리 결과는 approve 또는 reject 입니다 / The decision must be approve or reject" },
	{ "department_unknown", "없는 부서입니다 / Unknown department" },
	{ "department_exists", "같은 이름의 부서가 이미 있습니다 / A department with that name exists" },
	{ "facility_unknown", "없는 시설입니다 / Unknown facility" },
};

/* A refusal with its message from this file's table or the domain's, detail = field. */
static void fac_refuse(struct api_call *call, int status, const char *code, const char *detail)
{
	const char *msg = facility_error_message(code);
	json_t *e;

	for (size_t i = 0; !msg && i < sizeof(fac_errors) / sizeof(fac_errors[0]); i++)
		if (!strcmp(fac_errors[i].code, code))
			msg = fac_errors[i].message;
	if (!msg) {
		api_reply_error(call, status, code, detail);
		return;
	}
	e = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (e && detail)
		json_object_set_new(e, "detail", json_string(detail));
	api_reply_json(call, status, e ? json_pack("{s:o}", "error", e) : NULL);
}

static void store_failed(struct api_call *call)
{
	api_reply_error(call, 503, "store_unavailable", NULL);
}

static json_t *fac_json(const struct store_facility_info *fi, int64_t department)
{
	const struct org_district *d = org_district_by_code(fi->f.district);
	enum org_type t;
	enum org_kium_kind k = ORG_KIND_NONE;
	char area[32], created[32], changed[32];
	json_t *o;

	snprintf(area, sizeof(area), "%lld.%02lld", (long long)(fi->area_centi / 100),
		 (long long)(fi->area_centi % 100));
	clock_iso8601(fi->created_ms, created, sizeof(created));
	clock_iso8601(fi->changed_ms ? fi->changed_ms : fi->created_ms, changed, sizeof(changed));
	if (fi->kind[0])
		org_kind_parse(fi->kind, &k);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code", fi->f.code, "name",
		      fi->f.name, "district", fi->f.district, "district_name", d ? d->name : "",
		      "type", fi->f.type, "type_name",
		      org_type_parse(fi->f.type, &t) == 0 ? org_type_name(t) : "", "dong", fi->dong);
	if (!o)
		return NULL;
	json_object_set_new(o, "kind", fi->kind[0] ? json_string(fi->kind) : json_null());
	json_object_set_new(o, "kind_name", fi->kind[0] ? json_string(org_kind_name(k))
							: json_null());
	json_object_set_new(o, "capacity", fi->capacity >= 0 ? json_integer(fi->capacity)
							     : json_null());
	json_object_set_new(o, "capacity_from_area",
			    json_integer(org_capacity_from_area(fi->area_centi)));
	json_object_set_new(o, "temporary_allowance",
			    fi->capacity >= 0 && strcmp(fi->kind, "hub")
				    ? json_integer(org_temporary_allowance(fi->capacity))
				    : json_integer(0));
	json_object_set_new(o, "ages", json_string(fi->ages));
	json_object_set_new(o, "ages_name", json_string(facility_ages_name(fi->ages)
						       ? facility_ages_name(fi->ages) : ""));
	json_object_set_new(o, "documents", json_string(fi->documents));
	json_object_set_new(o, "address", json_string(fi->address));
	json_object_set_new(o, "latitude", json_real((double)fi->lat_e6 / 1e6));
	json_object_set_new(o, "longitude", json_real((double)fi->lon_e6 / 1e6));
	json_object_set_new(o, "opened", fi->opened[0] ? json_string(fi->opened) : json_null());
	json_object_set_new(o, "email", json_string(fi->email));
	json_object_set_new(o, "phone", json_string(fi->phone));
	json_object_set_new(o, "area_m2", json_string(area));
	json_object_set_new(o, "operating", json_boolean(fi->operating));
	json_object_set_new(o, "created_at", json_string(created));
	json_object_set_new(o, "created_by", json_string(fi->created_by));
	json_object_set_new(o, "changed_at", json_string(changed));
	json_object_set_new(o, "changed_by", json_string(fi->changed_by));
	if (department >= 0)
		json_object_set_new(o, "department", department ? json_integer(department)
								: json_null());
	return o;
}

/* One field of the body as text: strings as they are, numbers and booleans spelled out.
 * false after answering 400 field_invalid. */
static bool body_text(struct api_call *call, json_t *o, const char *key, char *buf, size_t len,
		      const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
		*out = json_string_value(v);
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.12g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else {
		fac_refuse(call, 400, "field_invalid", key);
		return false;
	}
	if (!*out)
		*out = buf;
	return true;
}

static bool read_input(struct api_call *call, json_t *o, struct facility_input *in,
		       char (*bufs)[64])
{
	static const char *const keys[] = { "name", "district", "type", "kind", "dong", "ages",
					    "documents", "address", "latitude", "longitude",
					    "opened", "email", "phone", "area_m2", "operating",
					    "code" };
	const char **slot[] = { &in->name, &in->district, &in->type, &in->kind, &in->dong,
				&in->ages, &in->documents, &in->address, &in->latitude,
				&in->longitude, &in->opened, &in->email, &in->phone, &in->area,
				&in->operating, &in->code };

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!body_text(call, o, keys[i], bufs[i], 64, slot[i]))
			return false;
	return true;
}

static void refuse_field(struct api_call *call, const struct facility_error *err)
{
	fac_refuse(call, 400, err->code, err->field);
}

void api_facility_create(struct api_call *call)
{
	struct store_facility_info fi;
	struct facility_input in;
	struct facility_error fe;
	char bufs[16][64];
	json_t *o = NULL;
	int number, r;

	if (!(o = api_read_json(call)) || !read_input(call, o, &in, bufs))
		goto out;
	if (in.code) {
		fac_refuse(call, 400, "field_readonly", "code"); /* the system issues codes */
		goto out;
	}
	if (facility_apply(&in, true, &fi, &number, &fe) < 0) {
		refuse_field(call, &fe);
		goto out;
	}
	if (!auth_scope_facility(&call->id, fi.f.district, fi.f.type, NULL)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		goto out;
	}
	r = store_facility_create(api_store(call->api), &fi, 0, call->id.account,
				  clock_wall_ms());
	if (r == -ENOSPC) {
		fac_refuse(call, 409, "facility_numbers_exhausted", NULL);
	} else if (r == -EINVAL) {
		fac_refuse(call, 400, "field_invalid", NULL);
	} else if (r < 0) {
		store_failed(call);
	} else if (store_facility_info_get(api_store(call->api), fi.f.code, &fi) < 0) {
		store_failed(call);
	} else {
		api_audit_target(call, fi.f.code);
		api_reply_json(call, 201, fac_json(&fi, 0));
	}
out:
	json_decref(o);
}

void api_facility_get(struct api_call *call)
{
	struct store_facility_info fi;
	int64_t dep = 0;

	if (!api_scope_facility_read(call, call->params[0], NULL))
		return;
	if (store_facility_info_get(api_store(call->api), call->params[0], &fi) < 0 ||
	    store_facility_department(api_store(call->api), fi.f.code, &dep) < 0) {
		store_failed(call);
		return;
	}
	api_reply_json(call, 200, fac_json(&fi, dep));
}

void api_facility_update(struct api_call *call)
{
	struct store_facility_info fi;
	struct facility_input in;
	struct facility_error fe;
	char bufs[16][64];
	json_t *o = NULL;
	int number, r;

	if (!api_scope_facility(call, call->params[0], NULL) || !(o = api_read_json(call)) ||
	    !read_input(call, o, &in, bufs))
		goto out;
	if (store_facility_info_get(api_store(call->api), call->params[0], &fi) < 0) {
		store_failed(call);
		goto out;
	}
	if (facility_apply(&in, false, &fi, &number, &fe) < 0) {
		refuse_field(call, &fe);
		goto out;
	}
	r = store_facility_update(api_store(call->api), &fi, call->id.account, clock_wall_ms());
	if (r == -EINVAL)
		fac_refuse(call, 400, "field_invalid", NULL);
	else if (r < 0 || store_facility_info_get(api_store(call->api), fi.f.code, &fi) < 0)
		store_failed(call);
	else
		api_reply_json(call, 200, fac_json(&fi, -1));
out:
	json_decref(o);
}

/* A non-negative decimal of at most 9 digits from the query; -1 when absent, -2 when bad. */
static int64_t query_num(struct api_call *call, const char *name)
{
	char buf[16];
	int64_t v = 0;
	int n = http_query_get(call->req->query, name, buf, sizeof(buf));

	if (n == -ENOENT)
		return -1;
	if (n <= 0 || n > 9)
		return -2;
	for (int i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -2;
		v = v * 10 + (buf[i] - '0');
	}
	return v;
}

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

void api_facility_list(struct api_call *call)
{
	struct store_facility_query q = { .operating = -1, .page = 1, .per_page = 10 };
	struct store_facility_info *v = NULL;
	char district[8], type[8], kind[16], text[128], from[16], to[16], op[16], types[16] = "";
	const char *dq, *tq, *kq, *fq, *toq, *oq;
	size_t n = 0, total = 0;
	int64_t page, per, day;
	json_t *items, *o;
	enum org_kium_kind k;
	enum org_type t;

	page = query_num(call, "page");
	per = query_num(call, "per_page");
	if (page == -2 || page == 0 || per == -2 || per == 0 || per > 100) {
		api_reply_error(call, 400, "bad_paging", page == -2 || page == 0 ? "page"
							 : "per_page");
		return;
	}
	if (query_text(call, "district", district, sizeof(district), &dq) < 0 ||
	    query_text(call, "type", type, sizeof(type), &tq) < 0 ||
	    query_text(call, "kind", kind, sizeof(kind), &kq) < 0 ||
	    query_text(call, "q", text, sizeof(text), &q.q) < 0 ||
	    query_text(call, "from", from, sizeof(from), &fq) < 0 ||
	    query_text(call, "to", to, sizeof(to), &toq) < 0 ||
	    query_text(call, "operating", op, sizeof(op), &oq) < 0) {
		api_reply_error(call, 400, "bad_paging", "query");
		return;
	}
	if ((dq && !org_district_by_code(dq)) || (tq && org_type_parse(tq, &t) < 0) ||
	    (kq && org_kind_parse(kq, &k) < 0) ||
	    (oq && strcmp(oq, "true") && strcmp(oq, "false"))) {
		api_reply_error(call, 400, "bad_paging", dq && !org_district_by_code(dq)
			       ? "district" : tq && org_type_parse(tq, &t) < 0 ? "type"
			       : kq && org_kind_parse(kq, &k) < 0 ? "kind" : "operating");
		return;
	}
	if (fq) {
		if (clock_day_parse(fq, &day) < 0) {
			api_reply_error(call, 400, "bad_paging", "from");
			return;
		}
		q.from_ms = clock_day_start_ms(day);
	}
	if (toq) {
		if (clock_day_parse(toq, &day) < 0) {
			api_reply_error(call, 400, "bad_paging", "to");
			return;
		}
		q.to_ms = clock_day_start_ms(day + 1); /* inclusive end day */
	}
	q.page = page > 0 ? (size_t)page : 1;
	q.per_page = per > 0 ? (size_t)per : 10;
	q.district = dq;
	q.type = tq;
	q.kind = kq;
	q.operating = oq ? !strcmp(oq, "true") : -1;
	if (!(call->id.roles & AUTH_CITYWIDE)) {
		if (call->id.roles & (AUTH_ROLE_DISTRICT | AUTH_ROLE_COORDINATOR)) {
			if (dq && strcmp(dq, call->id.district)) {
				api_reply_error(call, 403, "out_of_scope", NULL);
				return;
			}
			q.district = call->id.district;
			for (int i = 0; i < ORG_TYPE_COUNT && call->id.ftypes; i++)
				if (call->id.ftypes & (1u << i))
					snprintf(types + strlen(types), sizeof(types) - strlen(types),
						 "%s,", org_type_code((enum org_type)i));
			q.types = types[0] ? types : NULL;
		} else if (call->id.roles & AUTH_ROLE_SUPPORT_CITY) {
			q.types = "CC"; /* open playrooms, every district */
		} else {
			q.code = call->id.facility[0] ? call->id.facility : "-";
		}
	}
	if (store_facility_search(api_store(call->api), &q, &v, &n, &total) < 0) {
		store_failed(call);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, fac_json(&v[i], -1));
	o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "page",
		      (json_int_t)q.page, "per_page", (json_int_t)q.per_page, "pages",
		      (json_int_t)((total + q.per_page - 1) / q.per_page), "items", items);
	free(v);
	api_reply_json(call, 200, o);
}

/* ---- capacity changes ---- */

static json_t *cr_json(const struct store_capacity_request *c)
{
	char at[32], dec[32];
	json_t *o;

	clock_iso8601(c->requested_ms, at, sizeof(at));
	clock_iso8601(c->decided_ms, dec, sizeof(dec));
	o = json_pack("{s:I, s:s, s:i, s:i, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id,
		      "facility", c->facility, "from_capacity", c->from_capacity, "to_capacity",
		      c->to_capacity, "reason", c->reason, "state", c->state, "requested_by",
		      c->requested_by, "requested_at", at);
	if (o && c->decided_ms) {
		json_object_set_new(o, "decided_by", json_string(c->decided_by));
		json_object_set_new(o, "decided_at", json_string(dec));
		json_object_set_new(o, "decision_reason", json_string(c->decision_reason));
	}
	return o;
}

void api_capacity_request(struct api_call *call)
{
	struct store_facility_info fi;
	struct store_capacity_request c;
	const char *reason;
	json_t *o = NULL, *cap;
	bool bad = false;
	int64_t id;
	int r;

	if (!api_scope_facility(call, call->params[0], NULL) || !(o = api_read_json(call)))
		goto out;
	reason = api_field(call, o, "reason", true, &bad);
	if (bad)
		goto out;
	cap = json_object_get(o, "capacity");
	if (store_facility_info_get(api_store(call->api), call->params[0], &fi) < 0) {
		store_failed(call);
		goto out;
	}
	if (fi.capacity < 0) {
		fac_refuse(call, 409, "not_kium_center", NULL);
		goto out;
	}
	if (!json_is_integer(cap) || json_integer_value(cap) < 0 ||
	    json_integer_value(cap) > 10000 || json_integer_value(cap) == fi.capacity) {
		fac_refuse(call, 400, "capacity_invalid", "capacity");
		goto out;
	}
	if (strlen(reason) >= 512) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		goto out;
	}
	r = store_capacity_request_add(api_store(call->api), fi.f.code,
				       (int)json_integer_value(cap), reason, call->id.account,
				       clock_wall_ms(), &id);
	if (r == -EEXIST)
		fac_refuse(call, 409, "request_pending", NULL);
	else if (r == -EINVAL)
		api_reply_error(call, 400, "reason_invalid", NULL);
	else if (r == -ENOENT)
		fac_refuse(call, 409, "not_kium_center", NULL);
	else if (r < 0 || store_capacity_request_get(api_store(call->api), id, &c) < 0)
		store_failed(call);
	else
		api_reply_json(call, 201, cr_json(&c));
out:
	json_decref(o);
}

void api_capacity_requests(struct api_call *call)
{
	struct store_capacity_request *v = NULL;
	size_t n = 0;
	json_t *items;

	if (!api_scope_facility(call, call->params[0], NULL))
		return;
	if (store_capacity_request_list(api_store(call->api), call->params[0], &v, &n) < 0) {
		store_failed(call);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, cr_json(&v[i]));
	free(v);
	api_reply_json(call, 200, json_pack("{s:o}", "items", items));
}

void api_capacity_decide(struct api_call *call)
{
	struct store_capacity_request c;
	const char *decision, *reason;
	json_t *o = NULL;
	bool bad = false, approve;
	char *end = NULL;
	long long id;
	int r;

	if (!api_scope_facility(call, call->params[0], NULL) || !(o = api_read_json(call)))
		goto out;
	decision = api_field(call, o, "decision", true, &bad);
	reason = api_field(call, o, "reason", false, &bad);
	if (bad)
		goto out;
	if (strcmp(decision, "approve") && strcmp(decision, "reject")) {
		fac_refuse(call, 400, "decision_invalid", "decision");
		goto out;
	}
	approve = !strcmp(decision, "approve");
	if ((!approve && !reason) || (reason && strlen(reason) >= 512)) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		goto out;
	}
	id = strtoll(call->params[1], &end, 10);
	if (!end || *end || id <= 0 ||
	    store_capacity_request_get(api_store(call->api), id, &c) < 0 ||
	    strcmp(c.facility, call->params[0])) {
		fac_refuse(call, 404, "request_unknown", NULL);
		goto out;
	}
	r = store_capacity_request_decide(api_store(call->api), id, approve, reason,
					  call->id.account, clock_wall_ms());
	if (r == -EALREADY)
		fac_refuse(call, 409, "already_decided", NULL);
	else if (r == -EINVAL)
		api_reply_error(call, 400, "reason_invalid", NULL);
	else if (r < 0 || store_capacity_request_get(api_store(call->api), id, &c) < 0)
		store_failed(call);
	else
		api_reply_json(call, 200, cr_json(&c));
out:
	json_decref(o);
}

/* ---- departments (부서) and the facility mapping ---- */

static json_t *dep_json(const struct store_department *d)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)d->id,
			      "district", d->district, "name", d->name, "phone", d->phone, "fax",
			      d->fax, "facilities", (json_int_t)d->n_facilities);

	if (o)
		json_object_set_new(o, "parent", d->parent ? json_integer(d->parent) : json_null());
	return o;
}

void api_department_list(struct api_call *call)
{
	struct store_department *v = NULL;
	char district[8];
	const char *dq = NULL;
	size_t n = 0;
	json_t *items;

	if (query_text(call, "district", district, sizeof(district), &dq) < 0 ||
	    (dq && !org_district_by_code(dq))) {
		api_reply_error(call, 400, "bad_paging", "district");
		return;
	}
	if (!(call->id.roles & AUTH_CITYWIDE)) {
		if (dq && !auth_scope_district(&call->id, dq)) {
			api_reply_error(call, 403, "out_of_scope", NULL);
			return;
		}
		dq = call->id.district;
	}
	if (store_department_list(api_store(call->api), dq, &v, &n) < 0) {
		store_failed(call);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, dep_json(&v[i]));
	free(v);
	api_reply_json(call, 200, json_pack("{s:o}", "items", items));
}

void api_department_create(struct api_call *call)
{
	struct store_department d = { 0 };
	const char *district, *name, *phone, *fax;
	json_t *o = NULL, *parent;
	const struct org_district *od;
	bool bad = false;
	int64_t id;
	int r;

	if (!(o = api_read_json(call)))
		goto out;
	district = api_field(call, o, "district", true, &bad);
	name = api_field(call, o, "name", true, &bad);
	phone = api_field(call, o, "phone", false, &bad);
	fax = api_field(call, o, "fax", false, &bad);
	if (bad)
		goto out;
	parent = json_object_get(o, "parent");
	od = org_district_by_code(district);
	if (!od) {
		fac_refuse(call, 400, "district_invalid", "district");
		goto out;
	}
	if (!auth_scope_district(&call->id, od->code)) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		goto out;
	}
	if ((phone && !org_phone_valid(phone)) || (fax && !org_phone_valid(fax))) {
		fac_refuse(call, 400, "phone_invalid", phone && !org_phone_valid(phone) ? "phone"
										 : "fax");
		goto out;
	}
	if (parent && !json_is_null(parent) &&
	    (!json_is_integer(parent) || json_integer_value(parent) <= 0)) {
		api_reply_error(call, 400, "field_invalid", "parent");
		goto out;
	}
	snprintf(d.district, sizeof(d.district), "%s", od->code);
	if (strlen(name) > 120) {
		fac_refuse(call, 400, "name_invalid", "name");
		goto out;
	}
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.phone, sizeof(d.phone), "%s", phone ? phone : "");
	snprintf(d.fax, sizeof(d.fax), "%s", fax ? fax : "");
	d.parent = json_is_integer(parent) ? json_integer_value(parent) : 0;
	r = store_department_add(api_store(call->api), &d, clock_wall_ms(), &id);
	if (r == -EEXIST)
		fac_refuse(call, 409, "department_exists", NULL);
	else if (r == -ENOENT)
		fac_refuse(call, 404, "department_unknown", "parent");
	else if (r == -EINVAL)
		fac_refuse(call, 400, "name_invalid", "name");
	else if (r < 0 || store_department_get(api_store(call->api), id, &d) < 0)
		store_failed(call);
	else {
		char t[32];

		snprintf(t, sizeof(t), "department:%lld", (long long)id);
		api_audit_target(call, t);
		api_reply_json(call, 201, dep_json(&d));
	}
out:
	json_decref(o);
}

void api_facility_department(struct api_call *call)
{
	struct store_facility f;
	struct store_department d;
	json_t *o = NULL, *dep;

	if (!api_scope_facility(call, call->params[0], &f) || !(o = api_read_json(call)))
		goto out;
	dep = json_object_get(o, "department");
	if (!json_is_integer(dep) || json_integer_value(dep) <= 0) {
		api_reply_error(call, 400, "field_invalid", "department");
		goto out;
	}
	/* A facility belongs to a department of its own district only. */
	if (store_department_get(api_store(call->api), json_integer_value(dep), &d) < 0 ||
	    strcmp(d.district, f.district)) {
		fac_refuse(call, 404, "department_unknown", "department");
		goto out;
	}
	if (store_department_map(api_store(call->api), d.id, f.code, clock_wall_ms()) < 0 ||
	    store_department_get(api_store(call->api), d.id, &d) < 0) {
		store_failed(call);
		goto out;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:o}", "facility", f.code, "department",
					    dep_json(&d)));
out:
	json_decref(o);
}
