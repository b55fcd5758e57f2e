/*
 * Parents' routes and the notification outbox's admin view (issue 7): a parent's linked
 * children with today's arrival and departure, their notification preferences, and for
 * city and district officers the outbox's delivery state (never its parameters, which may
 * hold reset tokens or codes until they are scrubbed). A child's month of attendance and a
 * parent's bookings are the existing routes (GET /children/{id}/attendance?month=,
 * GET /my/bookings?child=); see hub/api/NOTIFY.md.
 */
#include "hub/api/notify_api.h"

#include "hub/api/bookings.h"
#include "hub/api/portal.h"

#include "common/clock.h"
#include "hub/domain/notify.h"
#include "hub/domain/reconcile.h"
#include "hub/store/store_notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *min_json(int m)
{
	char b[16];

	if (m < 0)
		return json_null();
	snprintf(b, sizeof(b), "%02d:%02d", m / 60, m % 60);
	return json_string(b);
}

/* Today's row of one child at its facility ("none" when neither booked nor tapped). */
static json_t *today_json(struct store *st, const struct store_child *c, int64_t now)
{
	struct reconcile_row *rows = NULL;
	int64_t day = clock_seoul_day(now);
	char d[16];
	size_t n = 0;
	json_t *o = NULL;

	clock_day_format(day, d, sizeof(d));
	if (api_reconcile_compute(st, c->facility, day, now, &rows, &n) < 0)
		return NULL;
	for (size_t i = 0; i < n && !o; i++)
		if (!strcmp(rows[i].child, c->id))
			o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:i}", "date", d, "status",
				      reconcile_status_code(rows[i].status), "booked",
				      rows[i].booked, "arrived", min_json(rows[i].arrive_min),
				      "left", min_json(rows[i].leave_min), "taps", rows[i].ntaps);
	free(rows);
	if (!o)
		o = json_pack("{s:s, s:s, s:b, s:n, s:n, s:i}", "date", d, "status", "none",
			      "booked", 0, "arrived", "left", "taps", 0);
	return o;
}

void api_my_children(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct store_child *v = NULL;
	int64_t now = clock_wall_ms();
	json_t *arr;
	size_t n = 0;

	if (!call->id.account[0]) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	if (store_parent_children(st, call->id.account, &v, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		struct store_facility f;
		json_t *today = today_json(st, &v[i], now);

		if (!today || store_facility_get(st, v[i].facility, &f) < 0) {
			json_decref(today);
			json_decref(arr);
			free(v);
			api_reply_error(call, 503, "store_unavailable", NULL);
			return;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", v[i].id,
						     "display", v[i].display, "facility",
						     v[i].facility, "facility_name", f.name, "today",
						     today));
	}
	free(v);
	api_reply_json(call, 200, json_pack("{s:o}", "children", arr));
	api_audit(call, "child.read my/children", call->id.account);
}

void api_my_prefs_get(struct api_call *call)
{
	struct store_notify_prefs p;

	if (!call->id.account[0]) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	if (store_notify_prefs_get(api_store(call->api), call->id.account, &p) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 200, notify_prefs_json(&p));
}

void api_my_prefs_put(struct api_call *call)
{
	struct store *st = api_store(call->api);
	const char *ct = http_request_header(call->req, "Content-Type");
	struct store_notify_prefs p;
	const char *why = NULL;
	int64_t now = clock_wall_ms();

	if (!call->id.account[0]) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	if (ct && strncasecmp(ct, "application/json", 16) != 0) {
		api_reply_error(call, 415, "unsupported_media_type", NULL);
		return;
	}
	if (store_notify_prefs_get(st, call->id.account, &p) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	if (notify_prefs_apply(call->req->body, call->req->body_len, &p, &why) < 0) {
		api_reply_error(call, 400, "bad_preferences", why);
		return;
	}
	if (store_notify_prefs_set(st, call->id.account, &p, now) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	p.changed_ms = now;
	api_audit_target(call, call->id.account);
	api_reply_json(call, 200, notify_prefs_json(&p));
}

static bool query_text(struct api_call *call, const char *name, char *buf, size_t len,
		       bool *bad)
{
	int r = http_query_get(call->req->query, name, buf, len);

	if (r == -ENOENT || *bad)
		return false;
	if (r < 0 || !buf[0]) {
		api_reply_error(call, 400, "bad_query", name);
		*bad = true;
		return false;
	}
	return true;
}

void api_notifications_list(struct api_call *call)
{
	struct store_outbox_filter f = { .limit = 100 };
	struct store_outbox_row *v = NULL;
	char state[16], tmpl[32], before[24], limit[8];
	int64_t counts[3];
	bool bad = false;
	json_t *arr;
	size_t n = 0;

	if (!(call->id.roles & AUTH_CITYWIDE)) {
		if (!(call->id.roles & AUTH_ROLE_DISTRICT) || !call->id.district[0]) {
			api_reply_error(call, 403, "out_of_scope", NULL);
			return;
		}
		f.district = call->id.district;
	}
	if (query_text(call, "state", state, sizeof(state), &bad)) {
		if (strcmp(state, "pending") && strcmp(state, "delivered") && strcmp(state, "failed")) {
			api_reply_error(call, 400, "bad_query", "state");
			return;
		}
		f.state = state;
	}
	if (query_text(call, "template", tmpl, sizeof(tmpl), &bad)) {
		if (!notify_template_find(tmpl)) {
			api_reply_error(call, 400, "bad_query", "template");
			return;
		}
		f.template_code = tmpl;
	}
	if (query_text(call, "before", before, sizeof(before), &bad)) {
		char *end;

		f.before_id = strtoll(before, &end, 10);
		if (*end || f.before_id <= 0) {
			api_reply_error(call, 400, "bad_query", "before");
			return;
		}
	}
	if (query_text(call, "limit", limit, sizeof(limit), &bad)) {
		char *end;
		long l = strtol(limit, &end, 10);

		if (*end || l < 1 || l > 500) {
			api_reply_error(call, 400, "bad_query", "limit");
			return;
		}
		f.limit = (size_t)l;
	}
	if (bad)
		return;
	if (store_outbox_query(api_store(call->api), &f, &v, &n) < 0 ||
	    store_outbox_counts(api_store(call->api), clock_wall_ms() - 86400000LL, counts) < 0) {
		store_outbox_rows_free(v, n);
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		const struct notify_template *t = notify_template_find(v[i].template_code);

		json_array_append_new(
			arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:s, s:b}",
				       "id", (json_int_t)v[i].id, "template", v[i].template_code,
				       "title", t ? t->title : "", "state", v[i].state, "facility",
				       v[i].facility, "attempts", v[i].attempts, "created_ms",
				       (json_int_t)v[i].created_ms, "next_ms",
				       (json_int_t)v[i].next_ms, "done_ms",
				       (json_int_t)v[i].done_ms, "last_status", v[i].last_status,
				       "last_error", v[i].last_error, "scrubbed", v[i].scrubbed));
	}
	store_outbox_rows_free(v, n);
	/* The counts (pending; delivered and failed in the last 24 hours) are city-wide: a
	 * district officer sees only its rows, not others'. */
	api_reply_json(call, 200, json_pack("{s:o, s:o}", "notifications", arr, "counts",
					    f.district ? json_null()
						       : json_pack("{s:I, s:I, s:I}", "pending",
								   (json_int_t)counts[0],
								   "delivered",
								   (json_int_t)counts[1], "failed",
								   (json_int_t)counts[2])));
}
