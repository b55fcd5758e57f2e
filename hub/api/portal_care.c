/*
 * Booking settings routes (issue 6): the city's four terms of a year (dates, opening hours,
 * meals and snacks) and a center's care settings (kind and sick-child places; its capacity
 * is read here but changed only by an approved capacity change request).
 */
#include "hub/api/bookings.h"
#include "hub/api/portal.h"

#include "common/clock.h"
#include "hub/domain/booking.h"
#include "hub/store/store.h"
#include "hub/store/store_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void store_failed(struct api_call *call)
{
	api_reply_error(call, 503, "store_unavailable", NULL);
}

/* ---- terms ---- */

static int year_param(struct api_call *call, int *year)
{
	char *end;
	long y = strtol(call->params[0], &end, 10);

	if (*end || y < 2000 || y > 2100) {
		api_reply_error(call, 400, "bad_query", "year");
		return -EINVAL;
	}
	*year = (int)y;
	return 0;
}

static json_t *term_json(const struct store_term *t)
{
	return json_pack("{s:i, s:i, s:s, s:o, s:o, s:o, s:o, s:b, s:b}", "year", t->year, "index",
			 t->index, "name", t->name, "start", api_booking_day_json(t->start_day), "end",
			 api_booking_day_json(t->end_day), "open", api_booking_hhmm_json(t->open_min), "close",
			 api_booking_hhmm_json(t->close_min), "meal", t->meal, "snack", t->snack);
}

void api_terms_put(struct api_call *call)
{
	struct store_term st[BOOKING_TERMS_PER_YEAR];
	struct booking_term bt[BOOKING_TERMS_PER_YEAR];
	json_t *o = NULL, *arr;
	const char *why;
	int year;
	size_t n;

	if (year_param(call, &year) < 0 || !(o = api_read_json(call)))
		goto out;
	arr = json_object_get(o, "terms");
	n = json_is_array(arr) ? json_array_size(arr) : 0;
	if (n != BOOKING_TERMS_PER_YEAR) {
		api_booking_refuse(call, 400, "terms_invalid", "four terms");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(arr, i);
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *sd = json_string_value(json_object_get(t, "start"));
		const char *ed = json_string_value(json_object_get(t, "end"));

		memset(&st[i], 0, sizeof(st[i]));
		memset(&bt[i], 0, sizeof(bt[i]));
		st[i].year = year;
		st[i].index = (int)i + 1;
		if (!name || !*name || strlen(name) >= sizeof(st[i].name) || !sd || !ed ||
		    clock_day_parse(sd, &st[i].start_day) < 0 ||
		    clock_day_parse(ed, &st[i].end_day) < 0 ||
		    api_booking_hhmm_parse(json_string_value(json_object_get(t, "open")), &st[i].open_min) < 0 ||
		    api_booking_hhmm_parse(json_string_value(json_object_get(t, "close")), &st[i].close_min) < 0) {
			api_booking_refuse(call, 400, "terms_invalid", name ? name : "term");
			goto out;
		}
		snprintf(st[i].name, sizeof(st[i].name), "%s", name);
		st[i].meal = json_is_true(json_object_get(t, "meal"));
		st[i].snack = json_is_true(json_object_get(t, "snack"));
		bt[i] = (struct booking_term){ .year = year, .index = st[i].index,
					       .start_day = st[i].start_day,
					       .end_day = st[i].end_day,
					       .open_min = st[i].open_min,
					       .close_min = st[i].close_min };
	}
	if (booking_terms_check(bt, n, &why) < 0) {
		api_booking_refuse(call, 400, why, NULL);
		goto out;
	}
	if (store_terms_set(api_store(call->api), year, st, n) < 0) {
		store_failed(call);
		goto out;
	}
	api_audit_target(call, call->params[0]);
	api_terms_get(call);
out:
	json_decref(o);
}

void api_terms_get(struct api_call *call)
{
	struct store_term *t = NULL;
	int64_t from, to;
	char buf[16];
	json_t *a;
	size_t n;
	int year;

	if (year_param(call, &year) < 0)
		return;
	snprintf(buf, sizeof(buf), "%d-01-01", year);
	clock_day_parse(buf, &from);
	snprintf(buf, sizeof(buf), "%d-12-31", year);
	clock_day_parse(buf, &to);
	if (store_terms_range(api_store(call->api), from - 62, to + 62, &t, &n) < 0) {
		store_failed(call);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		if (t[i].year == year)
			json_array_append_new(a, term_json(&t[i]));
	free(t);
	api_reply_json(call, 200, json_pack("{s:i, s:o}", "year", year, "terms", a));
}

/* ---- care settings ---- */

static json_t *care_json(const struct store_care *c)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:b}", "facility", c->facility, "kind",
			 c->kind, "capacity", c->capacity, "temporary_allowance",
			 !strcmp(c->kind, "hub") ? 0 : org_temporary_allowance(c->capacity),
			 "sick_capacity", c->sick_capacity, "sick_care", c->sick_capacity > 0);
}

/* Kind (운영유형) and sick-child places only: the capacity (정원) changes through a capacity
 * change request that the district approves (FACILITIES.md), never here. A center without
 * care settings starts with the capacity of its floor area. */
void api_care_put(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_facility_info fi;
	struct store_care c = { 0 };
	enum org_kium_kind kind;
	json_t *o = NULL, *sick;
	const char *k;
	bool bad = false;
	int sick_places = -1, err;

	if (!api_scope_facility(call, call->params[0], NULL) || !(o = api_read_json(call)))
		goto out;
	if (json_object_get(o, "capacity") || json_object_get(o, "area_m2")) {
		api_reply_error(call, 400, "capacity_by_request", "capacity");
		goto out;
	}
	k = api_field(call, o, "kind", true, &bad);
	if (bad)
		goto out;
	if (org_kind_parse(k, &kind) < 0 || kind == ORG_KIND_NONE) {
		api_reply_error(call, 400, "field_invalid", "kind");
		goto out;
	}
	sick = json_object_get(o, "sick_capacity");
	if (sick && (!json_is_integer(sick) || json_integer_value(sick) < 0 ||
		     json_integer_value(sick) > 10000)) {
		api_reply_error(call, 400, "field_invalid", "sick_capacity");
		goto out;
	}
	if (sick)
		sick_places = (int)json_integer_value(sick);
	if (store_facility_info_get(st, call->params[0], &fi) < 0) {
		store_failed(call);
		goto out;
	}
	if (strcmp(fi.f.type, "UK") != 0) {
		api_reply_error(call, 409, "care_kium_only", fi.f.type);
		goto out;
	}
	api_audit_target(call, fi.f.code);
	if (store_care_set_kind(st, fi.f.code, org_kind_code(kind), sick_places,
				org_capacity_from_area(fi.area_centi), call->id.account,
				clock_wall_ms()) < 0) {
		store_failed(call);
		goto out;
	}
	err = store_care_get(st, fi.f.code, &c);
	if (err < 0) {
		store_failed(call);
		goto out;
	}
	api_reply_json(call, 200, care_json(&c));
out:
	json_decref(o);
}

void api_care_get(struct api_call *call)
{
	struct store_care c;
	int err;

	/* Capacity and kind are public facts of a center: any logged-in parent may read them. */
	if ((call->id.roles & AUTH_STAFF) && !api_scope_facility(call, call->params[0], NULL))
		return;
	err = store_care_get(api_store(call->api), call->params[0], &c);
	if (err == -ENOENT) {
		api_booking_refuse(call, 404, "care_not_set", NULL);
		return;
	}
	if (err < 0) {
		store_failed(call);
		return;
	}
	api_reply_json(call, 200, care_json(&c));
}

