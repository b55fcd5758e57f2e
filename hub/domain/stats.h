/*
 * Statistics (통계관리, seed 001: 시설현황, 이용자현황 (정기 / 일시), 출석관리) as tables: one
 * row per group (a day, a month, a district, a facility, the city, a district x type) with
 * named columns, Korean labels and a total row, built from the store's rollups
 * (hub/store/store_stats.h). The same table feeds JSON (hub/api/portal_stats.c), CSV and
 * XLSX (stats_export.c). No HTTP here.
 *
 * Figures and their rules:
 *   attendance (출석현황): present = children present, counted once per child and day
 *     (연인원, summed over days); booked = approved bookings taking place (연인원), per care
 *     type too; capacity = 정원 x days the facility was open (a day with someone present
 *     or booked), for facilities with a capacity; rate_booked = present / booked and
 *     rate_capacity = present (at facilities with a capacity) / capacity, in percent with
 *     one decimal, null when the denominator is 0. Taps: arrivals, departures, all, and
 *     taps of cards nobody held. Days are Seoul days; months are Seoul calendar months.
 *   users (이용자현황): distinct children (실인원) with an approved booking of each care type
 *     meeting the period (a booking cancelled after approval counts when it was cancelled
 *     after the period began), their union, and distinct children present in the period.
 *   facilities (시설현황): facilities, those in operation, and the sum of capacities.
 */
#ifndef KIUM_HUB_DOMAIN_STATS_H
#define KIUM_HUB_DOMAIN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

enum stats_what { STATS_ATTENDANCE = 0, STATS_USERS, STATS_FACILITIES };

enum stats_group {
	STATS_BY_DAY = 0,
	STATS_BY_MONTH,
	STATS_BY_DISTRICT,
	STATS_BY_FACILITY,
	STATS_BY_CITY,
	STATS_BY_TYPE,
	STATS_BY_DISTRICT_TYPE,
};

#define STATS_MAX_DAYS 366

/* What to count: the period (Seoul days, inclusive) and which facilities. */
struct stats_query {
	enum stats_what what;
	enum stats_group group;
	int64_t from_day, to_day;
	char district[4];        /* "" any */
	char types[24];          /* "" any, else "UK" or "UK,CC" */
	char facility[16];       /* "" any */
	char kind[16];           /* "" any: general, convergent, hub */
	char care[16];           /* users: "" any, regular, temporary, sick */
	int operating;           /* -1 any, 0, 1 */
};

enum stats_col_type { STATS_TEXT = 0, STATS_INT, STATS_RATE };

#define STATS_MAX_COLS 24

struct stats_col {
	const char *key;         /* JSON key: "present" */
	const char *label;       /* Korean header: "출석 인원(연인원)" */
	enum stats_col_type type;
};

struct stats_val {
	char text[128];          /* STATS_TEXT */
	int64_t n;               /* STATS_INT */
	int64_t num, den;        /* STATS_RATE: num / den, null when den is 0 */
};

struct stats_table {
	enum stats_what what;
	enum stats_group group;
	const char *name;        /* "attendance", "users", "facilities" */
	const char *title;       /* "출석현황": the sheet's name */
	struct stats_col cols[STATS_MAX_COLS];
	size_t ncols;
	size_t nrows;            /* rows, without the total */
	struct stats_val *vals;  /* (nrows + 1) x ncols: the last row is the total (합계) */
};

/* Whether group applies to what (attendance: day month district facility city; users:
 * facility district city; facilities: district_type district type city). */
bool stats_group_valid(enum stats_what what, enum stats_group group);
const char *stats_group_name(enum stats_group g);       /* "day", "month", ... */
int stats_group_parse(const char *s, enum stats_group *g);
const char *stats_what_name(enum stats_what w);         /* "attendance", ... */

/* Builds the table of q. -EINVAL for a group that does not apply or a period longer than
 * STATS_MAX_DAYS; store errors. Caller frees with stats_table_free. */
int stats_build(struct store *st, const struct stats_query *q, struct stats_table *out);
/* NULL-safe; leaves t empty. */
void stats_table_free(struct stats_table *t);

/* A value as a percentage with one decimal (rates), or as a count; false for a null rate. */
bool stats_rate_percent(const struct stats_val *v, double *pct);
/* One cell as text: counts in decimal, rates "83.3" ("" when null), text as is. */
void stats_cell_text(const struct stats_table *t, size_t row, size_t col, char *buf,
		     size_t len);

/* Exports (stats_export.c). CSV: UTF-8 with a BOM (so that Excel reads Korean), Korean
 * headers, RFC 4180 quoting, CRLF line ends, the total row last. XLSX: one sheet named
 * t->title with the same rows (libxlsxwriter, through a temporary file in tmpdir, NULL for
 * /tmp). Caller frees *out. */
int stats_csv(const struct stats_table *t, char **out, size_t *len);
int stats_xlsx(const struct stats_table *t, const char *tmpdir, char **out, size_t *len);
/* The download's file name, "출석현황_20261101-20261130.csv" (UTF-8) and an ASCII fallback
 * "kium-attendance-20261101-20261130.csv". */
void stats_filename(const struct stats_table *t, const struct stats_query *q, const char *ext,
		    char *utf8, size_t ulen, char *ascii, size_t alen);

#endif
