/*
 * Unit tests of the hub's SQLite store: schema and migrations, facilities, children and
 * masked names, cards and the roster delta, devices and silent readers, API tokens, and
 * hostile values (SQL metacharacters) stored verbatim and harmlessly.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/uidhash.h"
#include "hub/store/store.h"
#include "hub/store/store_int.h"
#include "tests/harness.h"

static char dir[64];
static char path[128];

static void rm_dir(void *arg)
{
	char cmd[160];

	(void)arg;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void close_store(void *arg)
{
	store_close(arg);
}

/* A fresh store in a temp dir, closed and removed when the test ends. */
static struct store *fresh(void)
{
	struct store *st = NULL;

	snprintf(dir, sizeof(dir), "/tmp/kium-store-XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	harness_defer(rm_dir, NULL);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (store_open(path, &st) < 0)
		return NULL;
	harness_defer(close_store, st);
	return st;
}

static int add_facility(struct store *st, const char *code, const char *name)
{
	struct store_facility f = { 0 };

	snprintf(f.code, sizeof(f.code), "%s", code);
	snprintf(f.name, sizeof(f.name), "%s", name);
	snprintf(f.district, sizeof(f.district), "%.2s", code);
	snprintf(f.type, sizeof(f.type), "%.2s", code + 2);
	return store_facility_add(st, &f, 1000);
}

TEST(schema_and_reopen)
{
	struct store *st = fresh(), *st2 = NULL;
	struct store_facility f;
	sqlite3 *db = NULL;
	char wal[160];
	int r;

	CHECK(st);
	CHECK_EQ_INT(store_schema_version(st), store_schema_latest());
	CHECK_EQ_INT(add_facility(st, "NWUK015", "노원 키움센터"), 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK_MSG(access(wal, F_OK) == 0, "WAL file missing");
	/* A second handle on the same file (kiumctl beside the hub) sees the data. */
	CHECK_EQ_INT(store_open(path, &st2), 0);
	r = store_facility_get(st2, "NWUK015", &f);
	store_close(st2);
	CHECK_EQ_INT(r, 0);
	CHECK_EQ_STR(f.name, "노원 키움센터");
	/* A database from a newer program is refused, not damaged. */
	CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	r = sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (99, 0)", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK_EQ_INT(r, SQLITE_OK);
	st2 = NULL;
	CHECK_EQ_INT(store_open(path, &st2), -EPROTO);
	CHECK(st2 == NULL);
}

static int sql_exec(const char *sql)
{
	sqlite3 *db = NULL;
	int r;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	r = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return r == SQLITE_OK ? 0 : -1;
}

static int column_exists(const char *table, const char *column)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char sql[128];
	int found = 0;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'",
		 table, column);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK)
		found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return found;
}

/* A database at schema 1 (as the first release wrote it) is brought to the latest schema
 * with its data; a migration that fails leaves the database at the version it had. */
TEST(migrations)
{
	struct store *st = NULL;
	struct store_facility f;
	int r, v;

	snprintf(dir, sizeof(dir), "/tmp/kium-store-XXXXXX");
	CHECK(mkdtemp(dir));
	harness_defer(rm_dir, NULL);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	CHECK_EQ_INT(store_open_at(path, 1, &st), 0);
	v = store_schema_version(st);
	r = add_facility(st, "NWUK015", "센터");
	store_close(st);
	CHECK_EQ_INT(v, 1);
	CHECK_EQ_INT(r, 0);
	CHECK(!column_exists("taps", "batch_mono_ms"));
	/* Migration 2 cannot apply over a column that is already there: rolled back whole. */
	CHECK_EQ_INT(sql_exec("ALTER TABLE taps ADD COLUMN batch_mono_ms INTEGER"), 0);
	st = NULL;
	CHECK(store_open(path, &st) < 0);
	CHECK(st == NULL);
	CHECK_EQ_INT(sql_exec("ALTER TABLE taps DROP COLUMN batch_mono_ms"), 0);
	CHECK_EQ_INT(store_open_at(path, 1, &st), 0);
	v = store_schema_version(st);
	store_close(st);
	CHECK_EQ_INT(v, 1);
	/* Now it migrates, keeping the data. */
	CHECK_EQ_INT(store_open(path, &st), 0);
	v = store_schema_version(st);
	r = store_facility_get(st, "NWUK015", &f);
	store_close(st);
	CHECK_EQ_INT(v, store_schema_latest());
	CHECK(v >= 3);
	CHECK_EQ_INT(r, 0);
	CHECK_EQ_STR(f.name, "센터");
	CHECK(column_exists("taps", "batch_mono_ms"));
	CHECK_EQ_INT(store_open_at(path, 0, &st), -EINVAL);
}

TEST(facilities)
{
	struct store *st = fresh();
	struct store_facility f, *list = NULL;
	size_t n = 0;
	const char *evil = "x'); DROP TABLE facilities; --";

	CHECK(st);
	CHECK_EQ_INT(add_facility(st, "NWUK015", evil), 0);
	CHECK_EQ_INT(add_facility(st, "NWUK015", "again"), -EEXIST);
	CHECK_EQ_INT(add_facility(st, "nwuk015", "lower"), -EINVAL);
	CHECK_EQ_INT(add_facility(st, "NW'UK", "quote"), -EINVAL);
	CHECK_EQ_INT(add_facility(st, "GNUK001", "bad\x01name"), -EINVAL);
	CHECK_EQ_INT(add_facility(st, "GNUK001", "\xff\xfe"), -EINVAL);
	CHECK_EQ_INT(add_facility(st, "GNUK001", "강남"), 0);
	CHECK_EQ_INT(store_facility_get(st, "NWUK015", &f), 0);
	CHECK_EQ_STR(f.name, evil);
	CHECK_EQ_STR(f.district, "NW");
	CHECK_EQ_STR(f.type, "UK");
	CHECK_EQ_INT(f.roster_version, 0);
	CHECK_EQ_INT(store_facility_get(st, "XXUK999", &f), -ENOENT);
	CHECK_EQ_INT(store_facility_get(st, "' OR 1=1 --", &f), -ENOENT);
	CHECK_EQ_INT(store_facility_list(st, &list, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_STR(list[0].code, "GNUK001");
	free(list);
}

TEST(name_mask)
{
	char out[64];

	/* The masking itself is common/text.c's (tests/unit/common_text.c); the store adds
	 * its own limits on what a name may be. */
	CHECK_EQ_INT(store_name_mask("김민수", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "김*수");
	CHECK_EQ_INT(store_name_mask("", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(store_name_mask("\xed\xa0\x80", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(store_name_mask("김민수", out, 4), -ENOSPC);
	char longname[STORE_NAME_MAX + 1];
	memset(longname, 'a', STORE_NAME_MAX);
	longname[STORE_NAME_MAX] = '\0';
	CHECK_EQ_INT(store_name_mask(longname, out, sizeof(out)), -EINVAL); /* over the store's cap */
}

TEST(children)
{
	struct store *st = fresh();
	struct store_child c;

	CHECK(st);
	CHECK_EQ_INT(add_facility(st, "NWUK015", "센터"), 0);
	CHECK_EQ_INT(store_child_add(st, "C001", "김민수", "NWUK015", 5), 0);
	CHECK_EQ_INT(store_child_add(st, "C001", "박지성", "NWUK015", 5), -EEXIST);
	CHECK_EQ_INT(store_child_add(st, "C002", "박지성", "GNUK001", 5), -ENOENT);
	CHECK_EQ_INT(store_child_add(st, "C';--", "박지성", "NWUK015", 5), -EINVAL);
	CHECK_EQ_INT(store_child_add(st, "C003", "Robert'); DROP TABLE children;--", "NWUK015", 5),
		     0);
	CHECK_EQ_INT(store_child_get(st, "C001", &c), 0);
	CHECK_EQ_STR(c.name, "김민수");
	CHECK_EQ_STR(c.display, "김*수");
	CHECK_EQ_STR(c.facility, "NWUK015");
	CHECK_EQ_INT(store_child_get(st, "C003", &c), 0);
	CHECK_EQ_STR(c.name, "Robert'); DROP TABLE children;--");
	CHECK_EQ_INT(store_child_get(st, "C404", &c), -ENOENT);
}

static const uint8_t uid_a[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
static const uint8_t uid_b[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

TEST(cards_and_roster)
{
	struct store *st = fresh();
	struct store_roster r = { 0 };
	char ha[UIDHASH_HEX_LEN + 1], hb[UIDHASH_HEX_LEN + 1];
	int64_t v1;

	CHECK(st);
	harness_defer((void (*)(void *))store_roster_free, &r);
	CHECK_EQ_INT(add_facility(st, "NWUK015", "센터"), 0);
	CHECK_EQ_INT(add_facility(st, "GNUK001", "다른 센터"), 0);
	CHECK_EQ_INT(store_child_add(st, "C001", "김민수", "NWUK015", 5), 0);
	CHECK_EQ_INT(store_child_add(st, "C002", "이영희", "NWUK015", 5), 0);
	CHECK_EQ_INT(store_child_add(st, "C100", "최강남", "GNUK001", 5), 0);
	CHECK_EQ_INT(uidhash_compute("NWUK015", uid_a, 4, ha), 0);
	CHECK_EQ_INT(uidhash_compute("NWUK015", uid_b, 7, hb), 0);

	CHECK_EQ_INT(store_card_assign(st, uid_a, 4, "C001", 10), 0);
	CHECK_EQ_INT(store_card_assign(st, uid_a, 4, "C002", 10), -EEXIST);
	CHECK_EQ_INT(store_card_assign(st, uid_b, 7, "C404", 10), -ENOENT);
	CHECK_EQ_INT(store_card_assign(st, uid_b, 5, "C002", 10), -EINVAL);
	CHECK_EQ_INT(store_card_assign(st, uid_b, 7, "C002", 10), 0);

	CHECK_EQ_INT(store_roster_delta(st, "NWUK015", 0, &r), 0);
	CHECK(r.full);
	CHECK_EQ_INT(r.version, 2);
	CHECK_EQ_INT(r.n_entries, 2);
	CHECK_EQ_STR(r.entries[0].uidhash, ha);
	CHECK_EQ_STR(r.entries[0].child_id, "C001");
	CHECK_EQ_STR(r.entries[0].display, "김*수");
	CHECK_EQ_STR(r.entries[1].uidhash, hb);
	v1 = r.version;
	store_roster_free(&r);

	/* Nothing changed: an empty delta at the same version. */
	CHECK_EQ_INT(store_roster_delta(st, "NWUK015", v1, &r), 0);
	CHECK(!r.full);
	CHECK_EQ_INT(r.version, v1);
	CHECK_EQ_INT(r.n_entries + r.n_removed, 0);
	store_roster_free(&r);

	/* Deactivate a: a removal; the other facility's roster is untouched. */
	CHECK_EQ_INT(store_card_deactivate(st, uid_a, 4, 20), 0);
	CHECK_EQ_INT(store_card_deactivate(st, uid_a, 4, 20), -ENOENT);
	CHECK_EQ_INT(store_roster_delta(st, "NWUK015", v1, &r), 0);
	CHECK_EQ_INT(r.version, v1 + 1);
	CHECK_EQ_INT(r.n_entries, 0);
	CHECK_EQ_INT(r.n_removed, 1);
	CHECK_EQ_STR(r.removed[0], ha);
	store_roster_free(&r);
	CHECK_EQ_INT(store_roster_delta(st, "GNUK001", 0, &r), 0);
	CHECK_EQ_INT(r.version, 0);
	CHECK_EQ_INT(r.n_entries, 0);
	store_roster_free(&r);

	/* Reassigned to another facility's child: an entry there, still a removal here. */
	CHECK_EQ_INT(store_card_assign(st, uid_a, 4, "C100", 30), 0);
	CHECK_EQ_INT(store_roster_delta(st, "GNUK001", 0, &r), 0);
	CHECK_EQ_INT(r.n_entries, 1);
	CHECK_EQ_STR(r.entries[0].child_id, "C100");
	CHECK(strcmp(r.entries[0].uidhash, ha) != 0); /* salted by facility */
	store_roster_free(&r);
	/* A version from the future (a restored hub) gives the full roster. */
	CHECK_EQ_INT(store_roster_delta(st, "NWUK015", 999, &r), 0);
	CHECK(r.full);
	CHECK_EQ_INT(r.n_entries, 1);
	store_roster_free(&r);
	CHECK_EQ_INT(store_roster_delta(st, "XXUK001", 0, &r), -ENOENT);
}

TEST(devices)
{
	struct store *st = fresh();
	struct store_device d, *list = NULL;
	struct store_device_status s = { "1.0.0", 3, "unsynced" };
	size_t n = 0;

	CHECK(st);
	CHECK_EQ_INT(add_facility(st, "NWUK015", "센터"), 0);
	CHECK_EQ_INT(store_device_add(st, "NWUK015-R01", "NWUK015", "0a1b", "ff00", 100), 0);
	CHECK_EQ_INT(store_device_add(st, "NWUK015-R01", "NWUK015", "0a1b", "ff00", 100), -EEXIST);
	CHECK_EQ_INT(store_device_add(st, "NWUK015-R02", "GNUK001", "0a1b", "ff00", 100), -ENOENT);
	CHECK_EQ_INT(store_device_add(st, "R'--", "NWUK015", "0a1b", "ff00", 100), -EINVAL);
	CHECK_EQ_INT(store_device_add(st, "NWUK015-R02", "NWUK015", "zz", "ff00", 100), -EINVAL);
	CHECK_EQ_INT(store_device_add(st, "NWUK015-R02", "NWUK015", "01", "02", 200), 0);
	CHECK_EQ_INT(store_device_get(st, "NWUK015-R01", &d), 0);
	CHECK_EQ_STR(d.facility, "NWUK015");
	CHECK_EQ_STR(d.cert_sha256, "ff00");
	CHECK(!d.revoked);
	CHECK_EQ_INT(d.last_seen_ms, 0);
	CHECK_EQ_INT(d.queue_depth, -1);
	CHECK_EQ_INT(d.seq_high, 0);

	CHECK_EQ_INT(store_device_status_put(st, "NWUK015-R01", &s, 5000), 0);
	s.clock_state = "maybe";
	CHECK_EQ_INT(store_device_status_put(st, "NWUK015-R01", &s, 5000), -EINVAL);
	s.clock_state = "synced";
	s.version = "1.0 '; --";
	CHECK_EQ_INT(store_device_status_put(st, "NWUK015-R01", &s, 5000), -EINVAL);
	s.version = "1.0.0";
	CHECK_EQ_INT(store_device_status_put(st, "NWUK015-R09", &s, 5000), -ENOENT);
	CHECK_EQ_INT(store_device_get(st, "NWUK015-R01", &d), 0);
	CHECK_EQ_INT(d.last_seen_ms, 5000);
	CHECK_EQ_INT(d.queue_depth, 3);
	CHECK_EQ_STR(d.clock_state, "unsynced");
	CHECK_EQ_STR(d.version, "1.0.0");

	/* Silent for more than 1000 ms at t=5800: R02 (never seen, created at 200) only. */
	CHECK_EQ_INT(store_device_list_silent(st, 5800, 1000, &list, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(list[0].id, "NWUK015-R02");
	free(list);
	/* Later both are silent; a revoked one is not reported. */
	CHECK_EQ_INT(store_device_revoke(st, "NWUK015-R02", 7000), 0);
	CHECK_EQ_INT(store_device_revoke(st, "NWUK015-R02", 8000), 0);
	CHECK_EQ_INT(store_device_revoke(st, "NWUK015-R09", 8000), -ENOENT);
	CHECK_EQ_INT(store_device_list_silent(st, 60000, 1000, &list, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(list[0].id, "NWUK015-R01");
	free(list);
	CHECK_EQ_INT(store_device_get(st, "NWUK015-R02", &d), 0);
	CHECK(d.revoked);
	CHECK_EQ_INT(d.revoked_ms, 7000);
	CHECK_EQ_INT(store_device_cert_set(st, "NWUK015-R01", "0c", "ee"), 0);
	CHECK_EQ_INT(store_device_get(st, "NWUK015-R01", &d), 0);
	CHECK_EQ_STR(d.cert_sha256, "ee");
	CHECK_EQ_INT(store_device_cert_set(st, "NWUK015-R02", "0c", "ee"), -EACCES);
	CHECK_EQ_INT(store_device_cert_set(st, "NWUK015-R09", "0c", "ee"), -ENOENT);
	CHECK_EQ_INT(store_device_cert_set(st, "NWUK015-R01", "0c", "'--"), -EINVAL);
	CHECK_EQ_INT(store_device_touch(st, "NWUK015-R01", 70000), 0);
	CHECK_EQ_INT(store_device_list(st, &list, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(list[0].last_seen_ms, 70000);
	free(list);
}

TEST(tokens)
{
	struct store *st = fresh();
	struct store_token *list = NULL;
	char secret[STORE_TOKEN_MAX], other[STORE_TOKEN_MAX], role[STORE_SHORT_MAX];
	int64_t id = 0, id2 = 0, got = 0;
	size_t n = 0;

	CHECK(st);
	CHECK_EQ_INT(store_token_create(st, "admin", "ops laptop", 1, &id, secret, sizeof(secret)),
		     0);
	CHECK_EQ_INT(store_token_create(st, "admin", "second", 1, &id2, other, sizeof(other)), 0);
	CHECK(strncmp(secret, "kt1_", 4) == 0);
	CHECK_EQ_INT(store_token_create(st, "Admin'--", "x", 1, &id, other, sizeof(other)), -EINVAL);
	CHECK_EQ_INT(store_token_verify(st, secret, &got, role, sizeof(role)), 0);
	CHECK_EQ_INT(got, id);
	CHECK_EQ_STR(role, "admin");
	/* Altered, truncated, another id's prefix: all refused alike. */
	secret[strlen(secret) - 1] ^= 1;
	CHECK_EQ_INT(store_token_verify(st, secret, &got, role, sizeof(role)), -EACCES);
	secret[strlen(secret) - 1] ^= 1;
	secret[10] = '\0';
	CHECK_EQ_INT(store_token_verify(st, secret, &got, role, sizeof(role)), -EACCES);
	CHECK_EQ_INT(store_token_verify(st, "' OR 1=1 --", &got, role, sizeof(role)), -EACCES);
	CHECK_EQ_INT(store_token_verify(st, "", &got, role, sizeof(role)), -EACCES);
	CHECK_EQ_INT(store_token_revoke(st, id2, 5), 0);
	CHECK_EQ_INT(store_token_verify(st, other, &got, role, sizeof(role)), -EACCES);
	CHECK_EQ_INT(store_token_revoke(st, 999, 5), -ENOENT);
	CHECK_EQ_INT(store_token_list(st, &list, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(list[1].revoked_ms, 5);
	CHECK_EQ_STR(list[0].label, "ops laptop");
	free(list);
}

int main(void)
{
	log_init("hub_store", KLOG_ERR);
	RUN(schema_and_reopen);
	RUN(migrations);
	RUN(facilities);
	RUN(name_mask);
	RUN(children);
	RUN(cards_and_roster);
	RUN(devices);
	RUN(tokens);
	return harness_done();
}
