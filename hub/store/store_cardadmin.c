/*
 * The SQLite store: RF card administration for the portal (see store_cardadmin.h). Reads
 * are bounded lists; a registration (with its replacement) is one write transaction that
 * stamps each card row with the facility's next roster version, as store_cards.c does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_cardadmin.h"
#include "hub/store/store_int.h"

static void card_row(sqlite3_stmt *s, struct store_card_row *r)
{
	memset(r, 0, sizeof(*r));
	store_col_text(s, 0, r->uid, sizeof(r->uid));
	store_col_text(s, 1, r->facility, sizeof(r->facility));
	store_col_text(s, 2, r->child, sizeof(r->child));
	store_col_text(s, 3, r->child_name, sizeof(r->child_name));
	r->active = sqlite3_column_int(s, 4) != 0;
	r->assigned_ms = sqlite3_column_int64(s, 5);
	r->removed_ms = sqlite3_column_int64(s, 6);
}

#define CARD_COLS "c.uid, c.facility, c.child_id, ch.name, c.active, c.assigned_ms," \
		  " COALESCE(c.removed_ms, 0)"

static int card_fill(sqlite3_stmt *s, void *r)
{
	card_row(s, r);
	return 0;
}

int store_card_list(struct store *st, const char *facility, struct store_card_row **out,
		    size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " CARD_COLS " FROM cards c"
					    " JOIN children ch ON ch.id = c.child_id"
					    " WHERE c.facility = ?"
					    " ORDER BY c.active DESC,"
					    " CASE WHEN c.active THEN ch.name END,"
					    " c.removed_ms DESC, c.id DESC LIMIT ?");

	if (s) {
		sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, STORE_CARD_LIST_MAX);
	}
	return store_collect(st, s, sizeof(**out), 32, card_fill, "card list", (void **)out, n);
}

int store_card_active(struct store *st, const uint8_t *uid, uint8_t uid_len,
		      struct store_card_row *out)
{
	sqlite3_stmt *s;
	char hex[STORE_UID_HEX_MAX];
	int rc, r;

	if (uid_len != 4 && uid_len != 7 && uid_len != 10)
		return -EINVAL;
	tap_uid_format(uid, uid_len, hex, sizeof(hex));
	s = store_prepare(st, "SELECT " CARD_COLS " FROM cards c JOIN children ch"
			      " ON ch.id = c.child_id WHERE c.uid = ? AND c.active = 1");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		card_row(s, out);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "card active");
	}
	sqlite3_finalize(s);
	return r;
}

static int child_fill(sqlite3_stmt *s, void *e)
{
	struct store_child_row *c = e;

	store_col_text(s, 0, c->id, sizeof(c->id));
	store_col_text(s, 1, c->name, sizeof(c->name));
	store_col_text(s, 2, c->card, sizeof(c->card));
	c->ncards = sqlite3_column_int(s, 3);
	if (store_name_mask(c->name, c->display, sizeof(c->display)) < 0)
		snprintf(c->display, sizeof(c->display), "*");
	return 0;
}

int store_facility_children(struct store *st, const char *facility,
			    struct store_child_row **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT ch.id, ch.name,"
					    " (SELECT c.uid FROM cards c WHERE c.child_id = ch.id"
					    "  AND c.active = 1 ORDER BY c.id DESC LIMIT 1),"
					    " (SELECT COUNT(*) FROM cards c WHERE c.child_id = ch.id"
					    "  AND c.active = 1)"
					    " FROM children ch WHERE ch.facility = ?"
					    " ORDER BY ch.name, ch.id LIMIT ?");

	if (s) {
		sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, STORE_CHILDREN_MAX);
	}
	return store_collect(st, s, sizeof(**out), 32, child_fill, "facility children",
			     (void **)out, n);
}

static int unknown_fill(sqlite3_stmt *s, void *e)
{
	struct store_unknown_card *u = e;

	store_col_text(s, 0, u->uid, sizeof(u->uid));
	u->taps = sqlite3_column_int64(s, 1);
	u->last_ms = sqlite3_column_int64(s, 2);
	store_col_text(s, 3, u->device, sizeof(u->device));
	return 0;
}

int store_unknown_cards(struct store *st, const char *facility, int64_t since_ms,
			struct store_unknown_card **out, size_t *n)
{
	/* The taps index (facility, time_ms) bounds the scan to the window. */
	sqlite3_stmt *s = store_prepare(st, "SELECT t.uid, COUNT(*), MAX(t.time_ms),"
					    " (SELECT t2.device_id FROM taps t2 WHERE t2.facility = ?1"
					    "  AND t2.uid = t.uid AND t2.reject IS NULL"
					    "  ORDER BY t2.time_ms DESC LIMIT 1)"
					    " FROM taps t WHERE t.facility = ?1 AND t.reject IS NULL"
					    " AND t.time_ms >= ?2 AND t.uid IS NOT NULL"
					    " AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.uid = t.uid"
					    "  AND c.active = 1)"
					    " GROUP BY t.uid ORDER BY MAX(t.time_ms) DESC LIMIT ?3");

	if (s) {
		sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, since_ms);
		sqlite3_bind_int(s, 3, STORE_UNKNOWN_MAX);
	}
	return store_collect(st, s, sizeof(**out), 16, unknown_fill, "unknown cards",
			     (void **)out, n);
}

/* Deactivates every active card of the child; the newest one's UID goes to replaced. */
static int cardadmin_retire(struct store *st, const struct store_child *ch, int64_t now_ms,
			    char *replaced, int *count)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT uid FROM cards WHERE child_id = ?"
					    " AND active = 1 ORDER BY id DESC");
	int64_t version;
	int rc, r = 0;

	*count = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, ch->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*count == 0)
			store_col_text(s, 0, replaced, STORE_UID_HEX_MAX);
		(*count)++;
	}
	if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "child cards");
	sqlite3_finalize(s);
	if (r < 0 || *count == 0)
		return r;
	if ((r = store_roster_bump(st, ch->facility, &version)) < 0)
		return r;
	s = store_prepare(st, "UPDATE cards SET active = 0, removed_ms = ?, version = ?"
			      " WHERE child_id = ? AND active = 1");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, version);
	sqlite3_bind_text(s, 3, ch->id, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "card retire");
	sqlite3_finalize(s);
	return r;
}

int store_card_register(struct store *st, const uint8_t *uid, uint8_t uid_len,
			const char *child, bool replace, int64_t now_ms,
			char replaced[STORE_UID_HEX_MAX])
{
	struct store_child ch;
	struct store_card_row held;
	sqlite3_stmt *s = NULL;
	char hex[STORE_UID_HEX_MAX];
	int r, count = 0;

	replaced[0] = '\0';
	if (uid_len != 4 && uid_len != 7 && uid_len != 10)
		return -EINVAL;
	tap_uid_format(uid, uid_len, hex, sizeof(hex));
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_child_get(st, child, &ch)) < 0)
		goto out;
	r = store_card_active(st, uid, uid_len, &held);
	if (r == 0) {
		r = -EEXIST;
		goto out;
	}
	if (r != -ENOENT)
		goto out;
	if (!replace) {
		s = store_prepare(st, "SELECT 1 FROM cards WHERE child_id = ? AND active = 1");
		if (!s) {
			r = -EIO;
			goto out;
		}
		sqlite3_bind_text(s, 1, ch.id, -1, SQLITE_STATIC);
		r = sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
		if (r == SQLITE_ROW) {
			r = -EALREADY;
			goto out;
		}
		if (r != SQLITE_DONE) {
			r = store_step_error(st, r, "child card check");
			goto out;
		}
	} else if ((r = cardadmin_retire(st, &ch, now_ms, replaced, &count)) < 0) {
		goto out;
	}
	if ((r = store_card_insert(st, hex, &ch, now_ms)) < 0)
		goto out;
	return store_tx_commit(st);
out:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	if (r < 0)
		replaced[0] = '\0';
	return r;
}
