/*
 * Facility records (issue 5, seed 001 키움센터 정보관리): the rules every field of a facility
 * must follow, shared by the portal API and kiumctl's CSV import, so that both refuse the
 * same things with the same words; and the CSV reader of the import (RFC 4180 quoting,
 * UTF-8 with or without BOM, bounded). No storage and no HTTP in here.
 */
#ifndef KIUM_HUB_DOMAIN_FACILITY_H
#define KIUM_HUB_DOMAIN_FACILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_facility_info;

/* Fields as given (text); NULL means absent. operating: "true"/"false", "Y"/"N", "1"/"0",
 * "운영"/"미운영". ages: infant|preschool|elementary|middle|elem_middle or 영유아, 유치원생,
 * 초등학생, 중학생, 초중생. opened: "YYYY-MM-DD" or "YYYY.MM.DD". latitude/longitude:
 * decimal degrees inside Seoul. area: m² with up to two decimals. */
struct facility_input {
	const char *name, *district, *type, *kind, *dong, *ages, *documents, *address;
	const char *latitude, *longitude, *opened, *email, *phone, *area, *operating;
	const char *code; /* import only: a legacy code to keep (must match district and type) */
};

struct facility_error {
	const char *field; /* "area", ... */
	const char *code;  /* stable error code, see facility_error_message */
};

/* Checks in and writes it over out. create: every required field must be there (name,
 * district, type, dong, ages, address, latitude, longitude, email, area; kind for UK) and
 * out's capacity becomes the floor area's; otherwise absent fields keep out's values, and
 * district, type, kind and code may not change. *number gets the legacy code's number
 * (0 when none). 0, or -EINVAL with *err naming the first bad field. */
int facility_apply(const struct facility_input *in, bool create, struct store_facility_info *out,
		   int *number, struct facility_error *err);
/* Korean / English message of a facility error code, or NULL. */
const char *facility_error_message(const char *code);
/* "infant" -> "영유아", ... ; NULL when unknown. */
const char *facility_ages_name(const char *code);

/* ---- CSV ---- */
#define FACILITY_CSV_MAX_FIELDS 24
#define FACILITY_CSV_FIELD_MAX 1024
#define FACILITY_CSV_MAX_BYTES (16u << 20)

struct facility_csv {
	const char *p, *end; /* cursor */
	size_t line;         /* first line of the record last read (1-based) */
	size_t extra;        /* line breaks inside that record's quoted fields */
	char buf[FACILITY_CSV_MAX_FIELDS][FACILITY_CSV_FIELD_MAX];
	size_t n;            /* fields of the record last read */
};

/* Starts reading data (a leading UTF-8 BOM is skipped). -EFBIG over FACILITY_CSV_MAX_BYTES. */
int facility_csv_init(struct facility_csv *c, const char *data, size_t len);
/* Reads the next record into c->buf/c->n (blank lines skipped). 1: a record; 0: end;
 * -EINVAL: a malformed record (an unterminated quote, a field too long, too many fields,
 * invalid UTF-8, a control character), c->line names it and the reader has moved past it. */
int facility_csv_next(struct facility_csv *c);

/* The column a header names (Korean or English, see hub/api/FACILITIES.md), or -1. */
int facility_csv_column(const char *header);
/* Fills in from a record given the column map (col[i] = column of field i, -1 unused). */
void facility_csv_input(const struct facility_csv *c, const int *map, size_t nmap,
			struct facility_input *in);

/* The columns, in facility_input order. */
enum facility_col {
	FC_NAME, FC_DISTRICT, FC_TYPE, FC_KIND, FC_DONG, FC_AGES, FC_DOCUMENTS, FC_ADDRESS,
	FC_LATITUDE, FC_LONGITUDE, FC_OPENED, FC_EMAIL, FC_PHONE, FC_AREA, FC_OPERATING, FC_CODE,
	FC_COUNT
};

#endif
