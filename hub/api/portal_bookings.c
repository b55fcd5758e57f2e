/*
 * Booking routes (issue 6): the city's terms, a center's care settings, parents' online
 * applications (documents checklist) and staff's offline registrations, decisions with
 * reasons, cancellations, waitlist offers and their acceptance, extensions into the next
 * term, and the lists staff and parents read. Rules come from hub/domain/booking.c; the
 * capacity decision runs inside the store's write transaction (api_booking_fit).
 */
#include "hub/api/bookings.h"
#include "hub/api/portal.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/booking.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_booking_refuse(struct api_call *call, int status, const char *code, const char *detail)
{
	const char *m = booking_reason_message(code);
	json_t *e;

	if (!m) {
		api_reply_error(call, status, code, detail);
		return;
	}
	e = json_pack("{s:s, s:s}", "code", code, "message", m);
	if (e && detail)
		json_object_set_new(e, "detail", json_string(detail));
	api_reply_json(call, status, e ? json_pack("{s:o}", "error", e) : NULL);
}

static void store_failed(struct api_call *call)
{
	api_reply_error(call, 503, "store_unavailable", NULL);
}

static int care_to_facility(const struct store_care *c, struct booking_facility *f)
{
	memset(f, 0, sizeof(*f));
	if (org_kind_parse(c->kind, &f->kind) < 0)
		f->kind = ORG_KIND_NONE;
	f->capacity = c->capacity;
	f->sick_capacity = c->sick_capacity;
	return 0;
}

static void to_slot(const struct store_booking *b, struct booking_slot *s)
{
	enum booking_kind k = BOOKING_TEMPORARY;

	booking_kind_parse(b->kind, &k);
	*s = (struct booking_slot){ k, b->start_day, b->end_day, b->weekdays, b->start_min,
				    b->end_min };
}

int api_booking_fit(void *arg, const struct store_care *care, const struct store_booking *cand,
		    const struct store_booking_load *load, size_t nload, size_t nwaiting,
		    const char **why)
{
	struct booking_facility f;
	struct booking_slot c;
	struct booking_load_point *p = NULL;
	int r, limit;

	(void)arg;
	care_to_facility(care, &f);
	to_slot(cand, &c);
	if (nload && !(p = malloc(nload * sizeof(*p))))
		return -ENOMEM;
	for (size_t i = 0; i < nload; i++)
		p[i] = (struct booking_load_point){ load[i].day, load[i].minute,
						    { load[i].delta[0], load[i].delta[1],
						      load[i].delta[2] } };
	r = booking_capacity_check_load(&f, p, nload, &c, NULL, why);
	free(p);
	if (r != -ENOSPC)
		return r;
	limit = booking_wait_limit(&f, c.kind);
	if (limit < 0 || nwaiting < (size_t)limit)
		return 1;
	*why = "waitlist_full";
	return -ENOSPC;
}

/* "HH:MM" -> minutes since midnight (24:00 allowed as the end of the day). */
int api_booking_hhmm_parse(const char *s, int *min)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -EINVAL;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

json_t *api_booking_hhmm_json(int min)
{
	char b[32];

	snprintf(b, sizeof(b), "%02d:%02d", min / 60, min % 60);
	return json_string(b);
}

json_t *api_booking_day_json(int64_t day)
{
	char b[16];

	clock_day_format(day, b, sizeof(b));
	return json_string(b);
}

static json_t *booking_json(const struct store_booking *b)
{
	json_t *o = json_object(), *docs = json_loads(b->docs, 0, NULL);

	json_object_set_new(o, "id", json_integer(b->id));
	json_object_set_new(o, "facility", json_string(b->facility));
	json_object_set_new(o, "child", json_string(b->child));
	json_object_set_new(o, "parent", json_string(b->parent));
	json_object_set_new(o, "kind", json_string(b->kind));
	json_object_set_new(o, "state", json_string(b->state));
	json_object_set_new(o, "start", api_booking_day_json(b->start_day));
	json_object_set_new(o, "end", api_booking_day_json(b->end_day));
	json_object_set_new(o, "weekdays", json_integer(b->weekdays));
	json_object_set_new(o, "start_time", api_booking_hhmm_json(b->start_min));
	json_object_set_new(o, "end_time", api_booking_hhmm_json(b->end_min));
	json_object_set_new(o, "offline", json_boolean(b->offline));
	json_object_set_new(o, "extends", json_integer(b->extends_id));
	json_object_set_new(o, "reason", json_string(b->reason));
	json_object_set_new(o, "offer_expires_ms", json_integer(b->offer_expires_ms));
	json_object_set_new(o, "position", json_integer(b->position));
	json_object_set_new(o, "guardian_linked", json_boolean(b->guardian_linked));
	/* An offline child without a member guardian: staff should invite one (보호자 가입 안내). */
	json_object_set_new(o, "guardian_invite", json_boolean(!b->guardian_linked));
	json_object_set_new(o, "documents", docs ? docs : json_object());
	return o;
}

static json_t *bookings_json(const struct store_booking *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, booking_json(&v[i]));
	return a;
}

/* Offers past their deadline expire and pass on before bookings are read or placed (a read
 * when none is due). */
static void offers_sweep(struct api_call *call)
{
	size_t n = 0;

	if (store_booking_expire_offers(api_store(call->api), API_BOOKING_OFFER_MS,
					api_booking_fit, NULL, clock_wall_ms(), &n) < 0)
		log_warn("bookings: expiring offers failed");
	else if (n)
		log_info("bookings: %zu offers expired and passed on", n);
}

/* ---- applications ---- */

static int weekdays_parse(json_t *v, unsigned *mask)
{
	static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	size_t i;
	json_t *e;

	*mask = 0;
	if (json_is_integer(v)) {
		*mask = (unsigned)json_integer_value(v);
		return 0;
	}
	if (!json_is_array(v))
		return -EINVAL;
	json_array_foreach(v, i, e) {
		size_t k;

		for (k = 0; k < 7; k++)
			if (json_is_string(e) && !strcmp(json_string_value(e), names[k]))
				break;
		if (k == 7)
			return -EINVAL;
		*mask |= 1u << k;
	}
	return 0;
}

/* The terms meeting [from, to] as domain terms. Caller frees. */
static int terms_load(struct api_call *call, int64_t from, int64_t to, struct booking_term **out,
		      size_t *n)
{
	struct store_term *t = NULL;
	struct booking_term *bt = NULL;
	int r = store_terms_range(api_store(call->api), from, to, &t, n);

	*out = NULL;
	if (r < 0)
		return r;
	if (*n && !(bt = calloc(*n, sizeof(*bt)))) {
		free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		bt[i] = (struct booking_term){ .year = t[i].year, .index = t[i].index,
					       .start_day = t[i].start_day,
					       .end_day = t[i].end_day, .open_min = t[i].open_min,
					       .close_min = t[i].close_min, .meal = t[i].meal,
					       .snack = t[i].snack };
	free(t);
	*out = bt;
	return 0;
}

/* Whether the child holds a temporary booking from today on (temporary -> regular). */
static int temporary_active(struct api_call *call, const char *child, int64_t today, bool *yes)
{
	const char *states[] = { "pending", "approved", "offered", NULL };
	struct store_booking_filter f = { .child = child, .kind = "temporary", .states = states,
					  .on_or_after_day = today };
	struct store_booking *v = NULL;
	size_t n = 0;
	int r = store_booking_list(api_store(call->api), &f, &v, &n);

	free(v);
	*yes = n > 0;
	return r;
}

static json_t *docs_read(struct api_call *call, json_t *o, bool required)
{
	json_t *d = json_object_get(o, "documents");
	struct booking_docs docs = { 0 };
	const char *why, *missing;

	if (d && !json_is_object(d)) {
		api_reply_error(call, 400, "field_invalid", "documents");
		return NULL;
	}
	docs.application = json_is_true(json_object_get(d, "application"));
	docs.privacy_consent = json_is_true(json_object_get(d, "privacy_consent"));
	docs.admission_docs = json_is_true(json_object_get(d, "admission_docs"));
	docs.pickup = json_string_value(json_object_get(d, "pickup_consent"));
	docs.first_aid = json_string_value(json_object_get(d, "first_aid_consent"));
	docs.going_home = json_string_value(json_object_get(d, "going_home_consent"));
	if (required && booking_docs_check(&docs, &why, &missing) < 0) {
		api_booking_refuse(call, 400, why, missing);
		return NULL;
	}
	return json_pack("{s:b, s:b, s:s, s:s, s:s, s:b}", "application", docs.application,
			 "privacy_consent", docs.privacy_consent, "pickup_consent",
			 docs.pickup ? docs.pickup : "", "first_aid_consent",
			 docs.first_aid ? docs.first_aid : "", "going_home_consent",
			 docs.going_home ? docs.going_home : "", "admission_docs",
			 docs.admission_docs);
}

/* Places b (validated) and answers 201 with it, or the refusal. */
static void place(struct api_call *call, struct store_booking *b, bool approve_now)
{
	const char *why = NULL;
	int r = store_booking_add(api_store(call->api), b, approve_now, api_booking_fit, NULL,
				  clock_wall_ms(), &why);

	if (r == -ENOSPC || r == -EINVAL) {
		api_booking_refuse(call, 409, why ? why : "full", NULL);
		return;
	}
	if (r == -EEXIST) {
		api_booking_refuse(call, 409, "booking_duplicate", NULL);
		return;
	}
	if (r == -ENOENT) {
		api_booking_refuse(call, 409, why ? why : "care_not_set", NULL);
		return;
	}
	if (r < 0) {
		store_failed(call);
		return;
	}
	store_booking_get(api_store(call->api), b->id, b);
	{
		char t[32];

		snprintf(t, sizeof(t), "booking:%lld", (long long)b->id);
		api_audit_target(call, t);
	}
	api_reply_json(call, 201, booking_json(b));
}

void api_bookings_create(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_booking b = { 0 };
	struct store_facility fac;
	struct store_child child;
	struct store_care care;
	struct booking_facility bf;
	struct booking_term *terms = NULL;
	struct booking_slot slot;
	enum booking_kind kind;
	json_t *o = NULL, *docs = NULL;
	const char *k, *sd, *ed, *cid, *cname, *t1, *t2, *why;
	bool bad = false, staff = call->id.roles & AUTH_STAFF, yes;
	int64_t today = clock_seoul_day(clock_wall_ms());
	size_t nterms = 0;
	char *txt;
	int r;

	if (staff) {
		if (!api_scope_facility(call, call->params[0], &fac))
			return;
	} else if ((r = store_facility_get(st, call->params[0], &fac)) < 0) {
		api_reply_error(call, r == -ENOENT ? 404 : 503,
				r == -ENOENT ? "facility_unknown" : "store_unavailable", NULL);
		return;
	}
	if (!(o = api_read_json(call)))
		return;
	offers_sweep(call);
	cid = api_field(call, o, "child", true, &bad);
	k = api_field(call, o, "kind", true, &bad);
	sd = api_field(call, o, "start", true, &bad);
	ed = api_field(call, o, "end", false, &bad);
	t1 = api_field(call, o, "start_time", true, &bad);
	t2 = api_field(call, o, "end_time", true, &bad);
	cname = api_field(call, o, "child_name", false, &bad);
	if (bad)
		goto out;
	if (booking_kind_parse(k, &kind) < 0) {
		api_reply_error(call, 400, "field_invalid", "kind");
		goto out;
	}
	slot.kind = kind;
	if (clock_day_parse(sd, &slot.start_day) < 0 ||
	    clock_day_parse(ed ? ed : sd, &slot.end_day) < 0) {
		api_booking_refuse(call, 400, "dates_invalid", NULL);
		goto out;
	}
	if (api_booking_hhmm_parse(t1, &slot.start_min) < 0 || api_booking_hhmm_parse(t2, &slot.end_min) < 0) {
		api_booking_refuse(call, 400, "hours_invalid", NULL);
		goto out;
	}
	if (kind == BOOKING_REGULAR) {
		if (weekdays_parse(json_object_get(o, "weekdays"), &slot.weekdays) < 0) {
			api_booking_refuse(call, 400, "weekdays_invalid", NULL);
			goto out;
		}
	} else {
		slot.weekdays = 1u << booking_weekday(slot.start_day);
	}
	/* The child: a parent's linked child; staff may register a new child offline. */
	r = store_child_get(st, cid, &child);
	if (r == -ENOENT && staff && cname) {
		if ((r = store_child_add(st, cid, cname, fac.code, clock_wall_ms())) == 0)
			r = store_child_get(st, cid, &child);
	}
	if (r == -ENOENT || r == -EINVAL) {
		api_reply_error(call, r == -ENOENT ? 404 : 400, "child_unknown", NULL);
		goto out;
	}
	if (r < 0) {
		store_failed(call);
		goto out;
	}
	if (!staff && store_guardian_linked(st, call->id.account, child.id) < 0) {
		api_reply_error(call, 403, "out_of_scope", NULL);
		goto out;
	}
	if (!(docs = docs_read(call, o, !staff)))
		goto out;
	if ((r = store_care_get(st, fac.code, &care)) < 0) {
		if (r == -ENOENT)
			api_booking_refuse(call, 409, "care_not_set", NULL);
		else
			store_failed(call);
		goto out;
	}
	care_to_facility(&care, &bf);
	if (terms_load(call, slot.start_day, slot.end_day, &terms, &nterms) < 0) {
		store_failed(call);
		goto out;
	}
	if (booking_validate(&slot, &bf, terms, nterms, today, &why) < 0) {
		api_booking_refuse(call, why && !strcmp(why, "regular_not_offered") ? 409 : 400,
				   why, NULL);
		goto out;
	}
	if (kind == BOOKING_REGULAR) {
		if (temporary_active(call, child.id, today, &yes) < 0) {
			store_failed(call);
			goto out;
		}
		if (yes) {
			api_booking_refuse(call, 409, "temporary_to_regular", NULL);
			goto out;
		}
	}
	snprintf(b.facility, sizeof(b.facility), "%s", fac.code);
	snprintf(b.child, sizeof(b.child), "%s", child.id);
	if (!staff)
		snprintf(b.parent, sizeof(b.parent), "%s", call->id.account);
	snprintf(b.kind, sizeof(b.kind), "%s", booking_kind_code(kind));
	b.start_day = slot.start_day;
	b.end_day = slot.end_day;
	b.weekdays = slot.weekdays;
	b.start_min = slot.start_min;
	b.end_min = slot.end_min;
	b.offline = staff;
	snprintf(b.created_by, sizeof(b.created_by), "%s",
		 call->id.account[0] ? call->id.account : "token");
	txt = json_dumps(docs, JSON_COMPACT);
	snprintf(b.docs, sizeof(b.docs), "%s", txt ? txt : "{}");
	free(txt);
	place(call, &b, staff);
out:
	free(terms);
	json_decref(docs);
	json_decref(o);
}

/* ---- one booking ---- */

/* Loads the booking of the path and checks the caller may act on it. */
static bool booking_scope(struct api_call *call, struct store_booking *b)
{
	char *end;
	long long id = strtoll(call->params[0], &end, 10);
	int r;

	if (*end || id <= 0) {
		api_booking_refuse(call, 404, "booking_unknown", NULL);
		return false;
	}
	r = store_booking_get(api_store(call->api), id, b);
	if (r < 0) {
		if (r == -ENOENT)
			api_booking_refuse(call, 404, "booking_unknown", NULL);
		else
			store_failed(call);
		return false;
	}
	if (call->id.roles & AUTH_STAFF)
		return api_scope_facility(call, b->facility, NULL);
	if (call->id.account[0] &&
	    (!strcmp(b->parent, call->id.account) ||
	     store_guardian_linked(api_store(call->api), call->id.account, b->child) == 0))
		return true;
	api_reply_error(call, 403, "out_of_scope", NULL);
	return false;
}

void api_booking_get(struct api_call *call)
{
	struct store_booking b;

	if (booking_scope(call, &b))
		api_reply_json(call, 200, booking_json(&b));
}

static void decide(struct api_call *call, const char *action, const char *reason)
{
	const char *why = NULL;
	struct store_booking b;
	int r;

	r = store_booking_decide(api_store(call->api), strtoll(call->params[0], NULL, 10), action,
				 reason, call->id.account[0] ? call->id.account : "token",
				 API_BOOKING_OFFER_MS, api_booking_fit, NULL, clock_wall_ms(), &why);
	if (r == -EBUSY || r == -ETIMEDOUT) {
		api_booking_refuse(call, 409, why ? why : "state_conflict", NULL);
		return;
	}
	if (r < 0) {
		store_failed(call);
		return;
	}
	api_audit_target(call, call->params[0]);
	if (store_booking_get(api_store(call->api), strtoll(call->params[0], NULL, 10), &b) < 0) {
		store_failed(call);
		return;
	}
	api_reply_json(call, 200, booking_json(&b));
}

void api_booking_decision(struct api_call *call)
{
	struct store_booking b;
	const char *d, *reason;
	bool bad = false;
	json_t *o;

	if (!booking_scope(call, &b) || !(o = api_read_json(call)))
		return;
	d = api_field(call, o, "decision", true, &bad);
	reason = api_field(call, o, "reason", false, &bad);
	if (!bad && strcmp(d, "approve") && strcmp(d, "reject")) {
		api_reply_error(call, 400, "field_invalid", "decision");
		bad = true;
	}
	if (!bad && !strcmp(d, "reject") && (!reason || strlen(reason) >= STORE_REASON_MAX)) {
		api_reply_error(call, 400, "reason_invalid", NULL);
		bad = true;
	}
	if (!bad)
		decide(call, !strcmp(d, "approve") ? "approved" : "rejected", reason);
	json_decref(o);
}

void api_booking_cancel(struct api_call *call)
{
	struct store_booking b;

	if (booking_scope(call, &b))
		decide(call, "cancelled", "");
}

void api_booking_accept(struct api_call *call)
{
	struct store_booking b;

	if (booking_scope(call, &b))
		decide(call, "accepted", "");
}

void api_booking_extend(struct api_call *call)
{
	struct store_booking b, nb;
	struct booking_term *terms = NULL;
	struct booking_slot cur, next;
	const char *why;
	size_t n = 0;

	if (!booking_scope(call, &b))
		return;
	if (strcmp(b.state, "approved")) {
		api_booking_refuse(call, 409, "state_conflict", NULL);
		return;
	}
	to_slot(&b, &cur);
	if (terms_load(call, b.end_day, b.end_day + 400, &terms, &n) < 0) {
		store_failed(call);
		return;
	}
	if (booking_extension(&cur, terms, n, &next, &why) < 0) {
		api_booking_refuse(call, 409, why, NULL);
		goto out;
	}
	nb = b;
	nb.id = 0;
	nb.extends_id = b.id;
	nb.start_day = next.start_day;
	nb.end_day = next.end_day;
	nb.offline = !(call->id.roles & AUTH_ROLE_PARENT) && !b.parent[0];
	snprintf(nb.created_by, sizeof(nb.created_by), "%s",
		 call->id.account[0] ? call->id.account : "token");
	place(call, &nb, false);
out:
	free(terms);
}

/* ---- lists ---- */

void api_bookings_list(struct api_call *call)
{
	static const char *const held_states[] = { "approved", NULL };
	static const char *const app_states[] = { "pending", NULL };
	static const char *const wait_states[] = { "waiting", "offered", NULL };
	static const char *const ext_states[] = { "pending", "approved", "waiting", "offered", NULL };
	struct store_booking_filter f = { 0 };
	struct store_booking *v = NULL;
	char list[24] = "applications";
	size_t n = 0;

	if (!api_scope_facility(call, call->params[0], NULL))
		return;
	offers_sweep(call);
	http_query_get(call->req->query, "list", list, sizeof(list));
	f.facility = call->params[0];
	f.on_or_after_day = clock_seoul_day(clock_wall_ms());
	if (!strcmp(list, "applications")) {
		f.states = app_states;
		f.on_or_after_day = 0;
	} else if (!strcmp(list, "regular") || !strcmp(list, "temporary") ||
		   !strcmp(list, "sick")) {
		f.states = held_states;
		f.kind = list;
	} else if (!strcmp(list, "extensions")) {
		f.states = ext_states;
		f.extensions_only = true;
	} else if (!strcmp(list, "waitlist")) {
		f.states = wait_states;
	} else {
		api_reply_error(call, 400, "bad_query", "list");
		return;
	}
	if (store_booking_list(api_store(call->api), &f, &v, &n) < 0) {
		store_failed(call);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:o}", "facility", call->params[0], "list",
					    list, "bookings", bookings_json(v, n)));
	free(v);
}

void api_bookings_mine(struct api_call *call)
{
	struct store_booking_filter f = { .parent = call->id.account };
	struct store_booking *v = NULL;
	char child[STORE_ID_MAX];
	size_t n = 0;

	if (!call->id.account[0]) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	/* ?child=ID: one child's (issue 7); still only this parent's bookings. */
	if (http_query_get(call->req->query, "child", child, sizeof(child)) == 0)
		f.child = child;
	offers_sweep(call);
	if (store_booking_list(api_store(call->api), &f, &v, &n) < 0) {
		store_failed(call);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:o}", "bookings", bookings_json(v, n)));
	free(v);
}
