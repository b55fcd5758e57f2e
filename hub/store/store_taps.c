/*
 * The SQLite store: taps and the attendance day query. A batch is one transaction
 * (store_begin .. store_commit); each record is one INSERT with the primary key
 * (device_id, seq) guaranteeing "at most once". The child is not resolved at ingest (that
 * lookup cost a quarter of the ingest's CPU): the day query joins each tap to the card
 * assignment valid when the card was tapped, which also stays right when a card changes
 * hands between an offline tap and its upload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/store/store_attendance_sql.h"
#include "hub/store/store_int.h"

int store_begin(struct store *st)
{
	int r;

	if (st->in_tx)
		return -EBUSY;
	if ((r = store_exec(st, "BEGIN IMMEDIATE", "begin batch")) < 0)
		return r;
	st->in_tx = true;
	return 0;
}

int store_commit(struct store *st)
{
	int r;

	if (!st->in_tx)
		return -EINVAL;
	r = store_stats_flush(st); /* the batch's statistics rollups (store_stats.h) */
	if (r == 0)
		r = store_exec(st, "COMMIT", "commit batch");
	st->in_tx = false;
	if (r < 0) {
		store_tx_rollback(st);
		store_stats_discard(st);
	}
	return r;
}

void store_rollback(struct store *st)
{
	store_tx_rollback(st);
	store_stats_discard(st);
	st->in_tx = false;
}

/* Reason codes a held rejected record can carry, as static strings for callers. */
static const char *const held_reasons[] = {
	"bad_uid", "bad_clock", "bad_time", "bad_boot_id", "bad_dir", "bad_result",
	"bad_seq", "not_an_object", "malformed",
};

static const char *held_reason_static(const char *s)
{
	for (size_t i = 0; i < sizeof(held_reasons) / sizeof(held_reasons[0]); i++)
		if (strcmp(s, held_reasons[i]) == 0)
			return held_reasons[i];
	return "malformed";
}

/* What is held at (device, seq): a rejected record, the same tap, or another tap under a
 * reused sequence number. A tap is the same when card, boot and monotonic time agree (its
 * wall time is not compared: a reader's journal keeps it, but it says less). */
static int tap_held(struct store *st, const char *device_id, const struct tap *tap,
		    bool compare, enum store_put_outcome *outcome, const char **held_reject)
{
	sqlite3_stmt *s = store_stmt(st, SS_TAP_HELD,
				     "SELECT reject, uid, boot_id, mono_ms FROM taps"
				     " WHERE device_id = ? AND seq = ?");
	char uid[STORE_UID_HEX_MAX], held_uid[STORE_UID_HEX_MAX], boot[TAP_BOOT_ID_MAX];
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)tap->seq);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? -EIO : store_step_error(st, rc, "tap lookup");
	}
	if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*outcome = STORE_PUT_HELD_REJECT;
		if (held_reject)
			*held_reject = held_reason_static((const char *)sqlite3_column_text(s, 0));
	} else {
		*outcome = STORE_PUT_DUPLICATE;
		if (compare) {
			tap_uid_format(tap->uid, tap->uid_len, uid, sizeof(uid));
			store_col_text(s, 1, held_uid, sizeof(held_uid));
			store_col_text(s, 2, boot, sizeof(boot));
			if (strcmp(uid, held_uid) != 0 || strcmp(boot, tap->boot_id) != 0 ||
			    sqlite3_column_int64(s, 3) != tap->mono_ms)
				*outcome = STORE_PUT_CONFLICT;
		}
	}
	sqlite3_reset(s);
	return 0;
}

int store_tap_put(struct store *st, const char *device_id, const char *facility,
		  const struct tap *tap, int64_t received_ms, int64_t time_ms,
		  enum store_time_flag flag, int64_t batch_mono_ms, const char *reject,
		  enum store_put_outcome *outcome, const char **held_reject)
{
	char uid[STORE_UID_HEX_MAX];
	sqlite3_stmt *s;
	int r;

	if (held_reject)
		*held_reject = NULL;
	if (!st->in_tx)
		return -EINVAL;
	if (!tap_device_id_valid(device_id) || !store_code_valid(facility) || tap->seq == 0 ||
	    tap->seq > INT64_MAX || (reject && !store_short_valid(reject)))
		return -EINVAL;
	if (!reject && (tap->uid_len == 0 || tap->uid_len > TAP_UID_MAX))
		return -EINVAL;
	s = store_stmt(st, SS_TAP_INSERT,
		       "INSERT INTO taps (device_id, seq, facility, uid, wall_ms, boot_id,"
		       " mono_ms, clock_synced, dir, result, received_ms, time_ms, time_flag, reject,"
		       " batch_mono_ms) VALUES (?1, ?2, ?3, ?4,"
		       " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
		       " ON CONFLICT DO NOTHING");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)tap->seq);
	sqlite3_bind_text(s, 3, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, received_ms);
	if (reject) {
		/* Partly decoded fields are not worth keeping: only the sequence is held. */
		sqlite3_bind_int(s, 13, STORE_TIME_READER);
		sqlite3_bind_text(s, 14, reject, -1, SQLITE_STATIC);
	} else {
		tap_uid_format(tap->uid, tap->uid_len, uid, sizeof(uid));
		sqlite3_bind_text(s, 4, uid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, tap->wall_ms);
		sqlite3_bind_text(s, 6, tap->boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, tap->mono_ms);
		sqlite3_bind_int(s, 8, tap->clock_synced);
		sqlite3_bind_text(s, 9, tap_dir_name(tap->dir), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 10, tap_result_name(tap->result), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 12, time_ms);
		sqlite3_bind_int(s, 13, (int)flag);
		if (flag == STORE_TIME_CORRECTED)
			sqlite3_bind_int64(s, 15, batch_mono_ms);
	}
	r = store_step_done(st, s, "tap insert");
	sqlite3_reset(s);
	if (r < 0)
		return r;
	if (sqlite3_changes(st->db) == 1) {
		*outcome = STORE_PUT_STORED;
		return 0;
	}
	return tap_held(st, device_id, tap, reject == NULL, outcome, held_reject);
}

int store_attendance_day(struct store *st, const char *facility, int64_t day,
			 struct store_attendance_row **out, size_t *n)
{
	struct store_facility f;
	struct store_attendance_row *v = NULL, *row;
	sqlite3_stmt *s = NULL;
	size_t cap = 0, k = 0;
	int64_t start = clock_day_start_ms(day);
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = store_facility_get(st, facility, &f)) < 0)
		return r;
	/* The card's holder when the card was tapped: at the tap's effective time (c1; at its
	 * receipt if that time cannot be trusted), else, for a card assigned moments after a
	 * reader with a slightly slow clock saw it, the holder when the hub received it (c2).
	 * (Rows of schema <= 2 resolved the child at ingest, in taps.child_id.) */
	s = store_cached(st, "SELECT t.device_id, t.seq, t.uid,"
			      " coalesce(t.child_id, c1.child_id, c2.child_id),"
			      " ch.name, t.time_ms, t.wall_ms, t.received_ms, t.time_flag, t.dir,"
			      " t.result FROM taps t"
			      STORE_TAP_HOLDER_JOIN
			      " LEFT JOIN children ch"
			      "  ON ch.id = coalesce(t.child_id, c1.child_id, c2.child_id)"
			      " WHERE t.facility = ? AND t.reject IS NULL"
			      " AND t.time_ms >= ? AND t.time_ms < ?"
			      " ORDER BY t.time_ms, t.device_id, t.seq");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, f.code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, start);
	sqlite3_bind_int64(s, 3, start + CLOCK_DAY_MS);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char dir[16], result[32];

		if (k == cap && store_grow((void **)&v, &cap, sizeof(*v), 64) < 0) {
			r = -ENOMEM;
			goto out;
		}
		row = &v[k++];
		memset(row, 0, sizeof(*row));
		store_col_text(s, 0, row->device_id, sizeof(row->device_id));
		row->seq = (uint64_t)sqlite3_column_int64(s, 1);
		store_col_text(s, 2, row->uid, sizeof(row->uid));
		store_col_text(s, 3, row->child_id, sizeof(row->child_id));
		store_col_text(s, 4, row->child_name, sizeof(row->child_name));
		row->time_ms = sqlite3_column_int64(s, 5);
		row->reader_wall_ms = sqlite3_column_int64(s, 6);
		row->received_ms = sqlite3_column_int64(s, 7);
		row->flag = (enum store_time_flag)sqlite3_column_int(s, 8);
		store_col_text(s, 9, dir, sizeof(dir));
		store_col_text(s, 10, result, sizeof(result));
		if (tap_dir_parse(dir, &row->dir) < 0 || tap_result_parse(result, &row->result) < 0) {
			log_err("store: tap %s/%llu has a damaged direction or result",
				row->device_id, (unsigned long long)row->seq);
			r = -EIO;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = store_step_error(st, rc, "attendance day");
		goto out;
	}
	*out = v;
	*n = k;
	v = NULL;
out:
	store_release(st, s);
	free(v);
	return r;
}
