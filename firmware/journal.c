/* The tap journal on SQLite: see journal.h for its promises. */
#include "firmware/journal.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_SCHEMA 2
/* The checkpointer thread folds the WAL back into the database after a quiet second, or at
 * once after this many commits (taps and acknowledgements; about 1 to 3 MB of WAL), so that
 * a checkpoint's own fsync rarely runs beside a tap's, and the WAL, restarted from its
 * beginning after each checkpoint, stays within the room below. */
#define JOURNAL_CKPT_COMMITS 200
#define JOURNAL_CKPT_QUIET_MS 1000
/* Room the WAL file is given at open, written once: a tap's commit then overwrites blocks the
 * file already has, and its fdatasync need not also commit the file's growth to the file
 * system's own journal (on ext4 that doubles the median and lengthens the tail). */
#define JOURNAL_WAL_ROOM (4L << 20)

enum {
	ST_INSERT,
	ST_SET_STATE,
	ST_CARD_PUT,
	ST_CARD_GET,
	ST_CHILD_PUT,
	ST_CHILD_GET,
	ST_PRUNE,
	ST_PENDING,
	ST_COUNT_
};

static const char *const journal_sql[ST_COUNT_] = {
	[ST_INSERT] = "INSERT INTO taps(seq, uid, wall_ms, boot_id, mono_ms, clock, dir, result) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_SET_STATE] = "UPDATE state SET v = ?2 WHERE k = ?1",
	[ST_CARD_PUT] = "INSERT OR REPLACE INTO card_last(uidhash, seq, wall_ms, mono_ms, boot_id, "
			"result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_CARD_GET] = "SELECT seq, wall_ms, mono_ms, boot_id, result FROM card_last "
			"WHERE uidhash = ?1",
	[ST_CHILD_PUT] = "INSERT OR REPLACE INTO child_day(child_id, day, dir, seq) "
			 "VALUES (?1, ?2, ?3, ?4)",
	[ST_CHILD_GET] = "SELECT day, dir FROM child_day WHERE child_id = ?1",
	[ST_PRUNE] = "DELETE FROM taps WHERE seq IN (SELECT seq FROM taps WHERE seq <= ?1 "
		     "AND seq NOT IN (SELECT seq FROM set_aside) ORDER BY seq LIMIT ?2)",
	[ST_PENDING] = "SELECT seq, uid, wall_ms, boot_id, mono_ms, clock, dir, result FROM taps "
		       "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
};

/* Schema migrations: migrations[v] takes a database at version v to v + 1. */
static const char *const journal_migrations[JOURNAL_SCHEMA] = {
	"CREATE TABLE taps ("
	"  seq INTEGER PRIMARY KEY,"     /* per device, never reused */
	"  uid TEXT NOT NULL,"           /* card UID, lower-case hex */
	"  wall_ms INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL,"
	"  mono_ms INTEGER NOT NULL,"
	"  clock TEXT NOT NULL,"         /* synced | unsynced */
	"  dir TEXT NOT NULL,"
	"  result TEXT NOT NULL);"
	"CREATE TABLE state (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
	"INSERT INTO state VALUES ('last_seq', 0), ('acked_seq', 0);" /* last_seq: see below */
	"CREATE TABLE card_last ("
	"  uidhash TEXT PRIMARY KEY, seq INTEGER NOT NULL, wall_ms INTEGER NOT NULL,"
	"  mono_ms INTEGER NOT NULL, boot_id TEXT NOT NULL, result TEXT NOT NULL);"
	"CREATE TABLE child_day ("
	"  child_id TEXT PRIMARY KEY, day INTEGER NOT NULL, dir TEXT NOT NULL,"
	"  seq INTEGER NOT NULL);",
	/* 2: taps the hub refused for their content, kept (never pruned) with its reason. */
	"CREATE TABLE set_aside (seq INTEGER PRIMARY KEY, reason TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL);",
};

struct journal {
	pthread_mutex_t mu;
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT_];
	char *path;
	long capacity;
	int warn_percent;
	bool read_only;
	uint64_t last_seq, acked_seq, rows;
	uint64_t set_aside;
	unsigned since_checkpoint;

	/* The checkpointer: its own connection, its own lock. */
	pthread_t ckpt;
	bool ckpt_started, ckpt_stop;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	unsigned ckpt_commits;
	int64_t ckpt_last_ms;      /* monotonic time of the last commit */
	sqlite3 *ckpt_db;
};

static int journal_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int journal_fail(struct journal *j, int rc, const char *what)
{
	log_err("journal %s: %s: %s", j->path, what, sqlite3_errmsg(j->db));
	return journal_errno(rc) ? journal_errno(rc) : -EIO;
}

static int journal_exec(struct journal *j, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(j->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_err("journal %s: %s: %s", j->path, sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return journal_errno(rc) ? journal_errno(rc) : -EIO;
	}
	return 0;
}

static int journal_query_int(struct journal *j, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : journal_fail(j, rc, sql);
}

static int journal_migrate(struct journal *j)
{
	int64_t version;
	int ret;

	ret = journal_query_int(j, "PRAGMA user_version", &version);
	if (ret < 0)
		return ret;
	if (version > JOURNAL_SCHEMA) {
		log_err("journal %s: schema version %" PRId64 " is newer than this program's (%d)",
			j->path, version, JOURNAL_SCHEMA);
		return -EPROTO;
	}
	if (version == JOURNAL_SCHEMA)
		return 0;
	if (j->read_only) {
		log_err("journal %s: schema version %" PRId64 " needs migrating; open it read-write "
			"first", j->path, version);
		return -EPROTO;
	}
	while (version < JOURNAL_SCHEMA) {
		char sql[64];

		ret = journal_exec(j, "BEGIN IMMEDIATE");
		if (ret < 0)
			return ret;
		ret = journal_exec(j, journal_migrations[version]);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %" PRId64, version + 1);
		if (ret == 0)
			ret = journal_exec(j, sql);
		if (ret == 0)
			ret = journal_exec(j, "COMMIT");
		if (ret < 0) {
			sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
			return ret;
		}
		log_notice("journal %s: schema migrated to version %" PRId64, j->path, version + 1);
		version++;
	}
	return 0;
}

static int journal_load_state(struct journal *j)
{
	int64_t last, acked, rows;
	int ret;

	/* The last sequence is the highest stored, or the acknowledged one when pruning took
	 * every row: pruning only deletes acknowledged taps, so nothing above acked_seq is ever
	 * missing. One page less to write per tap than a counter row. ('last_seq' in the state
	 * table is kept for older readers of the file and written when pruning.) */
	ret = journal_query_int(j, "SELECT max(coalesce((SELECT max(seq) FROM taps), 0), "
				"(SELECT v FROM state WHERE k = 'last_seq'))", &last);
	if (ret == 0)
		ret = journal_query_int(j, "SELECT v FROM state WHERE k = 'acked_seq'", &acked);
	if (ret == 0)
		ret = journal_query_int(j, "SELECT count(*) FROM taps", &rows);
	if (ret < 0)
		return ret;
	j->acked_seq = (uint64_t)acked;
	j->last_seq = (uint64_t)last > j->acked_seq ? (uint64_t)last : j->acked_seq;
	j->rows = (uint64_t)rows;
	/* A schema-1 file opened read-only (--dump-journal) has no set_aside table. */
	j->set_aside = 0;
	if (journal_query_int(j, "SELECT count(*) FROM sqlite_master WHERE name = 'set_aside'",
			      &rows) == 0 && rows > 0 &&
	    journal_query_int(j, "SELECT count(*) FROM set_aside", &rows) == 0)
		j->set_aside = (uint64_t)rows;
	return 0;
}

static int64_t journal_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Checkpoints once taps have been quiet for JOURNAL_CKPT_QUIET_MS, or at once when
 * JOURNAL_CKPT_COMMITS piled up, so that a checkpoint's own fsync rarely runs beside a tap's. */
static void *journal_checkpointer(void *arg)
{
	struct journal *j = arg;

	pthread_mutex_lock(&j->ckpt_mu);
	while (!j->ckpt_stop) {
		int64_t due = j->ckpt_last_ms + JOURNAL_CKPT_QUIET_MS;
		int rc;

		if (j->ckpt_commits == 0) {
			pthread_cond_wait(&j->ckpt_cv, &j->ckpt_mu);
			continue;
		}
		if (j->ckpt_commits < JOURNAL_CKPT_COMMITS && journal_now_ms() < due) {
			struct timespec ts = { .tv_sec = due / 1000,
					       .tv_nsec = (due % 1000) * 1000000 };

			pthread_cond_timedwait(&j->ckpt_cv, &j->ckpt_mu, &ts);
			continue;
		}
		j->ckpt_commits = 0;
		pthread_mutex_unlock(&j->ckpt_mu);
		rc = sqlite3_wal_checkpoint_v2(j->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
					       NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			log_warn("journal %s: checkpoint: %s", j->path, sqlite3_errmsg(j->ckpt_db));
		pthread_mutex_lock(&j->ckpt_mu);
	}
	pthread_mutex_unlock(&j->ckpt_mu);
	return NULL;
}

/* Gives the WAL file JOURNAL_WAL_ROOM bytes by writing zeros past its end. SQLite reads a WAL
 * only up to its first frame that does not check out (a zero frame never does) and writes it
 * from the start again after each checkpoint, as it does over the stale frames of any earlier
 * round. Nothing SQLite wrote is touched. Best effort: a disk without the room only loses the
 * speed-up. Called at open, before any tap and before the checkpointer runs. */
static void journal_wal_room(struct journal *j)
{
	static const char zeros[65536];
	char path[4096];
	struct stat sb;
	off_t off;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s-wal", j->path) >= sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* SQLite makes it at the first write */
	if (fstat(fd, &sb) < 0 || sb.st_size >= JOURNAL_WAL_ROOM)
		goto out;
	for (off = sb.st_size; off < JOURNAL_WAL_ROOM;) {
		size_t n = sizeof(zeros) - (size_t)(off % (off_t)sizeof(zeros));
		ssize_t w = pwrite(fd, zeros, n, off);

		if (w <= 0) {
			log_info("journal %s: the WAL gets no room ahead (%s)", j->path,
				 w < 0 ? strerror(errno) : "short write");
			break;
		}
		off += w;
	}
	if (fdatasync(fd) < 0)
		log_info("journal %s: the WAL's room is not synced: %s", j->path, strerror(errno));
out:
	close(fd);
}

static int journal_start_checkpointer(struct journal *j)
{
	pthread_condattr_t ca;
	int rc;

	rc = sqlite3_open_v2(j->path, &j->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		log_err("journal %s: checkpointer cannot open: %s", j->path, sqlite3_errstr(rc));
		return -EIO;
	}
	sqlite3_busy_timeout(j->ckpt_db, 100);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->ckpt_cv, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&j->ckpt, NULL, journal_checkpointer, j);
	if (rc) {
		pthread_cond_destroy(&j->ckpt_cv);
		log_err("journal %s: cannot start the checkpointer: %s", j->path, strerror(rc));
		return -rc;
	}
	j->ckpt_started = true;
	return 0;
}

int journal_open(const struct journal_options *opt, struct journal **out)
{
	struct journal *j = NULL;
	int flags, rc, ret = -ENOMEM;
	char *mode = NULL;

	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		goto out;
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->ckpt_mu, NULL);
	j->path = strdup(opt->path);
	if (!j->path)
		goto out;
	j->capacity = opt->capacity > 0 ? opt->capacity : 1;
	j->warn_percent = opt->warn_percent > 0 ? opt->warn_percent : 80;
	j->read_only = opt->read_only;
	flags = opt->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(opt->path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = journal_errno(rc);
		log_err("journal %s: cannot open: %s", opt->path,
			j->db ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(j->db, 0);
	sqlite3_busy_timeout(j->db, 2000);
	if (!opt->read_only) {
		sqlite3_stmt *st = NULL;

		rc = sqlite3_prepare_v2(j->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			mode = strdup((const char *)sqlite3_column_text(st, 0));
		rc = sqlite3_finalize(st);
		if (rc != SQLITE_OK || !mode || strcmp(mode, "wal") != 0) {
			ret = journal_fail(j, rc, "cannot switch to WAL mode (is it a database, "
				"and is its directory writable?)");
			goto out;
		}
		ret = journal_exec(j, "PRAGMA synchronous = FULL");
		if (ret == 0)
			ret = journal_exec(j, "PRAGMA wal_autocheckpoint = 0");
		if (ret < 0)
			goto out;
	}
	ret = journal_migrate(j);
	if (ret < 0)
		goto out;
	for (int i = 0; i < ST_COUNT_; i++) {
		if (opt->read_only && i != ST_PENDING && i != ST_CARD_GET && i != ST_CHILD_GET)
			continue;
		rc = sqlite3_prepare_v3(j->db, journal_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&j->st[i], NULL);
		if (rc != SQLITE_OK) {
			ret = journal_fail(j, rc, "cannot prepare statements");
			goto out;
		}
	}
	ret = journal_load_state(j);
	if (ret == 0 && !opt->read_only) {
		journal_wal_room(j);
		ret = journal_start_checkpointer(j);
	}
	if (ret < 0)
		goto out;
	*out = j;
	j = NULL;
	ret = 0;
out:
	free(mode);
	journal_close(j);
	return ret;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->ckpt_started) {
		pthread_mutex_lock(&j->ckpt_mu);
		j->ckpt_stop = true;
		pthread_cond_signal(&j->ckpt_cv);
		pthread_mutex_unlock(&j->ckpt_mu);
		pthread_join(j->ckpt, NULL);
		pthread_cond_destroy(&j->ckpt_cv);
	}
	sqlite3_close(j->ckpt_db);
	pthread_mutex_destroy(&j->ckpt_mu);
	for (int i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(j->st[i]);
	if (j->db && !j->read_only)
		sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_close(j->db);
	pthread_mutex_destroy(&j->mu);
	free(j->path);
	free(j);
}

static sqlite3_stmt *journal_stmt(struct journal *j, int which)
{
	sqlite3_stmt *st = j->st[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int journal_card_last(struct journal *j, const char *uidhash, struct journal_card_last *out)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	pthread_mutex_lock(&j->mu);
	st = journal_stmt(j, ST_CARD_GET);
	sqlite3_bind_text(st, 1, uidhash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *boot = (const char *)sqlite3_column_text(st, 3);
		const char *res = (const char *)sqlite3_column_text(st, 4);

		out->seq = (uint64_t)sqlite3_column_int64(st, 0);
		out->wall_ms = sqlite3_column_int64(st, 1);
		out->mono_ms = sqlite3_column_int64(st, 2);
		snprintf(out->boot_id, sizeof(out->boot_id), "%s", boot ? boot : "");
		if (!res || tap_result_parse(res, &out->result) < 0)
			out->result = TAP_RESULT_UNKNOWN_CARD;
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = journal_fail(j, rc, "reading a card's last tap");
	}
	sqlite3_reset(st);
	pthread_mutex_unlock(&j->mu);
	return ret;
}

int journal_child_dir(struct journal *j, const char *child_id, int64_t day, enum tap_dir *dir)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	*dir = TAP_DIR_NONE;
	pthread_mutex_lock(&j->mu);
	st = journal_stmt(j, ST_CHILD_GET);
	sqlite3_bind_text(st, 1, child_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 1);

		if (sqlite3_column_int64(st, 0) == day && d && tap_dir_parse(d, dir) < 0)
			*dir = TAP_DIR_NONE;
	} else if (rc != SQLITE_DONE) {
		ret = journal_fail(j, rc, "reading a child's direction");
	}
	sqlite3_reset(st);
	pthread_mutex_unlock(&j->mu);
	return ret;
}

static int journal_step_done(struct journal *j, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : journal_fail(j, rc, what);
}

static int journal_set_state(struct journal *j, const char *k, uint64_t v)
{
	sqlite3_stmt *st = journal_stmt(j, ST_SET_STATE);

	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
	return journal_step_done(j, st, "updating state");
}

/* Makes room by deleting acknowledged taps, oldest first: a tenth of the capacity at a time,
 * so that pruning is rare. Inside the caller's transaction. */
static int journal_prune(struct journal *j, uint64_t *pruned)
{
	uint64_t want = (uint64_t)j->capacity / 10 + 1;
	sqlite3_stmt *st = journal_stmt(j, ST_PRUNE);
	int ret;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)j->acked_seq);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)want);
	ret = journal_step_done(j, st, "pruning acknowledged taps");
	*pruned = ret == 0 ? (uint64_t)sqlite3_changes(j->db) : 0;
	return ret;
}

static int journal_checkpoint_locked(struct journal *j)
{
	int rc;

	if (j->read_only || j->since_checkpoint == 0)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return journal_fail(j, rc, "checkpoint");
	j->since_checkpoint = 0;
	return 0;
}

/* Tells the checkpointer about a commit. */
static void journal_committed(struct journal *j)
{
	pthread_mutex_lock(&j->ckpt_mu);
	j->ckpt_last_ms = journal_now_ms();
	if (++j->ckpt_commits == 1 || j->ckpt_commits >= JOURNAL_CKPT_COMMITS)
		pthread_cond_signal(&j->ckpt_cv);
	pthread_mutex_unlock(&j->ckpt_mu);
}

int journal_append(struct journal *j, struct tap *tap, const char *uidhash, const char *child_id,
		   int64_t day)
{
	char uid[2 * TAP_UID_MAX + 1];
	uint64_t seq, pruned = 0;
	sqlite3_stmt *st;
	int ret;

	if (j->read_only)
		return -EROFS;
	pthread_mutex_lock(&j->mu);
	if (j->last_seq - j->acked_seq >= (uint64_t)j->capacity) {
		ret = -ENOSPC;
		goto out;
	}
	ret = journal_exec(j, "BEGIN IMMEDIATE");
	if (ret < 0)
		goto out;
	if (j->rows >= (uint64_t)j->capacity) {
		ret = journal_prune(j, &pruned);
		if (ret == 0)
			ret = journal_set_state(j, "last_seq", j->last_seq);
		if (ret < 0)
			goto rollback;
	}
	seq = j->last_seq + 1;
	tap_uid_format(tap->uid, tap->uid_len, uid, sizeof(uid));
	st = journal_stmt(j, ST_INSERT);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_text(st, 2, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, tap->wall_ms);
	sqlite3_bind_text(st, 4, tap->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, tap->mono_ms);
	sqlite3_bind_text(st, 6, tap->clock_synced ? "synced" : "unsynced", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, tap_dir_name(tap->dir), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, tap_result_name(tap->result), -1, SQLITE_STATIC);
	ret = journal_step_done(j, st, "inserting a tap");
	if (ret < 0)
		goto rollback;
	st = journal_stmt(j, ST_CARD_PUT);
	sqlite3_bind_text(st, 1, uidhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 3, tap->wall_ms);
	sqlite3_bind_int64(st, 4, tap->mono_ms);
	sqlite3_bind_text(st, 5, tap->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, tap_result_name(tap->result), -1, SQLITE_STATIC);
	ret = journal_step_done(j, st, "recording the card's last tap");
	if (ret < 0)
		goto rollback;
	if (child_id) {
		st = journal_stmt(j, ST_CHILD_PUT);
		sqlite3_bind_text(st, 1, child_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, day);
		sqlite3_bind_text(st, 3, tap_dir_name(tap->dir), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
		ret = journal_step_done(j, st, "recording the child's direction");
		if (ret < 0)
			goto rollback;
	}
	ret = journal_exec(j, "COMMIT");
	if (ret < 0)
		goto rollback;
	tap->seq = seq;
	j->last_seq = seq;
	j->rows = j->rows + 1 - pruned;
	j->since_checkpoint++;
	journal_committed(j);
	goto out;
rollback:
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	/* What the database holds is the truth after a failed transaction. */
	journal_load_state(j);
out:
	pthread_mutex_unlock(&j->mu);
	return ret;
}

static int journal_row_to_tap(sqlite3_stmt *st, struct tap *t)
{
	const char *uid = (const char *)sqlite3_column_text(st, 1);
	const char *boot = (const char *)sqlite3_column_text(st, 3);
	const char *clk = (const char *)sqlite3_column_text(st, 5);
	const char *dir = (const char *)sqlite3_column_text(st, 6);
	const char *res = (const char *)sqlite3_column_text(st, 7);

	memset(t, 0, sizeof(*t));
	t->seq = (uint64_t)sqlite3_column_int64(st, 0);
	t->wall_ms = sqlite3_column_int64(st, 2);
	t->mono_ms = sqlite3_column_int64(st, 4);
	snprintf(t->boot_id, sizeof(t->boot_id), "%s", boot ? boot : "");
	t->clock_synced = clk && strcmp(clk, "synced") == 0;
	if (!uid || tap_uid_parse(uid, t->uid, &t->uid_len) < 0 || !dir ||
	    tap_dir_parse(dir, &t->dir) < 0 || !res || tap_result_parse(res, &t->result) < 0)
		return -EBADMSG;
	return 0;
}

int journal_pending(struct journal *j, uint64_t after, struct tap *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, ret = 0;

	*n = 0;
	pthread_mutex_lock(&j->mu);
	if (after < j->acked_seq)
		after = j->acked_seq;
	st = journal_stmt(j, ST_PENDING);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (journal_row_to_tap(st, &out[*n]) < 0) {
			log_err("journal %s: row seq %lld is malformed", j->path,
				(long long)sqlite3_column_int64(st, 0));
			ret = -EBADMSG;
			break;
		}
		(*n)++;
	}
	if (ret == 0 && *n < max && rc != SQLITE_DONE)
		ret = journal_fail(j, rc, "reading pending taps");
	sqlite3_reset(st);
	pthread_mutex_unlock(&j->mu);
	return ret;
}

int journal_ack(struct journal *j, uint64_t seq)
{
	int ret = 0;

	if (j->read_only)
		return -EROFS;
	pthread_mutex_lock(&j->mu);
	if (seq > j->last_seq) {
		log_err("journal %s: acknowledgement of seq %" PRIu64 " beyond the last tap %" PRIu64,
			j->path, seq, j->last_seq);
		ret = -EINVAL;
		goto out;
	}
	if (seq <= j->acked_seq)
		goto out;
	/* An acknowledgement need not survive a power cut: a lost one only makes the uplink
	 * send those taps again, and the hub answers "duplicate". So it skips the fsync that
	 * synchronous=FULL would cost (WAL + NORMAL: durable at the next checkpoint). */
	sqlite3_exec(j->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	ret = journal_set_state(j, "acked_seq", seq);
	sqlite3_exec(j->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	if (ret == 0) {
		j->acked_seq = seq;
		journal_committed(j); /* its frame is in the WAL too */
	}
out:
	pthread_mutex_unlock(&j->mu);
	return ret;
}

int journal_usage(struct journal *j, struct journal_usage *u)
{
	pthread_mutex_lock(&j->mu);
	u->last_seq = j->last_seq;
	u->acked_seq = j->acked_seq;
	u->pending = j->last_seq - j->acked_seq;
	u->rows = j->rows;
	u->capacity = j->capacity;
	u->warn = u->pending * 100 >= (uint64_t)j->capacity * (uint64_t)j->warn_percent;
	u->full = u->pending >= (uint64_t)j->capacity;
	u->set_aside = j->set_aside;
	pthread_mutex_unlock(&j->mu);
	return 0;
}

int journal_set_aside(struct journal *j, uint64_t seq, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	pthread_mutex_lock(&j->mu);
	rc = sqlite3_prepare_v2(j->db, "INSERT OR IGNORE INTO set_aside(seq, reason, at_ms) "
				"SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM taps WHERE seq = ?1)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, clock_wall_ms());
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		ret = journal_fail(j, rc, "setting a tap aside");
	else if (sqlite3_changes(j->db) > 0)
		j->set_aside++;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	return ret;
}

int journal_checkpoint(struct journal *j)
{
	int ret;

	pthread_mutex_lock(&j->mu);
	ret = journal_checkpoint_locked(j);
	pthread_mutex_unlock(&j->mu);
	return ret;
}

void journal_sqlite_memory(int64_t *now, int64_t *peak)
{
	sqlite3_int64 cur = 0, hi = 0;

	sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0);
	*now = cur;
	*peak = hi;
}

int journal_dump(struct journal *j, FILE *out)
{
	struct tap t;
	sqlite3_stmt *st, *aside = NULL;
	int rc = SQLITE_DONE, ret = 0;

	pthread_mutex_lock(&j->mu);
	/* A journal of schema 1 opened read-only has no set_aside table: nothing is set aside. */
	sqlite3_prepare_v2(j->db, "SELECT reason FROM set_aside WHERE seq = ?1", -1, &aside, NULL);
	st = journal_stmt(j, ST_PENDING);
	sqlite3_bind_int64(st, 1, 0);
	sqlite3_bind_int64(st, 2, INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o;
		char *s;

		if (journal_row_to_tap(st, &t) < 0) {
			log_err("journal %s: row seq %" PRIu64 " is malformed", j->path, t.seq);
			ret = -EBADMSG;
			continue;
		}
		o = tap_to_json(&t);
		if (o && aside) {
			sqlite3_reset(aside);
			sqlite3_bind_int64(aside, 1, (sqlite3_int64)t.seq);
			if (sqlite3_step(aside) == SQLITE_ROW)
				json_object_set_new(o, "set_aside", json_string(
					(const char *)sqlite3_column_text(aside, 0)));
		}
		s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!s) {
			ret = -ENOMEM;
			break;
		}
		fprintf(out, "%s\n", s);
		free(s);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = journal_fail(j, rc, "reading taps");
	sqlite3_reset(st);
	sqlite3_finalize(aside);
	pthread_mutex_unlock(&j->mu);
	return ret;
}
