/*
 * The SQLite store: devices (readers). Each is bound to one facility and to the certificate
 * kiumctl issued it; the status heartbeat and every authenticated request update last_seen,
 * from which silent readers are listed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_int.h"

#define DEVICE_COLS \
	"id, facility, cert_serial, cert_sha256, created_ms, revoked_ms, last_seen_ms," \
	" version, queue_depth, clock_state, seq_high"

static bool hex_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
		      (s[n] >= 'A' && s[n] <= 'F')))
			return false;
	return n >= 1 && n < STORE_HEX_MAX;
}

static void device_row(sqlite3_stmt *s, struct store_device *d)
{
	memset(d, 0, sizeof(*d));
	store_col_text(s, 0, d->id, sizeof(d->id));
	store_col_text(s, 1, d->facility, sizeof(d->facility));
	store_col_text(s, 2, d->cert_serial, sizeof(d->cert_serial));
	store_col_text(s, 3, d->cert_sha256, sizeof(d->cert_sha256));
	d->created_ms = sqlite3_column_int64(s, 4);
	d->revoked = sqlite3_column_type(s, 5) != SQLITE_NULL;
	d->revoked_ms = sqlite3_column_int64(s, 5);
	d->last_seen_ms = sqlite3_column_int64(s, 6);
	store_col_text(s, 7, d->version, sizeof(d->version));
	d->queue_depth = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8);
	store_col_text(s, 9, d->clock_state, sizeof(d->clock_state));
	d->seq_high = (uint64_t)sqlite3_column_int64(s, 10);
}

int store_device_add(struct store *st, const char *id, const char *facility,
		     const char *cert_serial, const char *cert_sha256, int64_t now_ms)
{
	sqlite3_stmt *s;
	struct store_facility f;
	int r;

	if (!tap_device_id_valid(id) || !store_code_valid(facility) || !hex_valid(cert_serial) ||
	    !hex_valid(cert_sha256))
		return -EINVAL;
	if ((r = store_facility_get(st, facility, &f)) < 0)
		return r;
	s = store_stmt(st, SS_DEVICE_ADD, "INSERT INTO devices (id, facility, cert_serial,"
					  " cert_sha256, created_ms) VALUES (?, ?, ?, ?, ?)");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, facility, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, cert_serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, cert_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now_ms);
	return store_step_done(st, s, "device add");
}

int store_device_get(struct store *st, const char *id, struct store_device *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!tap_device_id_valid(id))
		return -ENOENT;
	s = store_stmt(st, SS_DEVICE_GET, "SELECT " DEVICE_COLS " FROM devices WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		device_row(s, out);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "device get");
}

/* Runs an UPDATE on one device; -ENOENT when no row matched. */
static int device_update(struct store *st, sqlite3_stmt *s, const char *what)
{
	int r = store_step_done(st, s, what);

	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	sqlite3_reset(s);
	return r;
}

int store_device_revoke(struct store *st, const char *id, int64_t now_ms)
{
	sqlite3_stmt *s;

	if (!tap_device_id_valid(id))
		return -ENOENT;
	s = store_stmt(st, SS_DEVICE_REVOKE, "UPDATE devices SET revoked_ms = coalesce(revoked_ms, ?)"
					     " WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	return device_update(st, s, "device revoke");
}

int store_device_cert_set(struct store *st, const char *id, const char *cert_serial,
			  const char *cert_sha256)
{
	struct store_device d;
	sqlite3_stmt *s;
	int r;

	if (!hex_valid(cert_serial) || !hex_valid(cert_sha256))
		return -EINVAL;
	if ((r = store_device_get(st, id, &d)) < 0)
		return r;
	if (d.revoked)
		return -EACCES;
	s = store_prepare(st, "UPDATE devices SET cert_serial = ?, cert_sha256 = ?"
			      " WHERE id = ? AND revoked_ms IS NULL");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, cert_serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, cert_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	r = device_update(st, s, "device certificate");
	sqlite3_finalize(s);
	return r;
}

int store_device_touch(struct store *st, const char *id, int64_t now_ms)
{
	sqlite3_stmt *s;

	if (!tap_device_id_valid(id))
		return -ENOENT;
	s = store_stmt(st, SS_DEVICE_TOUCH, "UPDATE devices SET last_seen_ms = ? WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	return device_update(st, s, "device touch");
}

static bool version_valid(const char *v)
{
	size_t n = 0;

	if (!v)
		return false;
	for (; v[n]; n++)
		if (v[n] < 0x21 || v[n] > 0x7e)
			return false;
	return n >= 1 && n < STORE_VERSION_MAX;
}

int store_device_status_put(struct store *st, const char *id,
			    const struct store_device_status *d, int64_t now_ms)
{
	sqlite3_stmt *s;

	if (!tap_device_id_valid(id))
		return -ENOENT;
	if (!version_valid(d->version) || d->queue_depth < 0 || !d->clock_state ||
	    (strcmp(d->clock_state, "synced") != 0 && strcmp(d->clock_state, "unsynced") != 0))
		return -EINVAL;
	s = store_stmt(st, SS_DEVICE_STATUS,
		       "UPDATE devices SET last_seen_ms = ?, version = ?, queue_depth = ?,"
		       " clock_state = ? WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, d->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, d->queue_depth);
	sqlite3_bind_text(s, 4, d->clock_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, id, -1, SQLITE_STATIC);
	return device_update(st, s, "device status");
}

int store_device_seq_set(struct store *st, const char *id, uint64_t seq_high, int64_t now_ms)
{
	sqlite3_stmt *s;

	if (!tap_device_id_valid(id) || seq_high > INT64_MAX)
		return -EINVAL;
	s = store_stmt(st, SS_DEVICE_SEQ_SET,
		       "UPDATE devices SET seq_high = ?, last_seen_ms = ? WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, (int64_t)seq_high);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	return device_update(st, s, "device seq");
}

static int device_fill(sqlite3_stmt *s, void *d)
{
	device_row(s, d);
	return 0;
}

int store_device_list(struct store *st, struct store_device **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " DEVICE_COLS " FROM devices ORDER BY id");

	return store_collect(st, s, sizeof(**out), 16, device_fill, "device list", (void **)out,
			     n);
}

int store_device_list_silent(struct store *st, int64_t now_ms, int64_t silent_ms,
			     struct store_device **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " DEVICE_COLS " FROM devices"
					    " WHERE revoked_ms IS NULL"
					    " AND coalesce(last_seen_ms, created_ms) < ?"
					    " ORDER BY id");

	if (s)
		sqlite3_bind_int64(s, 1, now_ms - silent_ms);
	return store_collect(st, s, sizeof(**out), 16, device_fill, "device list", (void **)out,
			     n);
}
