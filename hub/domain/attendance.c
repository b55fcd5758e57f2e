/*
 * Attendance: ingesting a device's batch of taps (sequence rules, clock correction, one
 * durable transaction per batch) and the JSON day view. The rules are in attendance.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/domain/notify.h"
#include "hub/store/store_stats.h"

const char *attendance_outcome_name(enum attendance_outcome o)
{
	switch (o) {
	case ATTENDANCE_STORED:
		return "stored";
	case ATTENDANCE_DUPLICATE:
		return "duplicate";
	case ATTENDANCE_REJECTED:
		return "rejected";
	}
	return "rejected";
}

const char *attendance_time_flag_name(enum store_time_flag f)
{
	switch (f) {
	case STORE_TIME_READER:
		return "reader";
	case STORE_TIME_CORRECTED:
		return "corrected";
	case STORE_TIME_UNCORRECTABLE:
		return "uncorrectable";
	}
	return "uncorrectable";
}

#define ATTENDANCE_MAX_AGE_MS (366LL * 24 * 3600 * 1000)

struct order {
	uint64_t seq;
	size_t i;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The effective time of a decoded tap and how it was obtained. */
static int64_t tap_time(const struct tap_batch *b, const struct tap *t, int64_t received_ms,
			enum store_time_flag *flag)
{
	if (t->clock_synced) {
		*flag = STORE_TIME_READER;
		return t->wall_ms;
	}
	/* Same boot, and a plausible age: a reader does not hold a tap for a year. */
	if (strcmp(t->boot_id, b->boot_id) == 0 && t->mono_ms <= b->mono_ms &&
	    b->mono_ms - t->mono_ms <= ATTENDANCE_MAX_AGE_MS) {
		*flag = STORE_TIME_CORRECTED;
		return received_ms - (b->mono_ms - t->mono_ms);
	}
	*flag = STORE_TIME_UNCORRECTABLE;
	return t->wall_ms;
}

/* One record, in seq order; *high advances when the record's seq becomes held. */
static int ingest_one(struct store *st, const struct store_device *d,
		      const struct tap_batch *b, size_t i, const char *why, int64_t received_ms,
		      uint64_t *high, struct attendance_result *res, size_t *conflicts)
{
	const struct tap *t = &b->taps[i];
	enum store_put_outcome outcome;
	enum store_time_flag flag = STORE_TIME_READER;
	const char *held = NULL;
	int64_t time_ms = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if (t->seq == 0) {
		res->outcome = ATTENDANCE_REJECTED;
		res->reason = why ? why : "bad_seq";
		return 0;
	}
	if (t->seq > *high + 1) {
		res->outcome = ATTENDANCE_REJECTED;
		res->reason = "seq_gap";
		return 0;
	}
	if (!why)
		time_ms = tap_time(b, t, received_ms, &flag);
	r = store_tap_put(st, d->id, d->facility, t, received_ms, time_ms, flag, b->mono_ms, why,
			  &outcome, &held);
	if (r == -EINVAL && !why) {
		/* The codec let through something the store refuses: hold it as malformed. */
		why = "malformed";
		r = store_tap_put(st, d->id, d->facility, t, received_ms, 0, STORE_TIME_READER, 0,
				  why, &outcome, &held);
	}
	if (r < 0)
		return r;
	if (outcome == STORE_PUT_STORED && !why &&
	    (r = store_stats_tap(st, d->facility, t, time_ms, received_ms, flag)) < 0)
		return r; /* statistics rollups, same transaction (store_stats.h) */
	if (t->seq == *high + 1)
		*high = t->seq;
	switch (outcome) {
	case STORE_PUT_STORED:
		res->outcome = why ? ATTENDANCE_REJECTED : ATTENDANCE_STORED;
		res->reason = why;
		res->flag = flag;
		/* Parents' arrival/departure messages, in this transaction (notify.h). */
		if (!why && (r = notify_on_tap(st, d->id, d->facility, t, time_ms, flag,
					       received_ms)) < 0)
			return r;
		break;
	case STORE_PUT_DUPLICATE:
		res->outcome = ATTENDANCE_DUPLICATE;
		break;
	case STORE_PUT_HELD_REJECT:
		res->outcome = ATTENDANCE_REJECTED;
		res->reason = held;
		break;
	case STORE_PUT_CONFLICT:
		/* Not a replay: another tap under a sequence number already used (a reader
		 * whose journal was reset?). Not stored; the reader sets it aside. */
		res->outcome = ATTENDANCE_REJECTED;
		res->reason = "seq_reused";
		(*conflicts)++;
		break;
	}
	return 0;
}

int attendance_ingest_tx(struct store *st, const char *device_id,
			 const struct tap_batch *batch, const char *const *why, int64_t received_ms,
			 struct attendance_result *results, uint64_t *seq_high)
{
	struct store_device d;
	struct order *order = NULL;
	size_t conflicts = 0;
	uint64_t high;
	int r;

	/* Refusals first, before anything is written. */
	if ((r = store_device_get(st, device_id, &d)) < 0)
		return r;
	if (d.revoked)
		return -EACCES;
	if (strcmp(batch->device, device_id) != 0)
		return -EPERM;
	if (batch->n > TAP_BATCH_MAX)
		return -EINVAL;
	order = malloc((batch->n ? batch->n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < batch->n; i++) {
		order[i].seq = batch->taps[i].seq;
		order[i].i = i;
	}
	qsort(order, batch->n, sizeof(*order), order_cmp);
	high = d.seq_high;
	for (size_t k = 0; k < batch->n; k++) {
		size_t i = order[k].i;

		r = ingest_one(st, &d, batch, i, why ? why[i] : NULL, received_ms, &high,
			       &results[i], &conflicts);
		if (r < 0)
			goto out;
	}
	if (conflicts)
		log_warn("attendance: %s sent %zu taps under sequence numbers already used by "
			 "other taps (journal reset?); refused as seq_reused", device_id, conflicts);
	if ((r = store_device_seq_set(st, device_id, high, received_ms)) < 0)
		goto out;
	*seq_high = high;
out:
	free(order);
	/* Past the refusals something may have been written: a store error that happens to
	 * share a refusal's code (a constraint: -EINVAL, -ENOENT) must make the caller roll
	 * back, not go on with the transaction. */
	if (r == -ENOENT || r == -EACCES || r == -EPERM || r == -EINVAL)
		r = -EIO;
	return r;
}

int attendance_ingest(struct store *st, const char *device_id, const struct tap_batch *batch,
		      const char *const *why, int64_t received_ms,
		      struct attendance_result *results, uint64_t *seq_high)
{
	uint64_t high = 0;
	int r;

	if ((r = store_begin(st)) < 0)
		return r;
	r = attendance_ingest_tx(st, device_id, batch, why, received_ms, results, &high);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	if ((r = store_commit(st)) < 0)
		return r;
	*seq_high = high;
	return 0;
}

static json_t *row_json(const struct store_attendance_row *row)
{
	char iso[32], hhmm[8];

	clock_iso8601(row->time_ms, iso, sizeof(iso));
	clock_seoul_hhmm(row->time_ms, hhmm, sizeof(hhmm));
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "time", iso,
			 "hhmm", hhmm,
			 "child", row->child_id[0] ? json_string(row->child_id) : json_null(),
			 "name", row->child_name[0] ? json_string(row->child_name) : json_null(),
			 "uid", row->uid, "dir", tap_dir_name(row->dir),
			 "result", tap_result_name(row->result),
			 "clock", attendance_time_flag_name(row->flag),
			 "reader_wall_ms", (json_int_t)row->reader_wall_ms,
			 "device", row->device_id, "seq", (json_int_t)row->seq);
}

int attendance_day_json(struct store *st, const char *facility, int64_t day, json_t **out)
{
	struct store_attendance_row *rows = NULL;
	json_t *arr = NULL, *obj = NULL, *o;
	char date[16];
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = store_attendance_day(st, facility, day, &rows, &n)) < 0)
		return r;
	r = -ENOMEM;
	if (!(arr = json_array()))
		goto out;
	for (size_t i = 0; i < n; i++) {
		o = row_json(&rows[i]);
		if (!o || json_array_append_new(arr, o) < 0)
			goto out;
	}
	clock_day_format(day, date, sizeof(date));
	obj = json_pack("{s:s, s:s, s:O}", "facility", facility, "date", date, "taps", arr);
	if (!obj)
		goto out;
	*out = obj;
	r = 0;
out:
	json_decref(arr);
	free(rows);
	return r;
}
