/*
 * Organisation rules of seed 001 (DOMAIN.md), as pure functions: the 25 districts and their
 * codes, the four facility types, facility codes (district + type + 3-digit registration
 * number: NWUK015), staff account ids (facility code + 3-digit number: NWUK015002), capacity
 * from floor area (one child per 3.3 m², computed exactly in hundredths of a m²), the
 * temporary-only allowance, and the sign-up field rules (password, phone, e-mail).
 * No storage and no HTTP in here.
 */
#ifndef KIUM_HUB_DOMAIN_ORG_H
#define KIUM_HUB_DOMAIN_ORG_H

#include <stdbool.h>
#include <stdint.h>

struct org_district {
	const char *code; /* "NW" */
	const char *name; /* "노원구" */
};

#define ORG_DISTRICT_COUNT 25
extern const struct org_district org_districts[ORG_DISTRICT_COUNT];

const struct org_district *org_district_by_code(const char *code);
const struct org_district *org_district_by_name(const char *name);

enum org_type {
	ORG_TYPE_UK = 0, /* 우리동네키움센터 */
	ORG_TYPE_CC,     /* 열린육아방 & 공동육아나눔터 */
	ORG_TYPE_GI,     /* 지역아동센터 */
	ORG_TYPE_SK,     /* 서울형키즈카페 */
	ORG_TYPE_COUNT,
};

/* Operating kind of a Kium center (UK); other types have none. */
enum org_kium_kind {
	ORG_KIND_NONE = 0,
	ORG_KIND_GENERAL,    /* 일반형 */
	ORG_KIND_CONVERGENT, /* 융합형 */
	ORG_KIND_HUB,        /* 거점형 */
};

const char *org_type_code(enum org_type type);
const char *org_type_name(enum org_type type);
int org_type_parse(const char *code, enum org_type *type);
const char *org_kind_code(enum org_kium_kind kind); /* "general", "convergent", "hub", "" */
const char *org_kind_name(enum org_kium_kind kind); /* "일반형", ... */
int org_kind_parse(const char *code, enum org_kium_kind *kind);

#define ORG_FACILITY_CODE_LEN 7 /* NWUK015 */
#define ORG_ACCOUNT_ID_LEN 10   /* NWUK015002 */

/* out holds ORG_FACILITY_CODE_LEN + 1. number 1..999. 0 or -EINVAL. */
int org_facility_code_format(const char *district, enum org_type type, int number, char *out);
/* district gets 3 bytes. Accepts only upper-case, known district, known type, 001..999. */
int org_facility_code_parse(const char *code, char *district, enum org_type *type, int *number);
/* out holds ORG_ACCOUNT_ID_LEN + 1. n 1..999. */
int org_account_id_format(const char *facility_code, int n, char *out);
/* facility gets ORG_FACILITY_CODE_LEN + 1 bytes. */
int org_account_id_parse(const char *id, char *facility, int *n);

/* "99.5" m² → 9950 hundredths; refuses negatives, more than two decimals, over 100,000 m². */
int org_area_parse(const char *s, int64_t *centi_m2);
/* One child per 3.3 m², rounded down: 99.00 m² → 30. */
int org_capacity_from_area(int64_t centi_m2);
/* The temporary-only allowance of general/convergent centers: 20% of capacity, rounded down. */
int org_temporary_allowance(int capacity);

/* 10 to 20 characters, printable ASCII, at least one letter and one digit. 0, or -EINVAL
 * with *why a stable code: "password_length", "password_chars", "password_mix". */
int org_password_check(const char *pw, const char **why);
/* Korean phone numbers: mobile 01X-XXX(X)-XXXX, Seoul 02-XXX(X)-XXXX, other areas
 * 0XX-XXX(X)-XXXX; hyphens optional. */
bool org_phone_valid(const char *s);
/* A plain address: local@domain.tld, no spaces, at most 254 characters. */
bool org_email_valid(const char *s);

#endif
