/* Organisation rules: see org.h. */
#include "hub/domain/org.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The 23 codes of seed 001's table, plus 강동구 GD and 강북구 GB, which the seed's pick lists
 * name without a code; neither collides with another code. */
const struct org_district org_districts[ORG_DISTRICT_COUNT] = {
	{ "GN", "강남구" }, { "GD", "강동구" }, { "GB", "강북구" }, { "GS", "강서구" },
	{ "GA", "관악구" }, { "GJ", "광진구" }, { "GR", "구로구" }, { "KC", "금천구" },
	{ "NW", "노원구" }, { "DB", "도봉구" }, { "DM", "동대문구" }, { "DJ", "동작구" },
	{ "MP", "마포구" }, { "SM", "서대문구" }, { "SC", "서초구" }, { "SD", "성동구" },
	{ "SB", "성북구" }, { "SP", "송파구" }, { "YC", "양천구" }, { "YF", "영등포구" },
	{ "YS", "용산구" }, { "EP", "은평구" }, { "JN", "종로구" }, { "JG", "중구" },
	{ "JR", "중랑구" },
};

static const char *const org_type_codes[ORG_TYPE_COUNT] = { "UK", "CC", "GI", "SK" };
static const char *const org_type_names[ORG_TYPE_COUNT] = {
	"우리동네키움센터", "열린육아방·공동육아나눔터", "지역아동센터", "서울형키즈카페",
};
static const char *const org_kind_codes[] = { "", "general", "convergent", "hub" };
static const char *const org_kind_names[] = { "", "일반형", "융합형", "거점형" };

const struct org_district *org_district_by_code(const char *code)
{
	for (int i = 0; i < ORG_DISTRICT_COUNT; i++)
		if (strcmp(org_districts[i].code, code) == 0)
			return &org_districts[i];
	return NULL;
}

const struct org_district *org_district_by_name(const char *name)
{
	for (int i = 0; i < ORG_DISTRICT_COUNT; i++)
		if (strcmp(org_districts[i].name, name) == 0)
			return &org_districts[i];
	return NULL;
}

const char *org_type_code(enum org_type type)
{
	return (unsigned)type < ORG_TYPE_COUNT ? org_type_codes[type] : "";
}

const char *org_type_name(enum org_type type)
{
	return (unsigned)type < ORG_TYPE_COUNT ? org_type_names[type] : "";
}

int org_type_parse(const char *code, enum org_type *type)
{
	for (int i = 0; i < ORG_TYPE_COUNT; i++)
		if (strcmp(org_type_codes[i], code) == 0) {
			*type = (enum org_type)i;
			return 0;
		}
	return -EINVAL;
}

const char *org_kind_code(enum org_kium_kind kind)
{
	return (unsigned)kind <= ORG_KIND_HUB ? org_kind_codes[kind] : "";
}

const char *org_kind_name(enum org_kium_kind kind)
{
	return (unsigned)kind <= ORG_KIND_HUB ? org_kind_names[kind] : "";
}

int org_kind_parse(const char *code, enum org_kium_kind *kind)
{
	for (int i = ORG_KIND_GENERAL; i <= ORG_KIND_HUB; i++)
		if (strcmp(org_kind_codes[i], code) == 0) {
			*kind = (enum org_kium_kind)i;
			return 0;
		}
	return -EINVAL;
}

/* Exactly n decimal digits at s, as a number. */
static int org_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int org_facility_code_format(const char *district, enum org_type type, int number, char *out)
{
	if (!org_district_by_code(district) || (unsigned)type >= ORG_TYPE_COUNT || number < 1 ||
	    number > 999)
		return -EINVAL;
	snprintf(out, ORG_FACILITY_CODE_LEN + 1, "%s%s%03d", district, org_type_codes[type], number);
	return 0;
}

int org_facility_code_parse(const char *code, char *district, enum org_type *type, int *number)
{
	char d[3], t[3];
	int n;

	if (strlen(code) != ORG_FACILITY_CODE_LEN)
		return -EINVAL;
	memcpy(d, code, 2);
	d[2] = '\0';
	memcpy(t, code + 2, 2);
	t[2] = '\0';
	n = org_digits(code + 4, 3);
	if (!org_district_by_code(d) || org_type_parse(t, type) < 0 || n < 1)
		return -EINVAL;
	memcpy(district, d, 3);
	*number = n;
	return 0;
}

int org_account_id_format(const char *facility_code, int n, char *out)
{
	char d[3];
	enum org_type t;
	int num;

	if (org_facility_code_parse(facility_code, d, &t, &num) < 0 || n < 1 || n > 999)
		return -EINVAL;
	snprintf(out, ORG_ACCOUNT_ID_LEN + 1, "%s%03d", facility_code, n);
	return 0;
}

int org_account_id_parse(const char *id, char *facility, int *n)
{
	char d[3], f[ORG_FACILITY_CODE_LEN + 1];
	enum org_type t;
	int num, k;

	if (strlen(id) != ORG_ACCOUNT_ID_LEN)
		return -EINVAL;
	memcpy(f, id, ORG_FACILITY_CODE_LEN);
	f[ORG_FACILITY_CODE_LEN] = '\0';
	k = org_digits(id + ORG_FACILITY_CODE_LEN, 3);
	if (org_facility_code_parse(f, d, &t, &num) < 0 || k < 1)
		return -EINVAL;
	memcpy(facility, f, sizeof(f));
	*n = k;
	return 0;
}

int org_area_parse(const char *s, int64_t *centi_m2)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, fdigits = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (*p - '0');
		if (++digits > 6)
			return -EINVAL;
		p++;
	}
	if (digits == 0)
		return -EINVAL;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (++fdigits > 2)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
			p++;
		}
		if (fdigits == 0)
			return -EINVAL;
		if (fdigits == 1)
			frac *= 10;
	}
	if (*p != '\0')
		return -EINVAL;
	*centi_m2 = whole * 100 + frac;
	if (*centi_m2 > 100000LL * 100)
		return -EINVAL;
	return 0;
}

int org_capacity_from_area(int64_t centi_m2)
{
	if (centi_m2 <= 0)
		return 0;
	return (int)(centi_m2 / 330); /* 3.3 m² = 330 hundredths */
}

int org_temporary_allowance(int capacity)
{
	return capacity > 0 ? capacity / 5 : 0;
}

int org_password_check(const char *pw, const char **why)
{
	size_t n = strlen(pw);
	bool letter = false, digit = false;

	if (n < 10 || n > 20) {
		*why = "password_length";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];

		if (c < 0x21 || c > 0x7e) {
			*why = "password_chars";
			return -EINVAL;
		}
		letter |= isalpha(c) != 0;
		digit |= isdigit(c) != 0;
	}
	if (!letter || !digit) {
		*why = "password_mix";
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}

bool org_phone_valid(const char *s)
{
	char d[16];
	size_t n = 0, groups = 0, glen[4] = { 0 };
	size_t first;

	for (const char *p = s;; p++) {
		if (*p == '-' || *p == '\0') {
			if (glen[groups] == 0 || groups >= 3)
				return false;
			groups++;
			if (*p == '\0')
				break;
			continue;
		}
		if (*p < '0' || *p > '9' || n >= sizeof(d) - 1)
			return false;
		d[n++] = *p;
		glen[groups]++;
	}
	d[n] = '\0';
	if (groups != 1 && groups != 3)
		return false;
	if (d[0] != '0' || n < 9)
		return false;
	first = d[1] == '2' ? 2 : 3; /* Seoul 02, else 0XX (mobile 01X) */
	if (groups == 3 && (glen[0] != first || glen[1] < 3 || glen[1] > 4 || glen[2] != 4))
		return false;
	if (strncmp(d, "010", 3) == 0) /* 010 numbers are all 010-XXXX-XXXX */
		return n == 11;
	return n == first + 7 || n == first + 8;
}

bool org_email_valid(const char *s)
{
	const char *at = strchr(s, '@'), *dot;
	size_t n = strlen(s);

	if (!at || at == s || n > 254 || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == ',' || *p == ';')
			return false;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != '\0' && strlen(dot + 1) >= 2;
}
