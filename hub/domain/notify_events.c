/*
 * The events that queue notifications (notify.h): a stored arrival or departure tap, called
 * from the ingest inside the batch's transaction (so the message exists exactly when the tap
 * does), and the missing-departure sweep after closing time, run by the delivery worker.
 * Both key their messages by the event and the guardian, so the schema's unique key makes a
 * second queueing of the same event a no-op.
 */
#include "hub/domain/notify.h"

#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTIFY_TARGETS_MAX 8

/* Set once at start (notify_set_tap_max_age), read by the ingest. */
static _Atomic int64_t tap_max_age_ms = NOTIFY_TAP_MAX_AGE_MS;

int64_t notify_set_tap_max_age(int64_t ms)
{
	return atomic_exchange(&tap_max_age_ms, ms > 0 ? ms : NOTIFY_TAP_MAX_AGE_MS);
}

/* Appends s as the inside of a JSON string (names are valid UTF-8 without controls). */
static void json_esc(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

static int queue(struct store *st, const char *tmpl, const char *event, const char *facility,
		 const struct store_notify_target *tg, size_t n, const char *extra,
		 int64_t at_ms, int64_t now_ms, size_t *queued)
{
	char masked[STORE_NAME_MAX], name[2 * STORE_NAME_MAX], fname[2 * STORE_NAME_MAX];
	char hhmm[8], date[16], params[1024], ev[256], key[NOTIFY_KEY_LEN];
	int r;

	if (store_name_mask(tg[0].child_name, masked, sizeof(masked)) < 0)
		snprintf(masked, sizeof(masked), "*");
	json_esc(name, sizeof(name), masked);
	json_esc(fname, sizeof(fname), tg[0].facility_name);
	clock_seoul_hhmm(at_ms, hhmm, sizeof(hhmm));
	clock_day_format(clock_seoul_day(at_ms), date, sizeof(date));
	snprintf(params, sizeof(params),
		 "{\"child\":\"%s\",\"name\":\"%s\",\"facility\":\"%s\",\"facility_name\":\"%s\","
		 "\"date\":\"%s\",\"time\":\"%s\",\"at_ms\":%lld%s}",
		 tg[0].child, name, facility, fname, date, hhmm, (long long)at_ms, extra);
	for (size_t i = 0; i < n; i++) {
		struct store_outbox_new m = { tg[i].parent, tmpl, params, key, facility, NULL };

		snprintf(ev, sizeof(ev), "%s/%s", event, tg[i].parent);
		notify_event_key(ev, key);
		if ((r = store_outbox_put(st, &m, now_ms)) < 0)
			return r;
		if (r == 0 && queued)
			(*queued)++;
	}
	return 0;
}

int notify_on_tap(struct store *st, const char *device_id, const char *facility,
		  const struct tap *t, int64_t time_ms, enum store_time_flag flag,
		  int64_t received_ms)
{
	struct store_notify_target tg[NOTIFY_TARGETS_MAX];
	char uid[STORE_UID_HEX_MAX], ev[160];
	const char *tmpl;
	int64_t at = flag == STORE_TIME_UNCORRECTABLE ? received_ms : time_ms;
	size_t n = 0;
	int r;

	if (t->result == TAP_RESULT_ARRIVAL)
		tmpl = "arrival";
	else if (t->result == TAP_RESULT_DEPARTURE)
		tmpl = "departure";
	else
		return 0;
	if (received_ms - at > atomic_load(&tap_max_age_ms))
		return 0;
	tap_uid_format(t->uid, t->uid_len, uid, sizeof(uid));
	r = store_notify_card_targets(st, uid, facility, at, received_ms, tmpl, tg,
				      NOTIFY_TARGETS_MAX, &n);
	if (r < 0 || n == 0)
		return r;
	snprintf(ev, sizeof(ev), "tap/%s/%llu", device_id, (unsigned long long)t->seq);
	return queue(st, tmpl, ev, facility, tg, n, "", at, received_ms, NULL);
}

struct last_tap {
	char child[STORE_ID_MAX];
	enum tap_result result;
	int64_t time_ms;
};

/* One facility's day: children whose last tap is an arrival. */
static int sweep_facility(struct store *st, const char *facility, int64_t day, int close_min,
			  int64_t now_ms, size_t *queued)
{
	struct store_attendance_row *rows = NULL;
	struct last_tap *last = NULL;
	size_t n = 0, nl = 0;
	bool tx = false;
	int r;

	if ((r = store_attendance_day(st, facility, day, &rows, &n)) < 0 || n == 0)
		goto out;
	if (!(last = calloc(n, sizeof(*last)))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!rows[i].child_id[0] || rows[i].result == TAP_RESULT_UNKNOWN_CARD)
			continue;
		for (j = 0; j < nl && strcmp(last[j].child, rows[i].child_id); j++)
			;
		if (j == nl)
			snprintf(last[nl++].child, sizeof(last[0].child), "%s", rows[i].child_id);
		last[j].result = rows[i].result;
		last[j].time_ms = rows[i].time_ms;
	}
	for (size_t j = 0; j < nl; j++) {
		struct store_notify_target tg[NOTIFY_TARGETS_MAX];
		char ev[160], extra[64];
		size_t nt = 0;

		if (last[j].result != TAP_RESULT_ARRIVAL)
			continue;
		if ((r = store_notify_child_targets(st, last[j].child, facility,
						    "missing_departure", tg, NOTIFY_TARGETS_MAX,
						    &nt)) < 0)
			goto out;
		if (!nt)
			continue;
		if (!tx) {
			if ((r = store_begin(st)) < 0)
				goto out;
			tx = true;
		}
		snprintf(ev, sizeof(ev), "nodep/%s/%lld", last[j].child, (long long)day);
		snprintf(extra, sizeof(extra), ",\"close_time\":\"%02d:%02d\"", close_min / 60,
			 close_min % 60);
		if ((r = queue(st, "missing_departure", ev, facility, tg, nt, extra,
			       last[j].time_ms, now_ms, queued)) < 0)
			goto out;
	}
	if (tx) {
		tx = false;
		r = store_commit(st);
	}
out:
	if (tx)
		store_rollback(st);
	free(rows);
	free(last);
	return r;
}

int notify_sweep_missing(struct store *st, int64_t now_ms, const struct notify_sweep_opts *o,
			 size_t *queued)
{
	int64_t today = clock_seoul_day(now_ms);
	int r = 0;

	*queued = 0;
	for (int64_t day = today - 1; day <= today; day++) {
		struct store_facility *fac = NULL;
		struct store_term *terms = NULL;
		size_t nf = 0, nt = 0;
		int close_min = o->default_close_min;
		int64_t due;

		if ((r = store_terms_range(st, day, day, &terms, &nt)) < 0)
			return r;
		if (nt)
			close_min = terms[0].close_min;
		free(terms);
		due = clock_day_start_ms(day) + (int64_t)(close_min + o->grace_min) * 60000;
		if (now_ms < due || now_ms >= due + o->window_ms)
			continue;
		if ((r = store_facility_list(st, &fac, &nf)) < 0)
			return r;
		for (size_t i = 0; i < nf && r >= 0; i++)
			r = sweep_facility(st, fac[i].code, day, close_min, now_ms, queued);
		free(fac);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *kind_name(const char *kind)
{
	if (!kind)
		return NULL;
	if (!strcmp(kind, "regular"))
		return "정기돌봄";
	if (!strcmp(kind, "temporary"))
		return "일시돌봄";
	if (!strcmp(kind, "sick"))
		return "아픈아이 돌봄";
	return NULL;
}

int notify_enrich(struct store *st, json_t *vars)
{
	const char *child = json_string_value(json_object_get(vars, "child"));
	const char *fac = json_string_value(json_object_get(vars, "facility"));
	const char *kn = kind_name(json_string_value(json_object_get(vars, "kind")));
	json_t *exp = json_object_get(vars, "offer_expires_ms");
	int r;

	if (child && !json_object_get(vars, "name")) {
		struct store_child c;

		if ((r = store_child_get(st, child, &c)) < 0 && r != -ENOENT)
			return r;
		json_object_set_new(vars, "name", json_string(r == 0 ? c.display : "*"));
	}
	if (fac && !json_object_get(vars, "facility_name")) {
		struct store_facility f;

		if ((r = store_facility_get(st, fac, &f)) < 0 && r != -ENOENT)
			return r;
		json_object_set_new(vars, "facility_name", json_string(r == 0 ? f.name : fac));
	}
	if (kn && !json_object_get(vars, "kind_name"))
		json_object_set_new(vars, "kind_name", json_string(kn));
	if (json_is_integer(exp) && json_integer_value(exp) > 0 &&
	    !json_object_get(vars, "deadline")) {
		int64_t ms = json_integer_value(exp);
		char d[16], hm[8], b[48];

		clock_day_format(clock_seoul_day(ms), d, sizeof(d));
		clock_seoul_hhmm(ms, hm, sizeof(hm));
		snprintf(b, sizeof(b), "%.2s월 %.2s일 %s", d + 5, d + 8, hm);
		json_object_set_new(vars, "deadline", json_string(b));
	}
	return 0;
}
