/* The roster cache and the roster file parser: see roster.h. */
#include "firmware/roster.h"
#include "common/log.h"
#include "common/tap.h"
#include "common/text.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROSTER_FILE_MAX (ROSTER_ENTRIES_MAX * 200L)

struct roster {
	sqlite3 *db;
	sqlite3_stmt *get;
	char *path;
	char facility[ROSTER_FACILITY_MAX];
};

static int roster_refuse(struct roster_parse_info *info, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int roster_refuse(struct roster_parse_info *info, int line, const char *fmt, ...)
{
	va_list ap;

	info->error_line = line;
	va_start(ap, fmt);
	vsnprintf(info->error, sizeof(info->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static bool roster_name_valid(const char *s, size_t n)
{
	return text_valid(s, n, ROSTER_NAME_MAX);
}

void roster_mask_name(const char *name, char *out, size_t outlen)
{
	/* A name with '*' came masked (the hub's roster); anything unmaskable shows "*". */
	if (strchr(name, '*')) {
		snprintf(out, outlen, "%s", name);
		return;
	}
	if (text_name_mask(name, out, outlen) < 0)
		snprintf(out, outlen, "*");
}

static bool roster_child_id_valid(const char *s, size_t n)
{
	if (n == 0 || n >= ROSTER_CHILD_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Splits off the next space-separated word of line[*pos..n). */
static bool roster_word(const char *line, size_t n, size_t *pos, const char **w, size_t *wlen)
{
	while (*pos < n && line[*pos] == ' ')
		(*pos)++;
	if (*pos >= n)
		return false;
	*w = line + *pos;
	while (*pos < n && line[*pos] != ' ')
		(*pos)++;
	*wlen = (size_t)(line + *pos - *w);
	return true;
}

static bool roster_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool roster_word_is(const char *w, size_t wlen, const char *lit)
{
	return wlen == strlen(lit) && memcmp(w, lit, wlen) == 0;
}

/* One "card"/"uid" record line after its keyword. */
static int roster_record(const char *line, size_t n, size_t pos, bool raw, const char *facility,
			 int lineno, struct roster_entry *e, struct roster_parse_info *info)
{
	const char *w, *id, *name;
	size_t wlen, idlen, namelen;

	memset(e, 0, sizeof(*e));
	if (!roster_word(line, n, &pos, &w, &wlen) || !roster_word(line, n, &pos, &id, &idlen))
		return roster_refuse(info, lineno, "expected '%s <%s> <child id> <name>'",
				     raw ? "uid" : "card", raw ? "UID hex" : "uidhash");
	while (pos < n && line[pos] == ' ')
		pos++;
	name = line + pos;
	namelen = n - pos;
	while (namelen > 0 && name[namelen - 1] == ' ')
		namelen--;
	if (raw) {
		char hex[2 * TAP_UID_MAX + 1];
		uint8_t uid[TAP_UID_MAX], uidlen;

		if (wlen >= sizeof(hex))
			return roster_refuse(info, lineno, "UID is not 4, 7 or 10 bytes of hex");
		memcpy(hex, w, wlen);
		hex[wlen] = '\0';
		if (tap_uid_parse(hex, uid, &uidlen) < 0)
			return roster_refuse(info, lineno, "UID is not 4, 7 or 10 bytes of hex");
		if (uidhash_compute(facility, uid, uidlen, e->uidhash) < 0)
			return roster_refuse(info, lineno, "cannot hash the UID");
	} else {
		if (wlen != UIDHASH_HEX_LEN || !roster_is_hex(w, wlen))
			return roster_refuse(info, lineno, "uidhash is not %d hex digits",
					     UIDHASH_HEX_LEN);
		for (size_t i = 0; i < wlen; i++)
			e->uidhash[i] = (char)((w[i] >= 'A' && w[i] <= 'F') ? w[i] + 32 : w[i]);
	}
	if (!roster_child_id_valid(id, idlen))
		return roster_refuse(info, lineno, "child id is not 1..63 of [A-Za-z0-9._-]");
	memcpy(e->child_id, id, idlen);
	if (!roster_name_valid(name, namelen))
		return roster_refuse(info, lineno, "name is missing, too long or not valid UTF-8");
	{
		char raw_name[ROSTER_NAME_MAX];

		memcpy(raw_name, name, namelen);
		raw_name[namelen] = '\0';
		roster_mask_name(raw_name, e->name, sizeof(e->name));
	}
	return 0;
}

int roster_parse(const char *buf, size_t len, const char *facility, roster_entry_fn fn,
		 void *user, struct roster_parse_info *info)
{
	bool header = false, have_facility = false;
	size_t off = 0;
	int lineno = 0, ret;

	memset(info, 0, sizeof(*info));
	info->version = -1;
	while (off < len) {
		const char *line = buf + off, *w;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off, pos = 0, wlen;

		off += n + (nl ? 1 : 0);
		lineno++;
		if (n > ROSTER_LINE_MAX)
			return roster_refuse(info, lineno, "line longer than %d bytes",
					     ROSTER_LINE_MAX);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (memchr(line, '\0', n) || memchr(line, '\t', n))
			return roster_refuse(info, lineno, "NUL or tab in the line");
		if (!roster_word(line, n, &pos, &w, &wlen) || w[0] == '#')
			continue;
		if (!header) {
			const char *v;
			size_t vlen;

			if (!roster_word_is(w, wlen, "kium-roster") ||
			    !roster_word(line, n, &pos, &v, &vlen) || !roster_word_is(v, vlen, "1"))
				return roster_refuse(info, lineno,
						     "not a roster file (expected 'kium-roster 1')");
			header = true;
		} else if (roster_word_is(w, wlen, "facility")) {
			const char *v;
			size_t vlen;

			if (have_facility || !roster_word(line, n, &pos, &v, &vlen) ||
			    vlen >= ROSTER_FACILITY_MAX)
				return roster_refuse(info, lineno, "bad or repeated facility line");
			memcpy(info->facility, v, vlen);
			info->facility[vlen] = '\0';
			if (strcmp(info->facility, facility) != 0)
				return roster_refuse(info, lineno,
						     "roster is for facility %s, this reader is %s",
						     info->facility, facility);
			have_facility = true;
		} else if (roster_word_is(w, wlen, "version")) {
			const char *v;
			size_t vlen;
			int64_t ver = 0;

			if (!roster_word(line, n, &pos, &v, &vlen) || vlen > 15)
				return roster_refuse(info, lineno, "bad version line");
			for (size_t i = 0; i < vlen; i++) {
				if (v[i] < '0' || v[i] > '9')
					return roster_refuse(info, lineno, "bad version line");
				ver = ver * 10 + (v[i] - '0');
			}
			info->version = ver;
		} else if (roster_word_is(w, wlen, "card") || roster_word_is(w, wlen, "uid")) {
			struct roster_entry e;

			if (!have_facility)
				return roster_refuse(info, lineno, "record before the facility line");
			if (info->entries >= ROSTER_ENTRIES_MAX)
				return roster_refuse(info, lineno, "more than %d cards",
						     ROSTER_ENTRIES_MAX);
			ret = roster_record(line, n, pos, w[0] == 'u', facility, lineno, &e, info);
			if (ret < 0)
				return ret;
			info->entries++;
			if (fn && (ret = fn(user, &e)) < 0) {
				roster_refuse(info, lineno, "cannot store the record");
				return ret;
			}
		} else {
			/* The line itself is not echoed: it may hold a name. */
			return roster_refuse(info, lineno, "unknown record (expected card, uid, "
					     "facility or version)");
		}
	}
	if (!header)
		return roster_refuse(info, 0, "empty file (expected 'kium-roster 1')");
	if (!have_facility)
		return roster_refuse(info, 0, "no facility line");
	return 0;
}

static int roster_sqlerr(struct roster *r, int rc, const char *what)
{
	log_err("roster cache %s: %s: %s", r->path, what, r->db ? sqlite3_errmsg(r->db) :
		sqlite3_errstr(rc));
	if ((rc & 0xff) == SQLITE_FULL)
		return -ENOSPC;
	if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
		return -EACCES;
	return -EIO;
}

static const char roster_schema[] =
	"PRAGMA journal_mode = WAL;"
	"CREATE TABLE IF NOT EXISTS roster (uidhash TEXT PRIMARY KEY, child_id TEXT NOT NULL,"
	"  name TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS roster_meta (k TEXT PRIMARY KEY, v);"
	"PRAGMA user_version = 1;";

int roster_open(const char *cache_path, const char *facility, struct roster **out)
{
	struct roster *r = NULL;
	char *msg = NULL;
	int rc, ret = -ENOMEM;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(cache_path)))
		goto out;
	snprintf(r->facility, sizeof(r->facility), "%s", facility);
	rc = sqlite3_open_v2(cache_path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		ret = roster_sqlerr(r, rc, "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(r->db, 2000);
	rc = sqlite3_exec(r->db, roster_schema, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_err("roster cache %s: cannot set up: %s", cache_path, msg ? msg : "?");
		ret = -EIO;
		goto out;
	}
	rc = sqlite3_prepare_v2(r->db, "SELECT child_id, name FROM roster WHERE uidhash = ?1", -1,
				&r->get, NULL);
	if (rc != SQLITE_OK) {
		ret = roster_sqlerr(r, rc, "cannot prepare");
		goto out;
	}
	*out = r;
	r = NULL;
	ret = 0;
out:
	sqlite3_free(msg);
	roster_close(r);
	return ret;
}

void roster_close(struct roster *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->get);
	sqlite3_close(r->db);
	free(r->path);
	free(r);
}

static int roster_store(void *user, const struct roster_entry *e)
{
	sqlite3_stmt *st = user;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, e->uidhash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, e->child_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, e->name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int roster_read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct stat sb;
	int ret = 0;

	*buf = NULL;
	if (!f)
		return -errno;
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if (sb.st_size > ROSTER_FILE_MAX) {
		ret = -EFBIG;
		goto out;
	}
	*buf = malloc((size_t)sb.st_size + 1);
	if (!*buf) {
		ret = -ENOMEM;
		goto out;
	}
	*len = fread(*buf, 1, (size_t)sb.st_size, f);
	if (ferror(f))
		ret = -EIO;
out:
	fclose(f);
	if (ret < 0) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

int roster_import_file(struct roster *r, const char *path)
{
	struct roster_parse_info info;
	sqlite3_stmt *ins = NULL, *meta = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc, ret;

	ret = roster_read_file(path, &buf, &len);
	if (ret < 0) {
		log_err("roster file %s: cannot read: %s", path,
			ret == -EINVAL ? "not a regular file" : ret == -EFBIG ? "too large" :
			strerror(-ret));
		goto out;
	}
	rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE; DELETE FROM roster;", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO roster(uidhash, child_id, "
					"name) VALUES (?1, ?2, ?3)", -1, &ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO roster_meta(k, v) "
					"VALUES ('version', ?1)", -1, &meta, NULL);
	if (rc != SQLITE_OK) {
		ret = roster_sqlerr(r, rc, "cannot start the import");
		goto rollback;
	}
	ret = roster_parse(buf, len, r->facility, roster_store, ins, &info);
	if (ret < 0) {
		if (info.error_line)
			log_err("roster file %s:%d: %s; keeping the cached roster", path,
				info.error_line, info.error);
		else
			log_err("roster file %s: %s; keeping the cached roster", path, info.error);
		goto rollback;
	}
	sqlite3_bind_int64(meta, 1, info.version);
	if (sqlite3_step(meta) != SQLITE_DONE ||
	    (rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		ret = roster_sqlerr(r, SQLITE_IOERR, "cannot store the roster");
		goto rollback;
	}
	log_info("roster file %s: %zu cards loaded (version %" PRId64 ")", path, info.entries,
		 info.version);
	goto out;
rollback:
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(meta);
	free(buf);
	return ret;
}

/* One card of a hub delta, checked; 0 or -EINVAL with why set. */
static int roster_hub_card(const json_t *c, struct roster_entry *e, const char **why)
{
	const char *h = json_string_value(json_object_get(c, "uidhash"));
	const char *id = json_string_value(json_object_get(c, "child"));
	const char *name = json_string_value(json_object_get(c, "display"));

	if (!h || strlen(h) != UIDHASH_HEX_LEN || !roster_is_hex(h, UIDHASH_HEX_LEN)) {
		*why = "a card's uidhash is not 32 hex digits";
		return -EINVAL;
	}
	if (!id || !roster_child_id_valid(id, strlen(id))) {
		*why = "a card's child id is not valid";
		return -EINVAL;
	}
	if (!name || !roster_name_valid(name, strlen(name))) {
		*why = "a card's name is not valid UTF-8 text";
		return -EINVAL;
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->uidhash, sizeof(e->uidhash), "%s", h);
	snprintf(e->child_id, sizeof(e->child_id), "%s", id);
	roster_mask_name(name, e->name, sizeof(e->name));
	return 0;
}

int roster_apply_hub(struct roster *r, const json_t *delta)
{
	const json_t *cards = json_object_get(delta, "cards");
	const json_t *removed = json_object_get(delta, "removed");
	const json_t *v = json_object_get(delta, "version"), *c;
	const char *fac = json_string_value(json_object_get(delta, "facility"));
	const char *why = NULL;
	sqlite3_stmt *ins = NULL, *del = NULL, *meta = NULL;
	struct roster_entry e;
	bool full = json_is_true(json_object_get(delta, "full"));
	size_t i;
	int rc, ret = -EINVAL;

	if (!json_is_object(delta) || !json_is_array(cards) || !json_is_array(removed) ||
	    !json_is_integer(v) || json_integer_value(v) < 0) {
		why = "not a roster delta (version, cards, removed)";
		goto refuse;
	}
	if (!fac || strcmp(fac, r->facility) != 0) {
		why = "the roster is for another facility";
		goto refuse;
	}
	if (json_array_size(cards) > ROSTER_ENTRIES_MAX || json_array_size(removed) > ROSTER_ENTRIES_MAX) {
		why = "too many cards";
		goto refuse;
	}
	/* Check everything before touching the cache. */
	json_array_foreach(cards, i, c)
		if (roster_hub_card(c, &e, &why) < 0)
			goto refuse;
	json_array_foreach(removed, i, c) {
		const char *h = json_string_value(c);

		if (!h || strlen(h) != UIDHASH_HEX_LEN || !roster_is_hex(h, UIDHASH_HEX_LEN)) {
			why = "a removed uidhash is not 32 hex digits";
			goto refuse;
		}
	}

	rc = sqlite3_exec(r->db, full ? "BEGIN IMMEDIATE; DELETE FROM roster;" : "BEGIN IMMEDIATE;",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO roster(uidhash, child_id, "
					"name) VALUES (?1, ?2, ?3)", -1, &ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, "DELETE FROM roster WHERE uidhash = ?1", -1, &del, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO roster_meta(k, v) "
					"VALUES ('version', ?1)", -1, &meta, NULL);
	if (rc != SQLITE_OK) {
		ret = roster_sqlerr(r, rc, "cannot start the hub roster update");
		goto rollback;
	}
	json_array_foreach(removed, i, c) {
		sqlite3_reset(del);
		sqlite3_bind_text(del, 1, json_string_value(c), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(del) != SQLITE_DONE) {
			ret = roster_sqlerr(r, SQLITE_IOERR, "cannot remove a card");
			goto rollback;
		}
	}
	json_array_foreach(cards, i, c) {
		roster_hub_card(c, &e, &why);
		if (roster_store(ins, &e) < 0) {
			ret = roster_sqlerr(r, SQLITE_IOERR, "cannot store a card");
			goto rollback;
		}
	}
	sqlite3_bind_int64(meta, 1, json_integer_value(v));
	if (sqlite3_step(meta) != SQLITE_DONE ||
	    (rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		ret = roster_sqlerr(r, SQLITE_IOERR, "cannot store the hub roster");
		goto rollback;
	}
	log_info("roster: hub version %lld (%s: %zu cards, %zu removed)",
		 (long long)json_integer_value(v), full ? "full" : "delta", json_array_size(cards),
		 json_array_size(removed));
	ret = 0;
	goto out;
refuse:
	log_err("roster: refusing the hub's roster: %s; keeping the cached roster", why);
	return -EINVAL;
rollback:
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	sqlite3_finalize(meta);
	return ret;
}

int roster_lookup(struct roster *r, const char *uidhash, struct roster_entry *out)
{
	int rc, ret = 0;

	sqlite3_reset(r->get);
	sqlite3_bind_text(r->get, 1, uidhash, -1, SQLITE_STATIC);
	rc = sqlite3_step(r->get);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		snprintf(out->uidhash, sizeof(out->uidhash), "%s", uidhash);
		snprintf(out->child_id, sizeof(out->child_id), "%s",
			 (const char *)sqlite3_column_text(r->get, 0));
		snprintf(out->name, sizeof(out->name), "%s",
			 (const char *)sqlite3_column_text(r->get, 1));
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = roster_sqlerr(r, rc, "lookup");
	}
	sqlite3_reset(r->get);
	return ret;
}

int roster_stats(struct roster *r, size_t *cards, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*cards = 0;
	*version = -1;
	rc = sqlite3_prepare_v2(r->db, "SELECT (SELECT count(*) FROM roster), "
				"(SELECT v FROM roster_meta WHERE k = 'version')", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*cards = (size_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			*version = sqlite3_column_int64(st, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : roster_sqlerr(r, rc, "stats");
}
