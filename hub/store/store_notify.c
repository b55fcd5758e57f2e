/*
 * The SQLite store: the notification outbox (delivery state, idempotency keys, scrubbing
 * and pruning), the guardians to tell about a tap, parents' preferences (store_notify.h).
 * The two statements of the tap ingest path are prepared once per handle; the rest per call.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_int.h"
#include "hub/store/store_notify.h"

#define OUTBOX_LIST_CAP 500

static const char *const pref_cols[] = { "arrival", "departure", "booking", "waitlist_offer",
					 "missing_departure" };

static bool pref_valid(const char *p)
{
	for (size_t i = 0; i < sizeof(pref_cols) / sizeof(pref_cols[0]); i++)
		if (!strcmp(p, pref_cols[i]))
			return true;
	return false;
}

static bool key_valid(const char *k)
{
	size_t n = strlen(k);

	if (n < 8 || n >= STORE_IDEM_KEY_MAX)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '-' || *k == '_'))
			return false;
	return true;
}

/* 1 when parent's column pref is off. */
static int pref_off(struct store *st, const char *parent, const char *pref)
{
	struct store_notify_prefs p;
	int r = store_notify_prefs_get(st, parent, &p);

	if (r < 0)
		return r;
	if (!strcmp(pref, "arrival"))
		return !p.arrival;
	if (!strcmp(pref, "departure"))
		return !p.departure;
	if (!strcmp(pref, "booking"))
		return !p.booking;
	if (!strcmp(pref, "waitlist_offer"))
		return !p.waitlist_offer;
	return !p.missing_departure;
}

int store_outbox_put(struct store *st, const struct store_outbox_new *m, int64_t now_ms)
{
	char key[STORE_IDEM_KEY_MAX];
	sqlite3_stmt *s;
	int r;

	if (!store_text_valid(m->recipient, STORE_EMAIL_MAX) ||
	    !store_short_valid(m->template_code) || !m->params || m->params[0] != '{' ||
	    (m->idem_key && !key_valid(m->idem_key)) ||
	    (m->facility && m->facility[0] && !store_code_valid(m->facility)) ||
	    (m->pref && !pref_valid(m->pref)))
		return -EINVAL;
	if (m->pref && (r = pref_off(st, m->recipient, m->pref)) != 0)
		return r < 0 ? r : 1;
	if (m->idem_key) {
		snprintf(key, sizeof(key), "%s", m->idem_key);
	} else {
		uint8_t raw[16];

		randombytes_buf(raw, sizeof(raw));
		memcpy(key, "kium-", 5);
		sodium_bin2hex(key + 5, sizeof(key) - 5, raw, sizeof(raw));
	}
	s = store_stmt(st, SS_NOTIFY_PUT,
		       "INSERT INTO notification_outbox (recipient, template, params, created_ms,"
		       " idem_key, facility, next_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4)"
		       " ON CONFLICT (idem_key) DO NOTHING");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, m->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, m->template_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, m->params, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	sqlite3_bind_text(s, 5, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, m->facility ? m->facility : "", -1, SQLITE_STATIC);
	r = store_step_done(st, s, "outbox put");
	sqlite3_reset(s);
	if (r < 0)
		return r;
	return sqlite3_changes(st->db) == 1 ? 0 : 1;
}

#define PREF_CASE                                                                     \
	" CASE ?4 WHEN 'arrival' THEN coalesce(p.arrival, 1)"                            \
	" WHEN 'departure' THEN coalesce(p.departure, 1)"                                 \
	" WHEN 'booking' THEN coalesce(p.booking, 1)"                                     \
	" WHEN 'waitlist_offer' THEN coalesce(p.waitlist_offer, 1)"                       \
	" WHEN 'missing_departure' THEN coalesce(p.missing_departure, 1) ELSE 1 END = 1"

static int targets_read(struct store *st, sqlite3_stmt *s, struct store_notify_target *out,
			size_t cap, size_t *n)
{
	int rc;

	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_notify_target *t;
		const unsigned char *child = sqlite3_column_text(s, 1);

		/* Rows of another holder of the card (the fallback time) come last: skip. */
		if (*n && child && strcmp((const char *)child, out[0].child))
			continue;
		if (*n == cap)
			break;
		t = &out[(*n)++];
		store_col_text(s, 0, t->parent, sizeof(t->parent));
		store_col_text(s, 1, t->child, sizeof(t->child));
		store_col_text(s, 2, t->child_name, sizeof(t->child_name));
		store_col_text(s, 3, t->facility_name, sizeof(t->facility_name));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_step_error(st, rc, "notify targets");
	return 0;
}

int store_notify_card_targets(struct store *st, const char *uid, const char *facility,
			      int64_t at_ms, int64_t fallback_ms, const char *pref,
			      struct store_notify_target *out, size_t cap, size_t *n)
{
	sqlite3_stmt *s;
	int r;

	*n = 0;
	s = store_stmt(st, SS_NOTIFY_TARGETS,
		       "SELECT g.parent, c.child_id, ch.name, coalesce(f.name, '') FROM cards c"
		       " JOIN children ch ON ch.id = c.child_id"
		       " JOIN guardian_links g ON g.child = c.child_id AND g.confirmed_ms IS NOT NULL"
		       " LEFT JOIN notify_prefs p ON p.parent = g.parent"
		       " LEFT JOIN facilities f ON f.code = ?2"
		       " WHERE c.uid = ?1 AND ((c.assigned_ms <= ?3 AND (c.removed_ms IS NULL OR"
		       "  c.removed_ms > ?3)) OR (c.assigned_ms <= ?5 AND (c.removed_ms IS NULL OR"
		       "  c.removed_ms > ?5))) AND" PREF_CASE
		       " ORDER BY (c.assigned_ms <= ?3 AND (c.removed_ms IS NULL OR"
		       "  c.removed_ms > ?3)) DESC, g.parent LIMIT 32");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, at_ms);
	sqlite3_bind_text(s, 4, pref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, fallback_ms);
	r = targets_read(st, s, out, cap, n);
	sqlite3_reset(s);
	return r;
}

int store_notify_child_targets(struct store *st, const char *child, const char *facility,
			       const char *pref, struct store_notify_target *out, size_t cap,
			       size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT g.parent, ch.id, ch.name, coalesce(f.name, '')"
					    " FROM children ch JOIN guardian_links g ON g.child = ch.id"
					    "  AND g.confirmed_ms IS NOT NULL"
					    " LEFT JOIN notify_prefs p ON p.parent = g.parent"
					    " LEFT JOIN facilities f ON f.code = ?2"
					    " WHERE ch.id = ?1 AND ?3 = ?3 AND" PREF_CASE
					    " ORDER BY g.parent LIMIT 32");
	int r;

	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, child, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, facility, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, 0);
	sqlite3_bind_text(s, 4, pref, -1, SQLITE_STATIC);
	r = targets_read(st, s, out, cap, n);
	sqlite3_finalize(s);
	return r;
}

/* ---- delivery ---- */

#define ROW_COLS                                                                    \
	"id, recipient, template, params, state, idem_key, facility, attempts, created_ms," \
	" next_ms, done_ms, last_status, last_error, scrubbed"

static int rows_read(struct store *st, sqlite3_stmt *s, bool with_params,
		     struct store_outbox_row **out, size_t *n, const char *what)
{
	struct store_outbox_row *v = NULL;
	size_t cap = 0, k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_outbox_row *m;
		const unsigned char *p;

		if (k == OUTBOX_LIST_CAP)
			break;
		if (k == cap && store_grow((void **)&v, &cap, sizeof(*v), 16) < 0) {
			r = -ENOMEM;
			goto out;
		}
		m = &v[k++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, m->recipient, sizeof(m->recipient));
		store_col_text(s, 2, m->template_code, sizeof(m->template_code));
		if (with_params) {
			p = sqlite3_column_text(s, 3);
			if (!(m->params = strdup(p ? (const char *)p : "{}"))) {
				r = -ENOMEM;
				goto out;
			}
		}
		store_col_text(s, 4, m->state, sizeof(m->state));
		store_col_text(s, 5, m->idem_key, sizeof(m->idem_key));
		store_col_text(s, 6, m->facility, sizeof(m->facility));
		m->attempts = sqlite3_column_int(s, 7);
		m->created_ms = sqlite3_column_int64(s, 8);
		m->next_ms = sqlite3_column_int64(s, 9);
		m->done_ms = sqlite3_column_int64(s, 10);
		m->last_status = sqlite3_column_int(s, 11);
		store_col_text(s, 12, m->last_error, sizeof(m->last_error));
		m->scrubbed = sqlite3_column_int(s, 13) != 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_step_error(st, rc, what);
out:
	if (r < 0) {
		store_outbox_rows_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

void store_outbox_rows_free(struct store_outbox_row *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].params);
	free(v);
}

int store_outbox_due(struct store *st, int64_t now_ms, size_t limit,
		     struct store_outbox_row **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " ROW_COLS " FROM notification_outbox"
					    " WHERE state = 'pending' AND next_ms <= ?"
					    " ORDER BY next_ms, id LIMIT ?");
	int r;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, (int64_t)(limit ? limit : 1));
	r = rows_read(st, s, true, out, n, "outbox due");
	sqlite3_finalize(s);
	return r;
}

int store_outbox_mark(struct store *st, int64_t id, const char *state, int attempts,
		      int64_t next_ms, int http_status, const char *error, const char *params,
		      int64_t now_ms)
{
	bool done = strcmp(state, "pending") != 0;
	sqlite3_stmt *s;
	int r;

	if (done && strcmp(state, "delivered") && strcmp(state, "failed"))
		return -EINVAL;
	s = store_prepare(st, "UPDATE notification_outbox SET state = ?2, attempts = ?3,"
			      " next_ms = ?4, last_status = ?5, last_error = ?6,"
			      " done_ms = ?7, params = coalesce(?8, params),"
			      " scrubbed = scrubbed OR ?8 IS NOT NULL"
			      " WHERE id = ?1 AND state = 'pending'");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, attempts);
	sqlite3_bind_int64(s, 4, next_ms);
	sqlite3_bind_int(s, 5, http_status);
	sqlite3_bind_text(s, 6, error ? error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, done ? now_ms : 0);
	if (params && done)
		sqlite3_bind_text(s, 8, params, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "outbox mark");
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	sqlite3_finalize(s);
	return r;
}

int store_outbox_prune(struct store *st, int64_t before_ms, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "DELETE FROM notification_outbox"
					    " WHERE state <> 'pending' AND done_ms < ?");
	int r;

	if (n)
		*n = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, before_ms);
	r = store_step_done(st, s, "outbox prune");
	if (r == 0 && n)
		*n = (size_t)sqlite3_changes(st->db);
	sqlite3_finalize(s);
	return r;
}

int store_outbox_query(struct store *st, const struct store_outbox_filter *f,
		       struct store_outbox_row **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT o.id, o.recipient, o.template, NULL, o.state,"
					    " o.idem_key, o.facility, o.attempts, o.created_ms,"
					    " o.next_ms, o.done_ms, o.last_status, o.last_error,"
					    " o.scrubbed FROM notification_outbox o"
					    " WHERE (?1 IS NULL OR o.facility IN"
					    "  (SELECT code FROM facilities WHERE district = ?1))"
					    " AND (?2 IS NULL OR o.state = ?2)"
					    " AND (?3 IS NULL OR o.template = ?3)"
					    " AND (?4 = 0 OR o.id < ?4) ORDER BY o.id DESC LIMIT ?5");
	int r;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	if (f->district)
		sqlite3_bind_text(s, 1, f->district, -1, SQLITE_STATIC);
	if (f->state)
		sqlite3_bind_text(s, 2, f->state, -1, SQLITE_STATIC);
	if (f->template_code)
		sqlite3_bind_text(s, 3, f->template_code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, f->before_id);
	sqlite3_bind_int64(s, 5, (int64_t)(f->limit ? f->limit : 100));
	r = rows_read(st, s, false, out, n, "outbox query");
	sqlite3_finalize(s);
	return r;
}

int store_outbox_counts(struct store *st, int64_t since_ms, int64_t counts[3])
{
	/* Both halves use the partial indexes: pending rows, and rows done since since_ms. */
	sqlite3_stmt *s = store_prepare(st, "SELECT (SELECT count(*) FROM notification_outbox"
					    "  WHERE state = 'pending' AND next_ms > -1),"
					    " (SELECT count(*) FROM notification_outbox WHERE"
					    "  state <> 'pending' AND done_ms >= ?1 AND state = 'delivered'),"
					    " (SELECT count(*) FROM notification_outbox WHERE"
					    "  state <> 'pending' AND done_ms >= ?1 AND state = 'failed')");
	int rc;

	counts[0] = counts[1] = counts[2] = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, since_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < 3; i++)
			counts[i] = sqlite3_column_int64(s, i);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_step_error(st, rc, "outbox counts");
}

/* ---- preferences ---- */

int store_notify_prefs_get(struct store *st, const char *parent, struct store_notify_prefs *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT arrival, departure, booking, waitlist_offer,"
					    " missing_departure, changed_ms FROM notify_prefs"
					    " WHERE parent = ?");
	int rc;

	*out = (struct store_notify_prefs){ true, true, true, true, true, 0 };
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->arrival = sqlite3_column_int(s, 0) != 0;
		out->departure = sqlite3_column_int(s, 1) != 0;
		out->booking = sqlite3_column_int(s, 2) != 0;
		out->waitlist_offer = sqlite3_column_int(s, 3) != 0;
		out->missing_departure = sqlite3_column_int(s, 4) != 0;
		out->changed_ms = sqlite3_column_int64(s, 5);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_step_error(st, rc, "prefs get");
}

int store_notify_prefs_set(struct store *st, const char *parent,
			   const struct store_notify_prefs *p, int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO notify_prefs (parent, arrival, departure,"
					    " booking, waitlist_offer, missing_departure, changed_ms)"
					    " VALUES (?,?,?,?,?,?,?) ON CONFLICT (parent) DO UPDATE"
					    " SET arrival = excluded.arrival,"
					    " departure = excluded.departure,"
					    " booking = excluded.booking,"
					    " waitlist_offer = excluded.waitlist_offer,"
					    " missing_departure = excluded.missing_departure,"
					    " changed_ms = excluded.changed_ms");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, p->arrival);
	sqlite3_bind_int(s, 3, p->departure);
	sqlite3_bind_int(s, 4, p->booking);
	sqlite3_bind_int(s, 5, p->waitlist_offer);
	sqlite3_bind_int(s, 6, p->missing_departure);
	sqlite3_bind_int64(s, 7, now_ms);
	r = store_step_done(st, s, "prefs set");
	sqlite3_finalize(s);
	return r;
}

static int parent_child_fill(sqlite3_stmt *s, void *e)
{
	struct store_child *c = e;

	store_col_text(s, 0, c->id, sizeof(c->id));
	store_col_text(s, 1, c->name, sizeof(c->name));
	store_col_text(s, 2, c->facility, sizeof(c->facility));
	if (store_name_mask(c->name, c->display, sizeof(c->display)) < 0)
		snprintf(c->display, sizeof(c->display), "*");
	return 0;
}

int store_parent_children(struct store *st, const char *parent, struct store_child **out,
			  size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT ch.id, ch.name, ch.facility FROM guardian_links g"
					    " JOIN children ch ON ch.id = g.child WHERE g.parent = ?"
					    " AND g.confirmed_ms IS NOT NULL"
					    " ORDER BY g.confirmed_ms, ch.id LIMIT 64");

	if (s)
		sqlite3_bind_text(s, 1, parent, -1, SQLITE_STATIC);
	return store_collect(st, s, sizeof(**out), 4, parent_child_fill, "parent children",
			     (void **)out, n);
}
