/*
 * Attendance: what the hub does with a device's batch of taps, and the day view staff read.
 *
 * Ingest rules (the device <-> hub contract in DESIGN.md):
 *   - (device, seq) is held at most once. The answer carries the highest sequence held
 *     contiguously from 1, so the reader may delete everything up to it.
 *   - Records are taken in ascending seq order whatever their order in the batch. A record
 *     with seq > high + 1 (after the records before it in this batch) is rejected "seq_gap"
 *     and NOT held: the reader resends it in order.
 *   - A record that did not decode (why[i] set by tap_batch_from_json) but has a sequence
 *     number is held as a rejected record with that reason, so the sequence can pass it and
 *     the reader is not stuck resending a record that will never be good; a record without
 *     a usable seq is rejected and not held.
 *   - Replaying a batch or any part changes nothing: a held tap answers "duplicate", a held
 *     rejected record answers "rejected" with its original reason. A different tap under a
 *     sequence number already held (a reader whose journal was reset) is not a replay: it is
 *     rejected "seq_reused" (not stored), so that it is set aside rather than taken as sent.
 *   - A card of another facility tapped here is stored as a tap here (it tapped where it is).
 *   - Clock: synced taps keep the reader's wall time. An unsynced tap from the batch's own
 *     boot is placed at received_ms - (batch.mono_ms - tap.mono_ms), flagged "corrected";
 *     one from another boot (or more than a year old, or later than its own batch) keeps
 *     the reader's value, flagged "uncorrectable". The reader's raw fields are always kept
 *     beside the effective time.
 *   - Direction and result stay as the reader decided (reconciliation is a later issue).
 *   - One transaction per batch, committed durably before returning (or, with
 *     attendance_ingest_tx, several batches in one transaction the caller commits).
 */
#ifndef KIUM_HUB_DOMAIN_ATTENDANCE_H
#define KIUM_HUB_DOMAIN_ATTENDANCE_H

#include <jansson.h>
#include <stdint.h>

#include "common/tap.h"
#include "hub/store/store.h"

enum attendance_outcome {
	ATTENDANCE_STORED = 0,
	ATTENDANCE_DUPLICATE,
	ATTENDANCE_REJECTED,
};

struct attendance_result {
	enum attendance_outcome outcome;
	const char *reason;          /* REJECTED: a static stable code ("seq_gap", "bad_uid", ...) */
	enum store_time_flag flag;   /* STORED: how the effective time was obtained */
};

/* "stored", "duplicate", "rejected". */
const char *attendance_outcome_name(enum attendance_outcome o);
/* "reader", "corrected", "uncorrectable". */
const char *attendance_time_flag_name(enum store_time_flag f);

/* Ingests batch for device_id (the CN of the client certificate). why: per record, from
 * tap_batch_from_json (may be NULL: all records decoded). results: batch->n entries, filled
 * in the batch's order. *seq_high: the device's contiguous high after the batch.
 * Errors (nothing stored): -ENOENT unknown device, -EACCES revoked device, -EPERM when
 * batch->device is not device_id, -EIO/-EBUSY store failure. Touches the device's last_seen. */
int attendance_ingest(struct store *st, const char *device_id, const struct tap_batch *batch,
		      const char *const *why, int64_t received_ms,
		      struct attendance_result *results, uint64_t *seq_high);

/* The same inside a transaction the caller opened with store_begin, for group commit:
 * several batches (of one or several devices, in order) and one durable store_commit, after
 * which all of them may be answered; nothing may be answered before that commit succeeds.
 * -ENOENT, -EACCES, -EPERM and -EINVAL refuse this batch before it wrote anything (the
 * transaction may go on with others); after any other error the caller must store_rollback
 * the whole transaction. */
int attendance_ingest_tx(struct store *st, const char *device_id,
			 const struct tap_batch *batch, const char *const *why, int64_t received_ms,
			 struct attendance_result *results, uint64_t *seq_high);

/* The JSON day view of a facility (Seoul local day):
 *   {"facility":"NWUK015","date":"2026-11-22","taps":[{"time":"2026-11-22T06:01:02.003Z",
 *     "hhmm":"15:01","child":"C001","name":"김민수","uid":"04a1b2c3","dir":"in",
 *     "result":"arrival","clock":"reader"|"corrected"|"uncorrectable",
 *     "reader_wall_ms":..., "device":"NWUK015-R01","seq":12}, ...]}
 * child/name are null for cards nobody held when tapped. New reference in *out.
 * -ENOENT unknown facility. */
int attendance_day_json(struct store *st, const char *facility, int64_t day, json_t **out);

#endif
