/*
 * The SQLite store: the handle, the schema and its migrations, facilities, children and
 * devices. WAL journal with synchronous=FULL (a commit is on disk before we answer), foreign
 * keys on, a 5 s busy timeout so that kiumctl and kium-hub can share the file.
 *
 * Schema versions: the table schema_migrations records every version applied. Migration N
 * brings version N-1 to N; store_open applies the missing ones in one transaction, so a
 * crash mid-migration leaves the previous version intact. Add a migration, never edit one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/text.h"
#include "hub/store/store_group.h"
#include "hub/store/store_int.h"
#include "hub/store/store_attendance_sql.h"
#include "hub/store/store_booking_sql.h"
#include "hub/store/store_stats_sql.h"

static const char *const migrations[] = {
	/* 1: facilities, children, cards, devices, taps, API tokens. */
	"CREATE TABLE facilities ("
	" code TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL,"
	" type TEXT NOT NULL, roster_version INTEGER NOT NULL DEFAULT 0,"
	" created_ms INTEGER NOT NULL);"
	"CREATE TABLE children ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" facility TEXT NOT NULL REFERENCES facilities(code), created_ms INTEGER NOT NULL);"
	"CREATE INDEX children_facility ON children(facility);"
	"CREATE TABLE cards ("
	" id INTEGER PRIMARY KEY, uid TEXT NOT NULL,"
	" facility TEXT NOT NULL REFERENCES facilities(code),"
	" child_id TEXT NOT NULL REFERENCES children(id), active INTEGER NOT NULL,"
	" version INTEGER NOT NULL, assigned_ms INTEGER NOT NULL, removed_ms INTEGER);"
	"CREATE UNIQUE INDEX cards_active_uid ON cards(uid) WHERE active = 1;"
	"CREATE INDEX cards_facility_version ON cards(facility, version);"
	"CREATE TABLE devices ("
	" id TEXT PRIMARY KEY, facility TEXT NOT NULL REFERENCES facilities(code),"
	" cert_serial TEXT NOT NULL, cert_sha256 TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" revoked_ms INTEGER, last_seen_ms INTEGER, version TEXT, queue_depth INTEGER,"
	" clock_state TEXT, seq_high INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE taps ("
	" device_id TEXT NOT NULL, seq INTEGER NOT NULL, facility TEXT NOT NULL,"
	" uid TEXT, child_id TEXT, wall_ms INTEGER, boot_id TEXT, mono_ms INTEGER,"
	" clock_synced INTEGER, dir TEXT, result TEXT, received_ms INTEGER NOT NULL,"
	" time_ms INTEGER, time_flag INTEGER NOT NULL DEFAULT 0, reject TEXT,"
	" PRIMARY KEY (device_id, seq)) WITHOUT ROWID;"
	"CREATE INDEX taps_facility_time ON taps(facility, time_ms) WHERE reject IS NULL;"
	"CREATE TABLE api_tokens ("
	" id INTEGER PRIMARY KEY, role TEXT NOT NULL, label TEXT NOT NULL,"
	" hash BLOB NOT NULL, created_ms INTEGER NOT NULL, revoked_ms INTEGER);",
	/* 2: the provenance of a corrected tap's time: the batch's monotonic time it used. */
	"ALTER TABLE taps ADD COLUMN batch_mono_ms INTEGER;",
	/* 3: a tap's child is found at read time from the assignment valid at the tap. */
	"CREATE INDEX cards_uid_assigned ON cards(uid, assigned_ms);",
	/* 4 (portal, issue 5): accounts, roles, approval history, sessions, one-time tokens,
	 * notification outbox, guardian links, audit log. */
	"CREATE TABLE accounts ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, duty TEXT NOT NULL DEFAULT '',"
	" district TEXT NOT NULL DEFAULT '', facility TEXT REFERENCES facilities(code),"
	" phone TEXT, office_phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',"
	" state TEXT NOT NULL,"
	" pw_hash TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
	" failed INTEGER NOT NULL DEFAULT 0, locked_ms INTEGER, created_ms INTEGER NOT NULL,"
	" created_by TEXT NOT NULL DEFAULT '', changed_ms INTEGER NOT NULL,"
	" last_login_ms INTEGER);"
	"CREATE UNIQUE INDEX accounts_phone ON accounts(phone) WHERE phone IS NOT NULL;"
	"CREATE INDEX accounts_district ON accounts(district);"
	"CREATE INDEX accounts_facility ON accounts(facility);"
	"CREATE TABLE account_roles ("
	" account TEXT NOT NULL REFERENCES accounts(id), role TEXT NOT NULL,"
	" type TEXT NOT NULL DEFAULT '', granted_ms INTEGER NOT NULL,"
	" granted_by TEXT NOT NULL DEFAULT '', PRIMARY KEY (account, role, type)) WITHOUT ROWID;"
	"CREATE TABLE account_approvals ("
	" id INTEGER PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),"
	" from_state TEXT NOT NULL, to_state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
	" actor TEXT NOT NULL DEFAULT '', at_ms INTEGER NOT NULL);"
	"CREATE INDEX account_approvals_account ON account_approvals(account, id);"
	"CREATE TABLE sessions ("
	" hash BLOB PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),"
	" csrf TEXT NOT NULL, remote TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL,"
	" last_ms INTEGER NOT NULL);"
	"CREATE INDEX sessions_account ON sessions(account);"
	"CREATE TABLE one_time_tokens ("
	" hash BLOB PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),"
	" purpose TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
	" used_ms INTEGER);"
	"CREATE TABLE notification_outbox ("
	" id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, template TEXT NOT NULL,"
	" params TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending');"
	"CREATE TABLE guardian_links ("
	" parent TEXT NOT NULL REFERENCES accounts(id), child TEXT NOT NULL REFERENCES children(id),"
	" requested_ms INTEGER NOT NULL, confirmed_ms INTEGER, confirmed_by TEXT,"
	" PRIMARY KEY (parent, child)) WITHOUT ROWID;"
	"CREATE TABLE audit_log ("
	" id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,"
	" action TEXT NOT NULL, target TEXT NOT NULL, remote TEXT NOT NULL, status INTEGER NOT NULL);"
	"CREATE INDEX audit_log_at ON audit_log(at_ms);",
	/* 5 (portal): phone verification codes of sign-ups (휴대폰 인증), before any account. */
	"CREATE TABLE phone_codes ("
	" phone TEXT PRIMARY KEY, hash BLOB NOT NULL, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, used_ms INTEGER);",
	/* 6 (bookings, issue 6): care settings of a center, the city's terms, bookings and
	 * their events, attendance corrections. */
	"CREATE TABLE facility_care ("
	" facility TEXT PRIMARY KEY REFERENCES facilities(code),"
	" kind TEXT NOT NULL CHECK (kind IN ('general','convergent','hub')),"
	" capacity INTEGER NOT NULL CHECK (capacity >= 0),"
	" sick_capacity INTEGER NOT NULL DEFAULT 0 CHECK (sick_capacity >= 0),"
	" changed_ms INTEGER NOT NULL, changed_by TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE terms ("
	" year INTEGER NOT NULL, idx INTEGER NOT NULL CHECK (idx BETWEEN 1 AND 4),"
	" name TEXT NOT NULL, start_day INTEGER NOT NULL, end_day INTEGER NOT NULL,"
	" open_min INTEGER NOT NULL, close_min INTEGER NOT NULL,"
	" meal INTEGER NOT NULL DEFAULT 0, snack INTEGER NOT NULL DEFAULT 0,"
	" CHECK (start_day <= end_day),"
	" CHECK (open_min >= 0 AND open_min < close_min AND close_min <= 1440),"
	" PRIMARY KEY (year, idx)) WITHOUT ROWID;"
	"CREATE TABLE bookings ("
	" id INTEGER PRIMARY KEY, facility TEXT NOT NULL REFERENCES facilities(code),"
	" child TEXT NOT NULL REFERENCES children(id), parent TEXT REFERENCES accounts(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('regular','temporary','sick')),"
	" state TEXT NOT NULL CHECK (state IN ('pending','approved','waiting','offered',"
	"  'rejected','cancelled','expired')),"
	" start_day INTEGER NOT NULL, end_day INTEGER NOT NULL, weekdays INTEGER NOT NULL,"
	" start_min INTEGER NOT NULL, end_min INTEGER NOT NULL,"
	" offline INTEGER NOT NULL DEFAULT 0, extends_id INTEGER REFERENCES bookings(id),"
	" reason TEXT NOT NULL DEFAULT '', docs TEXT NOT NULL DEFAULT '{}',"
	" offer_expires_ms INTEGER, created_ms INTEGER NOT NULL, changed_ms INTEGER NOT NULL,"
	" created_by TEXT NOT NULL DEFAULT '',"
	" CHECK (start_day <= end_day), CHECK (start_min >= 0 AND start_min < end_min AND"
	"  end_min <= 1440),"
	" CHECK (kind = 'regular' OR start_day = end_day),"
	" CHECK (state <> 'offered' OR offer_expires_ms IS NOT NULL));"
	"CREATE INDEX bookings_facility ON bookings(facility, end_day);"
	"CREATE INDEX bookings_child ON bookings(child);"
	"CREATE INDEX bookings_parent ON bookings(parent);"
	"CREATE TABLE booking_events ("
	" id INTEGER PRIMARY KEY, booking INTEGER NOT NULL REFERENCES bookings(id),"
	" from_state TEXT NOT NULL, to_state TEXT NOT NULL, actor TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '', at_ms INTEGER NOT NULL);"
	"CREATE TABLE attendance_corrections ("
	" id INTEGER PRIMARY KEY, facility TEXT NOT NULL REFERENCES facilities(code),"
	" child TEXT NOT NULL REFERENCES children(id), day INTEGER NOT NULL,"
	" status TEXT NOT NULL, reason TEXT NOT NULL CHECK (length(reason) > 0),"
	" actor TEXT NOT NULL, at_ms INTEGER NOT NULL);"
	"CREATE INDEX attendance_corrections_day ON attendance_corrections(facility, day);"
	"CREATE INDEX attendance_corrections_child ON attendance_corrections(child, day);"
	"CREATE INDEX guardian_links_child ON guardian_links(child);",
	/* 7 (facilities, issue 5): the full facility record, the ledger of issued codes,
	 * capacity change requests, departments and their facilities. */
	"ALTER TABLE facilities ADD COLUMN dong TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN ages TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN documents TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN address TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN lat_e6 INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE facilities ADD COLUMN lon_e6 INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE facilities ADD COLUMN opened TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN email TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN phone TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN area_centi INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE facilities ADD COLUMN operating INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE facilities ADD COLUMN created_by TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE facilities ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE facilities ADD COLUMN changed_by TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX facilities_district_created ON facilities(district, created_ms);"
	"CREATE TABLE facility_codes ("
	" code TEXT PRIMARY KEY, district TEXT NOT NULL, type TEXT NOT NULL,"
	" number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),"
	" issued_ms INTEGER NOT NULL, UNIQUE (district, type, number));"
	"INSERT INTO facility_codes (code, district, type, number, issued_ms)"
	" SELECT code, district, type, CAST(substr(code, 5) AS INTEGER), created_ms"
	" FROM facilities WHERE length(code) = 7 AND substr(code, 1, 4) = district || type"
	" AND CAST(substr(code, 5) AS INTEGER) BETWEEN 1 AND 999;"
	"CREATE TABLE capacity_requests ("
	" id INTEGER PRIMARY KEY, facility TEXT NOT NULL REFERENCES facilities(code),"
	" from_capacity INTEGER NOT NULL, to_capacity INTEGER NOT NULL CHECK (to_capacity >= 0),"
	" reason TEXT NOT NULL CHECK (length(reason) > 0),"
	" state TEXT NOT NULL CHECK (state IN ('pending','approved','rejected')),"
	" requested_by TEXT NOT NULL, requested_ms INTEGER NOT NULL,"
	" decided_by TEXT NOT NULL DEFAULT '', decided_ms INTEGER NOT NULL DEFAULT 0,"
	" decision_reason TEXT NOT NULL DEFAULT '');"
	"CREATE UNIQUE INDEX capacity_requests_pending ON capacity_requests(facility)"
	" WHERE state = 'pending';"
	"CREATE INDEX capacity_requests_facility ON capacity_requests(facility, id);"
	"CREATE TABLE departments ("
	" id INTEGER PRIMARY KEY, district TEXT NOT NULL, parent INTEGER REFERENCES departments(id),"
	" name TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '', fax TEXT NOT NULL DEFAULT '',"
	" created_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX departments_name ON departments(district, coalesce(parent, 0), name);"
	"CREATE TABLE department_facilities ("
	" facility TEXT PRIMARY KEY REFERENCES facilities(code),"
	" department INTEGER NOT NULL REFERENCES departments(id), mapped_ms INTEGER NOT NULL);",
	/* 8 (notifications, issue 7; store_notify.c): the outbox gains delivery state and a
	 * unique idempotency key per message (one key per event and recipient, so an event can
	 * never be queued twice), and parents' notification preferences. */
	"CREATE TABLE notification_outbox_v8 ("
	" id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, template TEXT NOT NULL,"
	" params TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),"
	" idem_key TEXT NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 8 AND 64),"
	" facility TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
	" next_ms INTEGER NOT NULL DEFAULT 0, last_status INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT NOT NULL DEFAULT '', done_ms INTEGER NOT NULL DEFAULT 0,"
	" scrubbed INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO notification_outbox_v8 (id, recipient, template, params, created_ms, idem_key,"
	" next_ms) SELECT id, recipient, template, params, created_ms, 'kium-legacy-' || id,"
	" created_ms FROM notification_outbox;"
	"DROP TABLE notification_outbox;"
	"ALTER TABLE notification_outbox_v8 RENAME TO notification_outbox;"
	"CREATE INDEX notification_outbox_due ON notification_outbox(next_ms) WHERE state = 'pending';"
	"CREATE INDEX notification_outbox_done ON notification_outbox(done_ms)"
	" WHERE state <> 'pending';"
	"CREATE TABLE notify_prefs ("
	" parent TEXT PRIMARY KEY REFERENCES accounts(id),"
	" arrival INTEGER NOT NULL DEFAULT 1, departure INTEGER NOT NULL DEFAULT 1,"
	" booking INTEGER NOT NULL DEFAULT 1, waitlist_offer INTEGER NOT NULL DEFAULT 1,"
	" missing_departure INTEGER NOT NULL DEFAULT 1, changed_ms INTEGER NOT NULL) WITHOUT ROWID;",
	/* 9 (statistics, issue 7): rollups per facility-day and child-day, computed once
	 * here from what is already stored (store_stats_sql.h). */
	STORE_STATS_SCHEMA_SQL STORE_STATS_REBUILD_SQL,
	/* 10 (booking rush, issue 6): the held places, the waitlist and the offers due are
	 * read inside every placement; without these each read walked the facility's days. */
	"CREATE INDEX bookings_facility_state ON bookings(facility, state, start_day, kind);"
	"CREATE INDEX bookings_offers ON bookings(state, offer_expires_ms);",
	/* 11 (portal core, issue 5): forced password change of accounts made by someone else,
	 * staff who left, and the history of staff moves between facilities. */
	"ALTER TABLE accounts ADD COLUMN must_change_pw INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE accounts ADD COLUMN left_ms INTEGER;"
	"CREATE TABLE account_moves ("
	" id INTEGER PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id),"
	" from_facility TEXT NOT NULL, to_facility TEXT NOT NULL DEFAULT '',"
	" reason TEXT NOT NULL, actor TEXT NOT NULL, at_ms INTEGER NOT NULL);"
	"CREATE INDEX account_moves_account ON account_moves(account, id);",
	/* 12 (booking rush): the same index covering what the capacity check reads, so the
	 * held places come from the index alone. */
	"DROP INDEX bookings_facility_state;"
	"CREATE INDEX bookings_facility_state ON bookings(facility, state, start_day, kind,"
	" end_day, start_min, end_min, weekdays);",
	/* 13 (booking rush): the places held as load points per facility, day and minute
	 * (store_booking_sql.h), kept in each decision's transaction; a capacity check reads
	 * the points of its days instead of every held booking. Computed here from the
	 * bookings already stored. */
	STORE_BOOKING_LOAD_SCHEMA_SQL STORE_BOOKING_LOAD_FILL_SQL("booking_load"),
	/* 14 (reconciliation, issue 6): each child's day of taps, kept as taps arrive
	 * (store_attendance_sql.h); computed here from the taps already stored. */
	STORE_ATTENDANCE_VISITS_SCHEMA_SQL STORE_ATTENDANCE_VISITS_FILL_SQL("attendance_child_day"),
	/* 15: a child's days across facilities (연계돌봄 아동별 현황) read from those rows by
	 * child instead of joining the child's cards with every tap (taps have no uid index). */
	"CREATE INDEX attendance_child_day_child ON attendance_child_day(child, day);",
	/* 16 (statistics): the capacity in force on each day, so that a past month's
	 * present/capacity rate keeps the capacity of its days after a change. Every write of
	 * facility_care records its capacity from the Seoul day of its changed_ms; what
	 * exists now is taken as the capacity since the beginning. */
	"CREATE TABLE capacity_history ("
	" facility TEXT NOT NULL, since_day INTEGER NOT NULL, capacity INTEGER NOT NULL,"
	" PRIMARY KEY (facility, since_day)) WITHOUT ROWID;"
	"INSERT INTO capacity_history SELECT facility, 0, capacity FROM facility_care;"
	"CREATE TRIGGER facility_care_capacity_new AFTER INSERT ON facility_care BEGIN"
	" INSERT OR REPLACE INTO capacity_history VALUES (NEW.facility,"
	"  (NEW.changed_ms + 32400000) / 86400000, NEW.capacity); END;"
	"CREATE TRIGGER facility_care_capacity_set AFTER UPDATE OF capacity ON facility_care"
	" WHEN NEW.capacity IS NOT OLD.capacity BEGIN"
	" INSERT OR REPLACE INTO capacity_history VALUES (NEW.facility,"
	"  (NEW.changed_ms + 32400000) / 86400000, NEW.capacity); END;",
	/* 17 (reconciliation): a card registered, reassigned or removed after the fact
	 * recomputes the facility-days of the stored taps it gives to another child (triggers,
	 * store_attendance_sql.h); the rows are computed again from
	 * the taps, since card changes before this migration did not. */
	STORE_ATTENDANCE_CARD_TRIGGERS_SQL "DELETE FROM attendance_child_day;"
	STORE_ATTENDANCE_VISITS_FILL_SQL("attendance_child_day"),
};
#define STORE_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- helpers shared with the other store files ---- */

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id, const char *sql)
{
	sqlite3_stmt *s = st->stmt[id];

	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		log_err("store: prepare failed: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	st->stmt[id] = s;
	return s;
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("store: prepare failed: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return s;
}

sqlite3_stmt *store_cached(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int i;

	for (i = 0; i < STORE_CACHED_MAX && st->cached[i].s; i++)
		if (!strcmp(st->cached[i].text, sql)) {
			sqlite3_reset(st->cached[i].s);
			sqlite3_clear_bindings(st->cached[i].s);
			return st->cached[i].s;
		}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		log_err("store: prepare failed: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	if (i < STORE_CACHED_MAX && (st->cached[i].text = strdup(sql)))
		st->cached[i].s = s;
	return s;
}

void store_release(struct store *st, sqlite3_stmt *s)
{
	if (!s)
		return;
	for (int i = 0; i < STORE_CACHED_MAX && st->cached[i].s; i++)
		if (st->cached[i].s == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return;
		}
	sqlite3_finalize(s);
}

int store_step_error(struct store *st, int rc, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);

	rc &= 0xff;
	if (rc == SQLITE_CONSTRAINT) {
		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
			return -EEXIST;
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			return -ENOENT;
		return -EINVAL;
	}
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		log_warn("store: %s: database busy", what);
		return -EBUSY;
	}
	log_err("store: %s failed: %s", what, sqlite3_errmsg(st->db));
	return -EIO;
}

int store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE)
		return 0;
	return store_step_error(st, rc, what);
}

int store_exec(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return 0;
	log_err("store: %s failed: %s", what, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc == SQLITE_BUSY ? -EBUSY : -EIO;
}

int store_tx_begin(struct store *st)
{
	if (st->group)
		return store_exec(st, "SAVEPOINT tx", "savepoint");
	if (st->in_tx)
		return -EBUSY;
	return store_exec(st, "BEGIN IMMEDIATE", "begin");
}

int store_tx_commit(struct store *st)
{
	int r = store_exec(st, st->group ? "RELEASE tx" : "COMMIT", "commit");

	if (r < 0)
		store_tx_rollback(st);
	return r;
}

void store_tx_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return;
	if (st->group) {
		/* Only this request's part; fails harmlessly when the savepoint is gone. */
		if (sqlite3_exec(st->db, "ROLLBACK TO tx", NULL, NULL, NULL) == SQLITE_OK)
			sqlite3_exec(st->db, "RELEASE tx", NULL, NULL, NULL);
		return;
	}
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_group_begin(struct store *st)
{
	int r;

	if (st->in_tx || st->group)
		return -EBUSY;
	if ((r = store_exec(st, "BEGIN IMMEDIATE", "begin group")) < 0)
		return r;
	st->group = true;
	st->in_tx = true;
	return 0;
}

bool store_group_alive(struct store *st)
{
	return st->group && !sqlite3_get_autocommit(st->db);
}

int store_group_commit(struct store *st)
{
	int r;

	if (!st->group)
		return -EINVAL;
	st->group = false;
	st->in_tx = false;
	if (sqlite3_get_autocommit(st->db))
		return -EIO; /* an error rolled the whole transaction back */
	r = store_exec(st, "COMMIT", "commit group");
	if (r < 0)
		store_tx_rollback(st);
	return r;
}

void store_group_rollback(struct store *st)
{
	st->group = false;
	st->in_tx = false;
	store_tx_rollback(st);
}

void store_col_text(sqlite3_stmt *s, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n;

	if (!len)
		return;
	/* What snprintf("%s") did, without its cost (hundreds of rows per booking decision). */
	n = t ? strnlen((const char *)t, len - 1) : 0;
	memcpy(buf, t ? (const char *)t : "", n);
	buf[n] = '\0';
}

bool store_code_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
			return false;
	return n >= 1 && n < STORE_FACILITY_CODE_MAX;
}

bool store_short_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n >= 1 && n < STORE_SHORT_MAX;
}

int store_compare_rebuilt(struct store *st, const char *table, const char *cols,
			  const char *fill, size_t *diff)
{
	char sql[512];
	sqlite3_stmt *s = NULL;
	int r, rc;

	*diff = 0;
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS temp.ref; CREATE TEMP TABLE ref (%s)",
		 cols);
	if ((r = store_exec(st, sql, "compare")) < 0 || (r = store_exec(st, fill, "compare")) < 0)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT"
		 " SELECT * FROM temp.ref)) + (SELECT count(*) FROM (SELECT * FROM temp.ref"
		 " EXCEPT SELECT * FROM main.%s))", table, table);
	if (!(s = store_prepare(st, sql))) {
		r = -EIO;
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*diff = (size_t)sqlite3_column_int64(s, 0);
	else
		r = store_step_error(st, rc, "compare");
out:
	sqlite3_finalize(s);
	store_exec(st, "DROP TABLE IF EXISTS temp.ref", "compare");
	return r;
}

bool store_text_valid(const char *s, size_t max)
{
	return s && text_valid(s, strlen(s), max);
}

int store_name_mask(const char *name, char *out, size_t outlen)
{
	if (!store_text_valid(name, STORE_NAME_MAX))
		return -EINVAL;
	return text_name_mask(name, out, outlen);
}

/* ---- open, migrate, close ---- */

static int schema_read(struct store *st, int *version)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

static int migrate(struct store *st, const char *path, int target)
{
	sqlite3_stmt *s = NULL;
	int version, r;

	r = store_exec(st, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			   " version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)",
		       "schema table");
	if (r < 0)
		return r;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = schema_read(st, &version)) < 0)
		goto out;
	if (version > STORE_SCHEMA_VERSION) {
		log_err("store: %s has schema version %d, newer than this program's %d", path,
			version, STORE_SCHEMA_VERSION);
		r = -EPROTO;
		goto out;
	}
	for (int v = version + 1; v <= target; v++) {
		if ((r = store_exec(st, migrations[v - 1], "migration")) < 0)
			goto out;
		s = store_prepare(st, "INSERT INTO schema_migrations (version, applied_ms)"
				      " VALUES (?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
		if (!s) {
			r = -EIO;
			goto out;
		}
		sqlite3_bind_int(s, 1, v);
		r = store_step_done(st, s, "schema version");
		sqlite3_finalize(s);
		s = NULL;
		if (r < 0)
			goto out;
		log_info("store: %s migrated to schema version %d", path, v);
	}
	r = store_tx_commit(st);
	return r;
out:
	store_tx_rollback(st);
	return r;
}

/* WAL lets kiumctl and the hub's readers run beside the writer. A file system that cannot
 * do WAL leaves SQLite in its rollback journal: still durable, so only warn. */
static int wal_on(struct store *st, const char *path)
{
	sqlite3_stmt *s = store_prepare(st, "PRAGMA journal_mode=WAL");
	const unsigned char *mode;
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	if (rc != SQLITE_ROW) {
		rc = store_step_error(st, rc, "WAL mode");
		sqlite3_finalize(s);
		return rc;
	}
	if (!mode || (strcmp((const char *)mode, "wal") != 0 &&
		      strcmp((const char *)mode, "memory") != 0))
		log_warn("store: %s: WAL journal not available (mode %s)", path,
			 mode ? (const char *)mode : "?");
	sqlite3_finalize(s);
	return 0;
}

int store_schema_latest(void)
{
	return STORE_SCHEMA_VERSION;
}

int store_open(const char *path, struct store **out)
{
	return store_open_at(path, STORE_SCHEMA_VERSION, out);
}

int store_open_at(const char *path, int version, struct store **out)
{
	struct store *st = calloc(1, sizeof(*st));
	int r = -EIO;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				   SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_err("store: cannot open %s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if ((r = wal_on(st, path)) < 0 ||
	    (r = store_exec(st, "PRAGMA synchronous=FULL", "synchronous")) < 0 ||
	    (r = store_exec(st, "PRAGMA foreign_keys=ON", "foreign keys")) < 0)
		goto out;
	if (version < 1 || version > STORE_SCHEMA_VERSION) {
		r = -EINVAL;
		goto out;
	}
	if ((r = migrate(st, path, version)) < 0)
		goto out;
	*out = st;
	return 0;
out:
	store_close(st);
	return r;
}

void store_set_busy_timeout(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < SS_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int i = 0; i < STORE_CACHED_MAX; i++) {
		sqlite3_finalize(st->cached[i].s);
		free(st->cached[i].text);
	}
	store_stats_cache_free(st);
	if (st->db) {
		store_tx_rollback(st);
		sqlite3_close(st->db);
	}
	free(st);
}

int store_schema_version(struct store *st)
{
	int v;

	return schema_read(st, &v) < 0 ? -EIO : v;
}

/* ---- facilities ---- */

int store_facility_add(struct store *st, const struct store_facility *f, int64_t now_ms)
{
	sqlite3_stmt *s;

	if (!store_code_valid(f->code) || !store_text_valid(f->name, STORE_NAME_MAX) ||
	    !store_short_valid(f->district) || !store_short_valid(f->type))
		return -EINVAL;
	s = store_stmt(st, SS_FACILITY_ADD,
		       "INSERT INTO facilities (code, name, district, type, created_ms)"
		       " VALUES (?, ?, ?, ?, ?)");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, f->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->district, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now_ms);
	return store_step_done(st, s, "facility add");
}

static void facility_row(sqlite3_stmt *s, struct store_facility *f)
{
	memset(f, 0, sizeof(*f));
	store_col_text(s, 0, f->code, sizeof(f->code));
	store_col_text(s, 1, f->name, sizeof(f->name));
	store_col_text(s, 2, f->district, sizeof(f->district));
	store_col_text(s, 3, f->type, sizeof(f->type));
	f->roster_version = sqlite3_column_int64(s, 4);
}

int store_facility_get(struct store *st, const char *code, struct store_facility *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!store_code_valid(code))
		return -ENOENT;
	s = store_stmt(st, SS_FACILITY_GET, "SELECT code, name, district, type, roster_version"
					    " FROM facilities WHERE code = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		facility_row(s, out);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "facility get");
}

static int facility_fill(sqlite3_stmt *s, void *f)
{
	facility_row(s, f);
	return 0;
}

int store_facility_list(struct store *st, struct store_facility **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT code, name, district, type, roster_version"
					    " FROM facilities ORDER BY code");

	return store_collect(st, s, sizeof(**out), 16, facility_fill, "facility list",
			     (void **)out, n);
}

/* ---- children ---- */

int store_child_add(struct store *st, const char *id, const char *name, const char *facility,
		    int64_t now_ms)
{
	sqlite3_stmt *s;
	char masked[STORE_NAME_MAX * 2];

	if (!tap_device_id_valid(id) || !store_code_valid(facility) ||
	    store_name_mask(name, masked, sizeof(masked)) < 0)
		return -EINVAL;
	s = store_stmt(st, SS_CHILD_ADD, "INSERT INTO children (id, name, facility, created_ms)"
					 " VALUES (?, ?, ?, ?)");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	return store_step_done(st, s, "child add");
}

int store_child_get(struct store *st, const char *id, struct store_child *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!tap_device_id_valid(id))
		return -ENOENT;
	s = store_stmt(st, SS_CHILD_GET, "SELECT id, name, facility FROM children WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		store_col_text(s, 0, out->id, sizeof(out->id));
		store_col_text(s, 1, out->name, sizeof(out->name));
		store_col_text(s, 2, out->facility, sizeof(out->facility));
		sqlite3_reset(s);
		if (store_name_mask(out->name, out->display, sizeof(out->display)) < 0)
			snprintf(out->display, sizeof(out->display), "*");
		return 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "child get");
}

int store_grow(void **v, size_t *cap, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	void *nv;

	if (ncap < *cap || ncap > SIZE_MAX / elem)
		return -ENOMEM;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int store_collect(struct store *st, sqlite3_stmt *s, size_t elem, size_t first,
		  store_row_fn fill, const char *what, void **out, size_t *n)
{
	void *v = NULL;
	unsigned char *x;
	size_t cap = 0, k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == cap && store_grow(&v, &cap, elem, first) < 0) {
			r = -ENOMEM;
			goto out;
		}
		x = (unsigned char *)v + k * elem;
		memset(x, 0, elem);
		if ((r = fill(s, x)) < 0)
			goto out;
		k++;
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, what);
out:
	sqlite3_finalize(s);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}
