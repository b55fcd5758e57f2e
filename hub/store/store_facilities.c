/*
 * Facility records in the SQLite store (issue 5): creation with code allocation from the
 * ledger of issued codes (facility_codes: a number is issued once, whatever happens to its
 * facility later), the full record, searches with paging, capacity change requests and
 * departments. Capacity and Kium kind live in facility_care, the table the booking rules
 * read; an approved capacity change writes it in the transaction that closes the request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_int.h"

#define FAC_COLS "f.code, f.name, f.district, f.type, f.roster_version, coalesce(c.kind, ''),"   \
	" coalesce(c.capacity, -1), f.dong, f.ages, f.documents, f.address, f.lat_e6, f.lon_e6," \
	" f.opened, f.email, f.phone, f.area_centi, f.operating, f.created_ms, f.changed_ms,"    \
	" f.created_by, f.changed_by"
#define FAC_FROM " FROM facilities f LEFT JOIN facility_care c ON c.facility = f.code"
#define FAC_LIST_CAP 100

static void info_row(sqlite3_stmt *s, struct store_facility_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	store_col_text(s, 0, fi->f.code, sizeof(fi->f.code));
	store_col_text(s, 1, fi->f.name, sizeof(fi->f.name));
	store_col_text(s, 2, fi->f.district, sizeof(fi->f.district));
	store_col_text(s, 3, fi->f.type, sizeof(fi->f.type));
	fi->f.roster_version = sqlite3_column_int64(s, 4);
	store_col_text(s, 5, fi->kind, sizeof(fi->kind));
	fi->capacity = sqlite3_column_int(s, 6);
	store_col_text(s, 7, fi->dong, sizeof(fi->dong));
	store_col_text(s, 8, fi->ages, sizeof(fi->ages));
	store_col_text(s, 9, fi->documents, sizeof(fi->documents));
	store_col_text(s, 10, fi->address, sizeof(fi->address));
	fi->lat_e6 = sqlite3_column_int64(s, 11);
	fi->lon_e6 = sqlite3_column_int64(s, 12);
	store_col_text(s, 13, fi->opened, sizeof(fi->opened));
	store_col_text(s, 14, fi->email, sizeof(fi->email));
	store_col_text(s, 15, fi->phone, sizeof(fi->phone));
	fi->area_centi = sqlite3_column_int64(s, 16);
	fi->operating = sqlite3_column_int(s, 17) != 0;
	fi->created_ms = sqlite3_column_int64(s, 18);
	fi->changed_ms = sqlite3_column_int64(s, 19);
	store_col_text(s, 20, fi->created_by, sizeof(fi->created_by));
	store_col_text(s, 21, fi->changed_by, sizeof(fi->changed_by));
}

static bool opt_text(const char *s, size_t max)
{
	return s && (!*s || store_text_valid(s, max));
}

static bool info_valid(const struct store_facility_info *fi)
{
	return store_text_valid(fi->f.name, STORE_NAME_MAX) && store_short_valid(fi->f.district) &&
	       store_short_valid(fi->f.type) && opt_text(fi->dong, sizeof(fi->dong)) &&
	       opt_text(fi->ages, sizeof(fi->ages)) &&
	       opt_text(fi->documents, sizeof(fi->documents)) &&
	       opt_text(fi->address, sizeof(fi->address)) &&
	       opt_text(fi->opened, sizeof(fi->opened)) && opt_text(fi->email, sizeof(fi->email)) &&
	       opt_text(fi->phone, sizeof(fi->phone)) && fi->area_centi >= 0;
}

int store_facility_next_number(struct store *st, const char *district, const char *type,
			       int *number)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT max(coalesce((SELECT max(number) FROM"
					    " facility_codes WHERE district = ?1 AND type = ?2), 0),"
					    " coalesce((SELECT max(CAST(substr(code, 5) AS INTEGER))"
					    " FROM facilities WHERE district = ?1 AND type = ?2 AND"
					    " length(code) = 7), 0))");
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, district, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*number = sqlite3_column_int(s, 0) + 1;
	else
		r = store_step_error(st, rc, "facility next number");
	sqlite3_finalize(s);
	return r;
}

static int code_issued(struct store *st, const char *code, bool *issued)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT (SELECT count(*) FROM facility_codes WHERE"
					    " code = ?1) + (SELECT count(*) FROM facilities WHERE"
					    " code = ?1)");
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*issued = sqlite3_column_int(s, 0) > 0;
	else
		r = store_step_error(st, rc, "facility code issued");
	sqlite3_finalize(s);
	return r;
}

static int exec_bound(struct store *st, const char *sql, const char *what,
		      const char *const *texts, size_t nt, const int64_t *ints, size_t ni)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int r;

	if (!s)
		return -EIO;
	for (size_t i = 0; i < nt; i++)
		sqlite3_bind_text(s, (int)i + 1, texts[i], -1, SQLITE_STATIC);
	for (size_t i = 0; i < ni; i++)
		sqlite3_bind_int64(s, (int)(nt + i) + 1, ints[i]);
	r = store_step_done(st, s, what);
	sqlite3_finalize(s);
	return r;
}

int store_facility_create(struct store *st, struct store_facility_info *fi, int number,
			  const char *actor, int64_t now_ms)
{
	char code[STORE_FACILITY_CODE_MAX];
	bool issued = false;
	int r, n = number;

	if (!info_valid(fi) || strlen(fi->f.district) != 2 || strlen(fi->f.type) != 2 ||
	    number < 0 || number > STORE_FAC_NUMBER_MAX || fi->capacity < -1)
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if (n == 0 && (r = store_facility_next_number(st, fi->f.district, fi->f.type, &n)) < 0)
		goto out;
	if (n > STORE_FAC_NUMBER_MAX) {
		r = -ENOSPC;
		goto out;
	}
	snprintf(code, sizeof(code), "%.2s%.2s%03d", fi->f.district, fi->f.type, n);
	if ((r = code_issued(st, code, &issued)) < 0)
		goto out;
	if (issued) {
		r = -EEXIST;
		goto out;
	}
	{
		const char *t[] = { code, fi->f.name, fi->f.district, fi->f.type, fi->dong,
				    fi->ages, fi->documents, fi->address, fi->opened, fi->email,
				    fi->phone, actor ? actor : "" };
		const int64_t v[] = { fi->lat_e6, fi->lon_e6, fi->area_centi, fi->operating,
				      now_ms };

		r = exec_bound(st, "INSERT INTO facilities (code, name, district, type, dong, ages,"
				   " documents, address, opened, email, phone, created_by, changed_by,"
				   " lat_e6, lon_e6, area_centi, operating, created_ms, changed_ms)"
				   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12,"
				   " ?13, ?14, ?15, ?16, ?17, ?17)", "facility create", t, 12, v, 5);
		if (r < 0)
			goto out;
	}
	{
		const char *t[] = { code, fi->f.district, fi->f.type };
		const int64_t v[] = { n, now_ms };

		r = exec_bound(st, "INSERT INTO facility_codes (code, district, type, number,"
				   " issued_ms) VALUES (?, ?, ?, ?, ?)", "facility code", t, 3, v, 2);
		if (r < 0)
			goto out;
	}
	if (fi->kind[0]) {
		const char *t[] = { code, fi->kind, actor ? actor : "" };
		const int64_t v[] = { fi->capacity < 0 ? 0 : fi->capacity, now_ms };

		r = exec_bound(st, "INSERT INTO facility_care (facility, kind, changed_by, capacity,"
				   " changed_ms) VALUES (?, ?, ?, ?, ?)", "facility care", t, 3, v, 2);
		if (r < 0)
			goto out;
	}
	if ((r = store_tx_commit(st)) < 0)
		return r;
	snprintf(fi->f.code, sizeof(fi->f.code), "%s", code);
	return 0;
out:
	store_tx_rollback(st);
	return r;
}

int store_facility_info_get(struct store *st, const char *code, struct store_facility_info *out)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	if (!store_code_valid(code))
		return -ENOENT;
	s = store_prepare(st, "SELECT " FAC_COLS FAC_FROM " WHERE f.code = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		info_row(s, out);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "facility info");
	sqlite3_finalize(s);
	return r;
}

int store_facility_update(struct store *st, const struct store_facility_info *fi,
			  const char *actor, int64_t now_ms)
{
	const char *t[] = { fi->f.code, fi->f.name, fi->dong, fi->ages, fi->documents,
			    fi->address, fi->opened, fi->email, fi->phone, actor ? actor : "" };
	const int64_t v[] = { fi->lat_e6, fi->lon_e6, fi->area_centi, fi->operating, now_ms };
	int r;

	if (!store_code_valid(fi->f.code) || !info_valid(fi))
		return -EINVAL;
	r = exec_bound(st, "UPDATE facilities SET name = ?2, dong = ?3, ages = ?4, documents = ?5,"
			   " address = ?6, opened = ?7, email = ?8, phone = ?9, changed_by = ?10,"
			   " lat_e6 = ?11, lon_e6 = ?12, area_centi = ?13, operating = ?14,"
			   " changed_ms = ?15 WHERE code = ?1", "facility update", t, 10, v, 5);
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	return r;
}

/* The shared WHERE of searches; parameters ?1..?9 (see bind_query). */
#define FAC_WHERE                                                                        \
	" WHERE (?1 IS NULL OR f.district = ?1) AND (?2 IS NULL OR instr(?2, f.type) > 0)" \
	" AND (?3 IS NULL OR coalesce(c.kind, '') = ?3) AND (?4 IS NULL OR f.code = ?4)"   \
	" AND (?5 IS NULL OR instr(f.name, ?5) > 0 OR instr(f.address, ?5) > 0"            \
	"  OR instr(f.code, ?5) > 0)"                                                      \
	" AND (?6 < 0 OR f.operating = ?6) AND (?7 = 0 OR f.created_ms >= ?7)"             \
	" AND (?8 = 0 OR f.created_ms < ?8) AND (?9 IS NULL OR f.type = ?9)"

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_query(sqlite3_stmt *s, const struct store_facility_query *q)
{
	bind_opt(s, 1, q->district);
	bind_opt(s, 2, q->types);
	bind_opt(s, 3, q->kind);
	bind_opt(s, 4, q->code);
	bind_opt(s, 5, q->q);
	sqlite3_bind_int(s, 6, q->operating < 0 ? -1 : q->operating ? 1 : 0);
	sqlite3_bind_int64(s, 7, q->from_ms);
	sqlite3_bind_int64(s, 8, q->to_ms);
	bind_opt(s, 9, q->type);
}

int store_facility_search(struct store *st, const struct store_facility_query *q,
			  struct store_facility_info **out, size_t *n, size_t *total)
{
	sqlite3_stmt *s = NULL;
	struct store_facility_info *v = NULL;
	size_t k = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	*total = 0;
	if (q->page < 1 || q->per_page < 1 || q->per_page > FAC_LIST_CAP ||
	    q->page > (size_t)1 << 30)
		return -EINVAL;
	s = store_prepare(st, "SELECT count(*)" FAC_FROM FAC_WHERE);
	if (!s)
		return -EIO;
	bind_query(s, q);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = store_step_error(st, rc, "facility count");
		goto out;
	}
	*total = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = store_prepare(st, "SELECT " FAC_COLS FAC_FROM FAC_WHERE
			      " ORDER BY f.created_ms DESC, f.code DESC LIMIT ?10 OFFSET ?11");
	if (!s)
		return -EIO;
	bind_query(s, q);
	sqlite3_bind_int64(s, 10, (int64_t)q->per_page);
	sqlite3_bind_int64(s, 11, (int64_t)((q->page - 1) * q->per_page));
	v = calloc(q->per_page, sizeof(*v));
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	while (k < q->per_page && (rc = sqlite3_step(s)) == SQLITE_ROW)
		info_row(s, &v[k++]);
	if (k < q->per_page && rc != SQLITE_DONE)
		r = store_step_error(st, rc, "facility search");
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

/* ---- capacity requests ---- */

#define CR_COLS "id, facility, from_capacity, to_capacity, reason, state, requested_by," \
	" requested_ms, decided_by, decided_ms, decision_reason"

static void cr_row(sqlite3_stmt *s, struct store_capacity_request *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, c->facility, sizeof(c->facility));
	c->from_capacity = sqlite3_column_int(s, 2);
	c->to_capacity = sqlite3_column_int(s, 3);
	store_col_text(s, 4, c->reason, sizeof(c->reason));
	store_col_text(s, 5, c->state, sizeof(c->state));
	store_col_text(s, 6, c->requested_by, sizeof(c->requested_by));
	c->requested_ms = sqlite3_column_int64(s, 7);
	store_col_text(s, 8, c->decided_by, sizeof(c->decided_by));
	c->decided_ms = sqlite3_column_int64(s, 9);
	store_col_text(s, 10, c->decision_reason, sizeof(c->decision_reason));
}

int store_capacity_request_add(struct store *st, const char *facility, int to_capacity,
			       const char *reason, const char *actor, int64_t now_ms, int64_t *id)
{
	sqlite3_stmt *s;
	int r;

	if (!store_code_valid(facility) || to_capacity < 0 || to_capacity > 100000 ||
	    !store_text_valid(reason, 512))
		return -EINVAL;
	s = store_prepare(st, "INSERT INTO capacity_requests (facility, from_capacity, to_capacity,"
			      " reason, state, requested_by, requested_ms) SELECT facility, capacity,"
			      " ?, ?, 'pending', ?, ? FROM facility_care WHERE facility = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int(s, 1, to_capacity);
	sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	sqlite3_bind_text(s, 5, facility, -1, SQLITE_STATIC);
	r = store_step_done(st, s, "capacity request");
	sqlite3_finalize(s);
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	if (r == 0 && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return r;
}

int store_capacity_request_get(struct store *st, int64_t id, struct store_capacity_request *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " CR_COLS " FROM capacity_requests"
					    " WHERE id = ?");
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cr_row(s, out);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "capacity request get");
	sqlite3_finalize(s);
	return r;
}

int store_capacity_request_decide(struct store *st, int64_t id, bool approve,
				  const char *reason, const char *actor, int64_t now_ms)
{
	struct store_capacity_request c;
	int r;

	if (reason && *reason && !store_text_valid(reason, 512))
		return -EINVAL;
	if ((r = store_tx_begin(st)) < 0)
		return r;
	if ((r = store_capacity_request_get(st, id, &c)) < 0)
		goto out;
	if (strcmp(c.state, "pending") != 0) {
		r = -EALREADY;
		goto out;
	}
	{
		const char *t[] = { approve ? "approved" : "rejected", actor ? actor : "",
				    reason ? reason : "" };
		const int64_t v[] = { now_ms, id };

		r = exec_bound(st, "UPDATE capacity_requests SET state = ?, decided_by = ?,"
				   " decision_reason = ?, decided_ms = ? WHERE id = ?",
			       "capacity decide", t, 3, v, 2);
		if (r < 0)
			goto out;
	}
	if (approve) {
		const char *t[] = { actor ? actor : "", c.facility };
		const int64_t v[] = { c.to_capacity, now_ms };

		r = exec_bound(st, "UPDATE facility_care SET changed_by = ?1, capacity = ?3,"
				   " changed_ms = ?4 WHERE facility = ?2", "capacity apply", t, 2, v,
			       2);
		if (r < 0)
			goto out;
	}
	return store_tx_commit(st);
out:
	store_tx_rollback(st);
	return r;
}

static int cr_fill(sqlite3_stmt *s, void *c)
{
	cr_row(s, c);
	return 0;
}

int store_capacity_request_list(struct store *st, const char *facility,
				struct store_capacity_request **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " CR_COLS " FROM capacity_requests"
					    " WHERE facility = ? ORDER BY id DESC LIMIT 1000");

	if (s)
		sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	return store_collect(st, s, sizeof(**out), 8, cr_fill, "capacity request list",
			     (void **)out, n);
}

/* ---- departments ---- */

int store_department_add(struct store *st, const struct store_department *d, int64_t now_ms,
			 int64_t *id)
{
	sqlite3_stmt *s;
	int r;

	if (!store_short_valid(d->district) || !store_text_valid(d->name, STORE_NAME_MAX) ||
	    !opt_text(d->phone, sizeof(d->phone)) || !opt_text(d->fax, sizeof(d->fax)) ||
	    d->parent < 0)
		return -EINVAL;
	s = store_prepare(st, "INSERT INTO departments (district, parent, name, phone, fax,"
			      " created_ms) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE ?2 IS NULL OR"
			      " EXISTS (SELECT 1 FROM departments WHERE id = ?2 AND district = ?1)");
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, d->district, -1, SQLITE_STATIC);
	if (d->parent)
		sqlite3_bind_int64(s, 2, d->parent);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_text(s, 3, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, d->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, d->fax, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now_ms);
	r = store_step_done(st, s, "department add");
	sqlite3_finalize(s);
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	if (r == 0 && id)
		*id = sqlite3_last_insert_rowid(st->db);
	return r;
}

#define DEP_SELECT "SELECT d.id, coalesce(d.parent, 0), d.district, d.name, d.phone, d.fax," \
	" (SELECT count(*) FROM department_facilities m WHERE m.department = d.id)"         \
	" FROM departments d"

static void dep_row(sqlite3_stmt *s, struct store_department *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(s, 0);
	d->parent = sqlite3_column_int64(s, 1);
	store_col_text(s, 2, d->district, sizeof(d->district));
	store_col_text(s, 3, d->name, sizeof(d->name));
	store_col_text(s, 4, d->phone, sizeof(d->phone));
	store_col_text(s, 5, d->fax, sizeof(d->fax));
	d->n_facilities = (size_t)sqlite3_column_int64(s, 6);
}

int store_department_get(struct store *st, int64_t id, struct store_department *out)
{
	sqlite3_stmt *s = store_prepare(st, DEP_SELECT " WHERE d.id = ?");
	int rc, r = 0;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		dep_row(s, out);
	else
		r = rc == SQLITE_DONE ? -ENOENT : store_step_error(st, rc, "department get");
	sqlite3_finalize(s);
	return r;
}

static int dep_fill(sqlite3_stmt *s, void *d)
{
	dep_row(s, d);
	return 0;
}

int store_department_list(struct store *st, const char *district, struct store_department **out,
			  size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, DEP_SELECT " WHERE ?1 IS NULL OR d.district = ?1"
					    " ORDER BY d.id LIMIT 5000");

	if (s)
		bind_opt(s, 1, district);
	return store_collect(st, s, sizeof(**out), 8, dep_fill, "department list", (void **)out,
			     n);
}

int store_department_map(struct store *st, int64_t department, const char *facility,
			 int64_t now_ms)
{
	const char *t[] = { facility };
	const int64_t v[] = { department, now_ms };

	if (!store_code_valid(facility))
		return -EINVAL;
	return exec_bound(st, "INSERT INTO department_facilities (facility, department, mapped_ms)"
			      " VALUES (?, ?, ?) ON CONFLICT(facility) DO UPDATE SET"
			      " department = excluded.department, mapped_ms = excluded.mapped_ms",
			  "department map", t, 1, v, 2);
}

int store_facility_department(struct store *st, const char *facility, int64_t *department)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT department FROM department_facilities"
					    " WHERE facility = ?");
	int rc, r = 0;

	if (!s)
		return -EIO;
	*department = 0;
	sqlite3_bind_text(s, 1, facility, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*department = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		r = store_step_error(st, rc, "facility department");
	sqlite3_finalize(s);
	return r;
}
