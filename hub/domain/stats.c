/*
 * Statistics tables (see stats.h): the facilities in scope and their rollup rows come from
 * the store; here they are put into groups (buckets), summed, and given labels. Every
 * facility-day row lands in exactly one bucket, so sums are additive and the total row is
 * the sum of the rows; distinct children (users) are counted per bucket after sorting.
 */
#include "hub/domain/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "hub/domain/org.h"
#include "hub/store/store_stats.h"

static const char *const group_names[] = { "day", "month", "district", "facility",
					   "city", "type", "district_type" };

const char *stats_group_name(enum stats_group g)
{
	return (unsigned)g < sizeof(group_names) / sizeof(group_names[0]) ? group_names[g] : "";
}

int stats_group_parse(const char *s, enum stats_group *g)
{
	for (size_t i = 0; s && i < sizeof(group_names) / sizeof(group_names[0]); i++)
		if (!strcmp(s, group_names[i])) {
			*g = (enum stats_group)i;
			return 0;
		}
	return -EINVAL;
}

const char *stats_what_name(enum stats_what w)
{
	return w == STATS_ATTENDANCE ? "attendance" : w == STATS_USERS ? "users" : "facilities";
}

bool stats_group_valid(enum stats_what what, enum stats_group g)
{
	switch (what) {
	case STATS_ATTENDANCE:
		return g == STATS_BY_DAY || g == STATS_BY_MONTH || g == STATS_BY_DISTRICT ||
		       g == STATS_BY_FACILITY || g == STATS_BY_CITY;
	case STATS_USERS:
		return g == STATS_BY_FACILITY || g == STATS_BY_DISTRICT || g == STATS_BY_CITY;
	case STATS_FACILITIES:
		return g == STATS_BY_DISTRICT_TYPE || g == STATS_BY_DISTRICT || g == STATS_BY_TYPE ||
		       g == STATS_BY_CITY;
	}
	return false;
}

/* ---- columns ---- */

enum { A_PRESENT, A_BOOKED, A_BOOKED_R, A_BOOKED_T, A_BOOKED_S, A_CAPACITY, A_RATE_BOOKED,
       A_RATE_CAPACITY, A_ARRIVALS, A_DEPARTURES, A_TAPS, A_UNKNOWN, A_DAYS, A_COUNT };
static const struct stats_col att_cols[A_COUNT] = {
	{ "present", "출석 인원(연인원)", STATS_INT },
	{ "booked", "예약 인원(연인원)", STATS_INT },
	{ "booked_regular", "정기돌봄 예약", STATS_INT },
	{ "booked_temporary", "일시돌봄 예약", STATS_INT },
	{ "booked_sick", "아픈아이돌봄 예약", STATS_INT },
	{ "capacity", "정원(연인원)", STATS_INT },
	{ "rate_booked", "예약 대비 출석률(%)", STATS_RATE },
	{ "rate_capacity", "정원 대비 출석률(%)", STATS_RATE },
	{ "arrivals", "등원 태그", STATS_INT },
	{ "departures", "하원 태그", STATS_INT },
	{ "taps", "전체 태그", STATS_INT },
	{ "unknown", "미등록 카드 태그", STATS_INT },
	{ "days", "운영일수(시설·일)", STATS_INT },
};

enum { U_REGULAR, U_TEMPORARY, U_SICK, U_TOTAL, U_ATTENDED, U_COUNT };
static const struct stats_col user_cols[U_COUNT] = {
	{ "regular", "정기 이용자", STATS_INT },
	{ "temporary", "일시 이용자", STATS_INT },
	{ "sick", "아픈아이 이용자", STATS_INT },
	{ "total", "이용자 합계(실인원)", STATS_INT },
	{ "attended", "출석 아동(실인원)", STATS_INT },
};

enum { F_FACILITIES, F_OPERATING, F_CAPACITY, F_COUNT };
static const struct stats_col fac_cols[F_COUNT] = {
	{ "facilities", "시설 수", STATS_INT },
	{ "operating", "운영 시설 수", STATS_INT },
	{ "capacity", "정원 합계", STATS_INT },
};

static const struct stats_col key_date = { "date", "날짜", STATS_TEXT };
static const struct stats_col key_month = { "month", "월", STATS_TEXT };
static const struct stats_col key_district = { "district", "자치구코드", STATS_TEXT };
static const struct stats_col key_district_name = { "district_name", "자치구", STATS_TEXT };
static const struct stats_col key_facility = { "facility", "시설코드", STATS_TEXT };
static const struct stats_col key_name = { "name", "시설명", STATS_TEXT };
static const struct stats_col key_type = { "type", "시설유형코드", STATS_TEXT };
static const struct stats_col key_type_name = { "type_name", "시설유형", STATS_TEXT };
static const struct stats_col key_scope = { "scope", "구분", STATS_TEXT };

static void add_col(struct stats_table *t, const struct stats_col *c)
{
	if (t->ncols < STATS_MAX_COLS)
		t->cols[t->ncols++] = *c;
}

/* Key columns of a group; returns how many. */
static size_t key_cols(struct stats_table *t, enum stats_group g)
{
	switch (g) {
	case STATS_BY_DAY:
		add_col(t, &key_date);
		return 1;
	case STATS_BY_MONTH:
		add_col(t, &key_month);
		return 1;
	case STATS_BY_DISTRICT:
		add_col(t, &key_district);
		add_col(t, &key_district_name);
		return 2;
	case STATS_BY_FACILITY:
		add_col(t, &key_facility);
		add_col(t, &key_name);
		add_col(t, &key_district_name);
		add_col(t, &key_type_name);
		return 4;
	case STATS_BY_CITY:
		add_col(t, &key_scope);
		return 1;
	case STATS_BY_TYPE:
		add_col(t, &key_type);
		add_col(t, &key_type_name);
		return 2;
	case STATS_BY_DISTRICT_TYPE:
		add_col(t, &key_district);
		add_col(t, &key_district_name);
		add_col(t, &key_type);
		add_col(t, &key_type_name);
		return 4;
	}
	return 0;
}

/* ---- helpers ---- */

static struct stats_val *cell(struct stats_table *t, size_t row, size_t col)
{
	return &t->vals[row * t->ncols + col];
}

static void set_text(struct stats_table *t, size_t row, size_t col, const char *s)
{
	snprintf(cell(t, row, col)->text, sizeof(t->vals[0].text), "%s", s ? s : "");
}

static int month_index(int64_t day)
{
	time_t tt = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&tt, &tm);
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

static const char *district_name(const char *code)
{
	const struct org_district *d = org_district_by_code(code);

	return d ? d->name : code;
}

static const char *type_name(const char *code)
{
	enum org_type t;

	return org_type_parse(code, &t) == 0 ? org_type_name(t) : code;
}

static int fac_find(const struct store_stats_facility *f, size_t n, const char *code)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(f[mid].code, code);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The buckets of a facility-keyed group: per facility, its bucket; the key texts. */
static int fac_buckets(struct stats_table *t, enum stats_group g,
		       const struct store_stats_facility *f, size_t nf, size_t *bucket,
		       char (**keys)[8], size_t *nb)
{
	char (*k)[8] = calloc(nf ? nf : 1, sizeof(*k));
	size_t n = 0;

	(void)t;
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < nf; i++) {
		char key[8];
		size_t j;

		if (g == STATS_BY_FACILITY) {
			bucket[i] = i;
			continue;
		}
		if (g == STATS_BY_CITY) {
			bucket[i] = 0;
			n = 1;
			continue;
		}
		snprintf(key, sizeof(key), "%.2s%.2s", g == STATS_BY_TYPE ? "" : f[i].district,
			 g == STATS_BY_DISTRICT ? "" : f[i].type);
		for (j = 0; j < n && strcmp(k[j], key); j++)
			;
		if (j == n)
			snprintf(k[n++], sizeof(k[0]), "%s", key);
		bucket[i] = j;
	}
	if (g == STATS_BY_FACILITY)
		n = nf;
	if (g == STATS_BY_CITY)
		n = 1;
	*keys = k;
	*nb = n;
	return 0;
}

static int alloc_vals(struct stats_table *t, size_t nrows)
{
	t->nrows = nrows;
	t->vals = calloc((nrows + 1) * t->ncols, sizeof(*t->vals));
	return t->vals ? 0 : -ENOMEM;
}

/* Fills the key columns of the facility-keyed buckets (sorted keys are not needed: the
 * facilities come ordered by code, which orders districts too). */
static void fill_fac_keys(struct stats_table *t, enum stats_group g,
			  const struct store_stats_facility *f, size_t nf, const size_t *bucket,
			  char (*keys)[8], size_t nb)
{
	for (size_t i = 0; i < nf; i++) {
		size_t b = bucket[i];

		switch (g) {
		case STATS_BY_FACILITY:
			set_text(t, b, 0, f[i].code);
			set_text(t, b, 1, f[i].name);
			set_text(t, b, 2, district_name(f[i].district));
			set_text(t, b, 3, type_name(f[i].type));
			break;
		case STATS_BY_DISTRICT:
			set_text(t, b, 0, f[i].district);
			set_text(t, b, 1, district_name(f[i].district));
			break;
		case STATS_BY_TYPE:
			set_text(t, b, 0, f[i].type);
			set_text(t, b, 1, type_name(f[i].type));
			break;
		case STATS_BY_DISTRICT_TYPE:
			set_text(t, b, 0, f[i].district);
			set_text(t, b, 1, district_name(f[i].district));
			set_text(t, b, 2, f[i].type);
			set_text(t, b, 3, type_name(f[i].type));
			break;
		default:
			break;
		}
	}
	(void)keys;
	if (g == STATS_BY_CITY && nb)
		set_text(t, 0, 0, "전체");
}

/* ---- attendance ---- */

static int build_attendance(struct store *st, const struct stats_query *q,
			    const struct store_stats_facility *f, size_t nf,
			    const size_t *fbucket, size_t nb, size_t nk, struct stats_table *t)
{
	struct store_stats_day *d = NULL;
	size_t nd = 0, cap = 0;
	int r, m0 = month_index(q->from_day);

	for (size_t i = 0; i < nf; i++)
		if ((r = store_stats_days(st, f[i].code, q->from_day, q->to_day, &d, &nd, &cap)) < 0) {
			free(d);
			return r;
		}
	for (size_t i = 0; i < nd; i++) {
		int fi = fac_find(f, nf, d[i].facility);
		int64_t booked = d[i].booked[0] + d[i].booked[1] + d[i].booked[2];
		size_t b;

		if (fi < 0)
			continue;
		b = q->group == STATS_BY_DAY ? (size_t)(d[i].day - q->from_day)
		    : q->group == STATS_BY_MONTH ? (size_t)(month_index(d[i].day) - m0)
		    : fbucket[fi];
		if (b >= nb)
			continue;
		for (size_t row = b;; row = nb) {
			struct stats_val *v = cell(t, row, nk);

			v[A_PRESENT].n += d[i].present;
			v[A_BOOKED].n += booked;
			v[A_BOOKED_R].n += d[i].booked[0];
			v[A_BOOKED_T].n += d[i].booked[1];
			v[A_BOOKED_S].n += d[i].booked[2];
			v[A_ARRIVALS].n += d[i].arrivals;
			v[A_DEPARTURES].n += d[i].departures;
			v[A_TAPS].n += d[i].taps;
			v[A_UNKNOWN].n += d[i].unknown;
			v[A_RATE_BOOKED].num += d[i].present;
			v[A_RATE_BOOKED].den += booked;
			if (d[i].present > 0 || booked > 0) {
				v[A_DAYS].n++;
				/* The capacity of that day (capacity_history), not today's. */
				if (d[i].capacity > 0) {
					v[A_CAPACITY].n += d[i].capacity;
					v[A_RATE_CAPACITY].num += d[i].present;
					v[A_RATE_CAPACITY].den += d[i].capacity;
				}
			}
			if (row == nb)
				break;
		}
	}
	free(d);
	return 0;
}

/* ---- users ---- */

struct utuple {
	size_t bucket;
	int slot;                /* U_REGULAR .. U_ATTENDED */
	const char *child;
};

static int ut_cmp(const void *a, const void *b)
{
	const struct utuple *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot - y->slot;
	return strcmp(x->child, y->child);
}

static int build_users(struct store *st, const struct stats_query *q,
		       const struct store_stats_facility *f, size_t nf, const size_t *fbucket, size_t nb, size_t nk,
		       struct stats_table *t)
{
	struct store_stats_user *u = NULL;
	struct utuple *tu = NULL;
	size_t nu = 0, cap = 0, k = 0;
	int care = q->care[0] ? store_stats_kind_index(q->care) : -1, r;

	for (size_t i = 0; i < nf; i++)
		if ((r = store_stats_users(st, f[i].code, q->from_day, q->to_day, &u, &nu, &cap)) < 0) {
			free(u);
			return r;
		}
	if (!(tu = calloc(nu * 4 + 1, sizeof(*tu)))) {
		free(u);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nu; i++) {
		int fi = fac_find(f, nf, u[i].facility);
		size_t b;

		if (fi < 0 || (u[i].kind >= 0 && care >= 0 && u[i].kind != care))
			continue;
		b = fbucket[fi];
		for (int pass = 0; pass < 2; pass++) {
			size_t bk = pass ? nb : b;

			if (u[i].kind < 0) {
				tu[k++] = (struct utuple){ bk, U_ATTENDED, u[i].child };
			} else {
				tu[k++] = (struct utuple){ bk, U_REGULAR + u[i].kind, u[i].child };
				tu[k++] = (struct utuple){ bk, U_TOTAL, u[i].child };
			}
		}
	}
	qsort(tu, k, sizeof(*tu), ut_cmp);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || ut_cmp(&tu[i], &tu[i - 1]))
			cell(t, tu[i].bucket, nk + (size_t)tu[i].slot)->n++;
	free(tu);
	free(u);
	return 0;
}

/* ---- facilities ---- */

static void build_facilities(const struct store_stats_facility *f, size_t nf,
			     const size_t *fbucket, size_t nb, size_t nk, struct stats_table *t)
{
	for (size_t i = 0; i < nf; i++)
		for (size_t row = fbucket[i];; row = nb) {
			struct stats_val *v = cell(t, row, nk);

			v[F_FACILITIES].n++;
			v[F_OPERATING].n += f[i].operating != 0;
			v[F_CAPACITY].n += f[i].capacity > 0 ? f[i].capacity : 0;
			if (row == nb)
				break;
		}
}

int stats_build(struct store *st, const struct stats_query *q, struct stats_table *t)
{
	struct store_stats_scope sc = { .operating = q->operating };
	struct store_stats_facility *f = NULL;
	size_t nf = 0, nb = 0, nk, *fbucket = NULL;
	char (*keys)[8] = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	if (!stats_group_valid(q->what, q->group) || q->to_day < q->from_day ||
	    q->to_day - q->from_day >= STATS_MAX_DAYS || (q->care[0] && q->what != STATS_USERS))
		return -EINVAL;
	t->what = q->what;
	t->group = q->group;
	t->name = stats_what_name(q->what);
	t->title = q->what == STATS_ATTENDANCE ? "출석현황" : q->what == STATS_USERS
		   ? "이용자현황" : "시설현황";
	sc.district = q->district[0] ? q->district : NULL;
	sc.types = q->types[0] ? q->types : NULL;
	sc.facility = q->facility[0] ? q->facility : NULL;
	sc.kind = q->kind[0] ? q->kind : NULL;
	if ((r = store_stats_facilities(st, &sc, &f, &nf)) < 0)
		return r;
	r = -ENOMEM;
	if (!(fbucket = calloc(nf ? nf : 1, sizeof(*fbucket))))
		goto out;
	nk = key_cols(t, q->group);
	for (size_t i = 0; q->what == STATS_ATTENDANCE && i < A_COUNT; i++)
		add_col(t, &att_cols[i]);
	for (size_t i = 0; q->what == STATS_USERS && i < U_COUNT; i++)
		add_col(t, &user_cols[i]);
	for (size_t i = 0; q->what == STATS_FACILITIES && i < F_COUNT; i++)
		add_col(t, &fac_cols[i]);
	if (q->group == STATS_BY_DAY) {
		nb = (size_t)(q->to_day - q->from_day + 1);
	} else if (q->group == STATS_BY_MONTH) {
		nb = (size_t)(month_index(q->to_day) - month_index(q->from_day) + 1);
	} else if ((r = fac_buckets(t, q->group, f, nf, fbucket, &keys, &nb)) < 0) {
		goto out;
	}
	if ((r = alloc_vals(t, nb)) < 0)
		goto out;
	if (q->group == STATS_BY_DAY) {
		for (size_t b = 0; b < nb; b++)
			clock_day_format(q->from_day + (int64_t)b, cell(t, b, 0)->text,
					 sizeof(t->vals[0].text));
	} else if (q->group == STATS_BY_MONTH) {
		int m0 = month_index(q->from_day);

		for (size_t b = 0; b < nb; b++)
			snprintf(cell(t, b, 0)->text, sizeof(t->vals[0].text), "%04d-%02d",
				 (m0 + (int)b) / 12, (m0 + (int)b) % 12 + 1);
	} else {
		fill_fac_keys(t, q->group, f, nf, fbucket, keys, nb);
	}
	set_text(t, nb, 0, "합계");
	if (q->what == STATS_ATTENDANCE)
		r = build_attendance(st, q, f, nf, fbucket, nb, nk, t);
	else if (q->what == STATS_USERS)
		r = build_users(st, q, f, nf, fbucket, nb, nk, t);
	else
		build_facilities(f, nf, fbucket, nb, nk, t), r = 0;
out:
	free(keys);
	free(fbucket);
	free(f);
	if (r < 0)
		stats_table_free(t);
	return r;
}

void stats_table_free(struct stats_table *t)
{
	if (!t)
		return;
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

bool stats_rate_percent(const struct stats_val *v, double *pct)
{
	int64_t tenths;

	if (v->den <= 0)
		return false;
	tenths = (v->num * 1000 + v->den / 2) / v->den;
	*pct = (double)tenths / 10.0;
	return true;
}

void stats_cell_text(const struct stats_table *t, size_t row, size_t col, char *buf,
		     size_t len)
{
	const struct stats_val *v = &t->vals[row * t->ncols + col];
	double pct;

	switch (t->cols[col].type) {
	case STATS_TEXT:
		snprintf(buf, len, "%s", v->text);
		break;
	case STATS_INT:
		snprintf(buf, len, "%lld", (long long)v->n);
		break;
	case STATS_RATE:
		if (stats_rate_percent(v, &pct))
			snprintf(buf, len, "%.1f", pct);
		else
			snprintf(buf, len, "%s", "");
		break;
	}
}
