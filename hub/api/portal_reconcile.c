/*
 * Reconciliation routes (issue 6): a facility's day (each booked child's status, unreserved
 * visits, 일일 이용자 counts), its history as daily summaries, staff corrections with a
 * reason (their own table; the router's audit row records who did it), and a child's days
 * across facilities (연계돌봄 아동별 현황).
 *
 * Each child's day of taps (first, last, count) is kept as taps arrive, in the ingest's
 * transaction (hub/store/store_visits.h); a facility-day is then two small indexed reads
 * (its approved bookings, its children's days) and a merge in hub/domain/reconcile.c, with
 * the staff's corrections laid over. tests/bench/booking.sh measures a whole city day.
 */
#include "hub/api/bookings.h"
#include "hub/api/portal.h"

#include "common/clock.h"
#include "hub/domain/booking.h"
#include "hub/domain/reconcile.h"
#include "hub/store/store.h"
#include "hub/store/store_visits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_MAX_DAYS 31

int api_reconcile_compute(struct store *st, const char *facility, int64_t day, int64_t now_ms,
			  struct reconcile_row **out, size_t *n)
{
	static const char *const states[] = { "approved", NULL };
	struct store_booking_filter f = { .facility = facility, .states = states, .on_day = day };
	struct store_booking *bk = NULL;
	struct store_visit *vis = NULL;
	struct store_correction *cor = NULL;
	struct store_term *terms = NULL;
	struct reconcile_booking *rb = NULL;
	struct reconcile_visit *rv = NULL;
	struct reconcile_opts o = { RECONCILE_GRACE_MIN, 1440, 1440 };
	size_t nbk = 0, nvis = 0, ncor = 0, nterms = 0;
	int64_t today = clock_seoul_day(now_ms), start = clock_day_start_ms(day);
	int r;

	*out = NULL;
	*n = 0;
	if ((r = store_booking_list(st, &f, &bk, &nbk)) < 0 ||
	    (r = store_visits_day(st, facility, day, &vis, &nvis)) < 0 ||
	    (r = store_correction_list(st, facility, NULL, day, &cor, &ncor)) < 0 ||
	    (r = store_terms_range(st, day, day, &terms, &nterms)) < 0)
		goto out;
	if (nterms)
		o.close_min = terms[0].close_min;
	o.now_min = day < today ? 1440 : day > today ? -1 : (int)((now_ms - start) / 60000);
	r = -ENOMEM;
	if ((nbk && !(rb = calloc(nbk, sizeof(*rb)))) || (nvis && !(rv = calloc(nvis, sizeof(*rv)))))
		goto out;
	for (size_t i = 0; i < nbk; i++) {
		snprintf(rb[i].child, sizeof(rb[i].child), "%s", bk[i].child);
		rb[i].start_min = bk[i].start_min;
		rb[i].end_min = bk[i].end_min;
	}
	for (size_t i = 0; i < nvis; i++) {
		snprintf(rv[i].child, sizeof(rv[i].child), "%s", vis[i].child);
		rv[i].first_min = (int)((vis[i].first_ms - start) / 60000);
		rv[i].last_min = (int)((vis[i].last_ms - start) / 60000);
		rv[i].ntaps = vis[i].taps;
	}
	if ((r = reconcile_day_visits(rb, nbk, rv, nvis, &o, out, n)) < 0)
		goto out;
	/* Corrections, oldest first: the latest for a child wins. */
	for (size_t c = 0; c < ncor; c++) {
		enum reconcile_status s;

		if (reconcile_status_parse(cor[c].status, &s) < 0)
			continue;
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*out)[i].child, cor[c].child))
				(*out)[i].status = s;
	}
out:
	free(bk);
	free(vis);
	free(cor);
	free(terms);
	free(rb);
	free(rv);
	return r;
}

static json_t *min_json(int m)
{
	char b[32];

	if (m < 0)
		return json_null();
	snprintf(b, sizeof(b), "%02d:%02d", m / 60, m % 60);
	return json_string(b);
}

static json_t *summary_json(const struct reconcile_row *rows, size_t n)
{
	struct reconcile_summary s;
	json_t *o;

	reconcile_summarize(rows, n, &s);
	o = json_pack("{s:i, s:i}", "booked", s.booked, "users", s.users);
	for (int i = 0; i < RECON_STATUS_COUNT; i++)
		json_object_set_new(o, reconcile_status_code(i), json_integer(s.count[i]));
	return o;
}

static json_t *row_json(const struct reconcile_row *r)
{
	return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:i, s:b, s:b, s:b}", "child",
			 r->child, "status", reconcile_status_code(r->status), "booked", r->booked,
			 "start", min_json(r->start_min), "end", min_json(r->end_min), "arrived",
			 min_json(r->arrive_min), "left", min_json(r->leave_min), "taps", r->ntaps,
			 "late", r->late, "left_early", r->left_early, "no_departure",
			 r->no_departure);
}

static int day_query(struct api_call *call, const char *name, int64_t *day)
{
	char b[16];

	if (http_query_get(call->req->query, name, b, sizeof(b)) < 0)
		return -ENOENT;
	if (clock_day_parse(b, day) < 0) {
		api_reply_error(call, 400, "bad_query", name);
		return -EINVAL;
	}
	return 0;
}

/* ?month=YYYY-MM as its first and last day: 0, -ENOENT absent, -EINVAL (answered 400). */
static int month_query(struct api_call *call, int64_t *from, int64_t *to)
{
	char b[16], d[32];
	int y, m;

	if (http_query_get(call->req->query, "month", b, sizeof(b)) < 0)
		return -ENOENT;
	if (strlen(b) != 7 || b[4] != '-' || sscanf(b, "%4d-%2d", &y, &m) != 2 || m < 1 ||
	    m > 12) {
		api_reply_error(call, 400, "bad_query", "month");
		return -EINVAL;
	}
	snprintf(d, sizeof(d), "%04d-%02d-01", y, m);
	if (clock_day_parse(d, from) < 0) {
		api_reply_error(call, 400, "bad_query", "month");
		return -EINVAL;
	}
	snprintf(d, sizeof(d), "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
	if (clock_day_parse(d, to) < 0) {
		api_reply_error(call, 400, "bad_query", "month");
		return -EINVAL;
	}
	(*to)--;
	return 0;
}

void api_reconcile_get(struct api_call *call)
{
	struct store *st = api_store(call->api);
	struct reconcile_row *rows = NULL;
	int64_t day, from, to, now = clock_wall_ms();
	size_t n = 0;
	json_t *a;
	int r;

	if (!api_scope_facility(call, call->params[0], NULL))
		return;
	if ((r = day_query(call, "from", &from)) == 0) {
		/* History: one summary per day. */
		int rt = day_query(call, "to", &to);

		if (rt == -EINVAL)
			return; /* answered 400 */
		if (rt < 0 || to < from || to - from >= HISTORY_MAX_DAYS) {
			api_reply_error(call, 400, "bad_query", "to");
			return;
		}
		a = json_array();
		for (day = from; day <= to; day++) {
			if (api_reconcile_compute(st, call->params[0], day, now, &rows, &n) < 0) {
				json_decref(a);
				api_reply_error(call, 503, "store_unavailable", NULL);
				return;
			}
			json_t *s = summary_json(rows, n);
			char d[16];

			clock_day_format(day, d, sizeof(d));
			json_object_set_new(s, "date", json_string(d));
			json_array_append_new(a, s);
			free(rows);
		}
		api_reply_json(call, 200, json_pack("{s:s, s:o}", "facility", call->params[0],
						    "days", a));
		return;
	}
	if (r == -EINVAL)
		return;
	if ((r = day_query(call, "date", &day)) == -EINVAL)
		return;
	if (r < 0)
		day = clock_seoul_day(now);
	if (api_reconcile_compute(st, call->params[0], day, now, &rows, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, row_json(&rows[i]));
	{
		char d[16];

		clock_day_format(day, d, sizeof(d));
		api_reply_json(call, 200, json_pack("{s:s, s:s, s:o, s:o}", "facility",
						    call->params[0], "date", d, "summary",
						    summary_json(rows, n), "children", a));
	}
	free(rows);
}

void api_reconcile_correct(struct api_call *call)
{
	struct store_correction c = { 0 };
	struct store_child ch;
	enum reconcile_status s;
	const char *date, *child, *status, *reason;
	bool bad = false;
	json_t *o;
	char target[160];

	if (!api_scope_facility(call, call->params[0], NULL) || !(o = api_read_json(call)))
		return;
	date = api_field(call, o, "date", true, &bad);
	child = api_field(call, o, "child", true, &bad);
	status = api_field(call, o, "status", true, &bad);
	reason = api_field(call, o, "reason", true, &bad);
	if (bad)
		goto out;
	if (clock_day_parse(date, &c.day) < 0 || reconcile_status_parse(status, &s) < 0 ||
	    strlen(reason) >= sizeof(c.reason)) {
		api_booking_refuse(call, 400, "correction_invalid", NULL);
		goto out;
	}
	if (store_child_get(api_store(call->api), child, &ch) < 0) {
		api_reply_error(call, 404, "child_unknown", NULL);
		goto out;
	}
	snprintf(c.facility, sizeof(c.facility), "%s", call->params[0]);
	snprintf(c.child, sizeof(c.child), "%s", ch.id);
	snprintf(c.status, sizeof(c.status), "%s", status);
	snprintf(c.reason, sizeof(c.reason), "%s", reason);
	snprintf(c.actor, sizeof(c.actor), "%s", call->id.account[0] ? call->id.account : "token");
	c.at_ms = clock_wall_ms();
	if (store_correction_add(api_store(call->api), &c) < 0) {
		api_booking_refuse(call, 400, "correction_invalid", NULL);
		goto out;
	}
	snprintf(target, sizeof(target), "%s/%s/%s", c.facility, date, c.child);
	api_audit_target(call, target);
	api_reply_json(call, 201, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "facility",
					    c.facility, "date", date, "child", c.child, "status",
					    c.status, "reason", c.reason, "actor", c.actor));
out:
	json_decref(o);
}

void api_child_attendance(struct api_call *call)
{
	static const char *const states[] = { "approved", NULL };
	struct store *st = api_store(call->api);
	struct store_child ch;
	struct store_booking_filter f = { .states = states };
	struct store_booking *bk = NULL;
	char (*fac)[STORE_FACILITY_CODE_MAX] = NULL;
	int64_t *days = NULL, from, to, now = clock_wall_ms();
	size_t nbk = 0, nd = 0;
	int r;
	json_t *a = NULL;

	if (!api_scope_child(call, call->params[0], &ch))
		return;
	if ((r = month_query(call, &from, &to)) == -EINVAL)
		return; /* answered 400 */
	if (r < 0) {
		/* No month: ?from=&to= (a bad day is answered 400 by day_query). */
		int rf = day_query(call, "from", &from), rt = rf ? rf : day_query(call, "to", &to);

		if (rf == -EINVAL || rt == -EINVAL)
			return;
		if (rf < 0 || rt < 0 || to < from || to - from >= HISTORY_MAX_DAYS) {
			api_reply_error(call, 400, "bad_query", "from/to");
			return;
		}
	}
	f.child = ch.id;
	if (store_booking_list(st, &f, &bk, &nbk) < 0 ||
	    store_child_tap_days(st, ch.id, from, to, &fac, &days, &nd) < 0)
		goto fail;
	a = json_array();
	for (int64_t day = from; day <= to; day++) {
		/* The facilities of the day: where the child was booked or tapped. */
		const char *seen[16];
		size_t ns = 0;

		for (size_t i = 0; i < nbk && ns < 16; i++) {
			struct booking_slot sl = { BOOKING_TEMPORARY, bk[i].start_day, bk[i].end_day,
						   bk[i].weekdays, 0, 1 };

			booking_kind_parse(bk[i].kind, &sl.kind);
			if (booking_slot_on(&sl, day))
				seen[ns++] = bk[i].facility;
		}
		for (size_t i = 0; i < nd && ns < 16; i++)
			if (days[i] == day)
				seen[ns++] = fac[i];
		for (size_t s = 0; s < ns; s++) {
			struct reconcile_row *rows = NULL;
			size_t n = 0;
			bool dup = false;

			for (size_t q = 0; q < s; q++)
				dup = dup || !strcmp(seen[q], seen[s]);
			if (dup)
				continue;
			if (api_reconcile_compute(st, seen[s], day, now, &rows, &n) < 0)
				goto fail;
			for (size_t i = 0; i < n; i++) {
				json_t *row;
				char d[16];

				if (strcmp(rows[i].child, ch.id))
					continue;
				row = row_json(&rows[i]);
				clock_day_format(day, d, sizeof(d));
				json_object_set_new(row, "date", json_string(d));
				json_object_set_new(row, "facility", json_string(seen[s]));
				json_array_append_new(a, row);
			}
			free(rows);
		}
	}
	api_reply_json(call, 200, json_pack("{s:s, s:o}", "child", ch.id, "days", a));
	a = NULL;
	api_audit(call, "child.attendance", ch.id);
	goto out;
fail:
	api_reply_error(call, 503, "store_unavailable", NULL);
out:
	json_decref(a);
	free(bk);
	free(fac);
	free(days);
}
