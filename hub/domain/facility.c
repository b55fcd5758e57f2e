/* Facility field rules and the import's CSV reader: see facility.h. */
#include "hub/domain/facility.h"

#include "common/clock.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code, *message;
} facility_errors[] = {
	{ "name_invalid", "시설명은 1~120바이트의 글자입니다 / The name must be 1-120 bytes of text" },
	{ "district_invalid", "자치구 코드가 올바르지 않습니다 (예: NW, 노원구) / Unknown district" },
	{ "type_invalid", "시설유형은 UK, CC, GI, SK 중 하나입니다 / The type must be UK, CC, GI or SK" },
	{ "kind_invalid", "운영유형은 우리동네키움센터에만 있으며 general, convergent, hub 중 하나입니다 / The kind (general, convergent, hub) is required for Kium centers (UK) and only for them" },
	{ "dong_invalid", "동은 '동'으로 끝나는 이름입니다 (예: 상계1동) / The 동 must be a name ending in 동" },
	{ "ages_invalid", "이용연령은 영유아, 유치원생, 초등학생, 중학생, 초중생 중 하나입니다 / Unknown age group" },
	{ "documents_invalid", "필요 서류가 너무 길거나 올바르지 않습니다 / Required documents: too long or invalid text" },
	{ "address_invalid", "주소가 비어 있거나 너무 깁니다 / The address is empty or too long" },
	{ "latitude_invalid", "위도는 서울 안의 값(37.4~37.8, 소수점 6자리까지)입니다 / Latitude must be inside Seoul (37.4-37.8, up to 6 decimals)" },
	{ "longitude_invalid", "경도는 서울 안의 값(126.7~127.3, 소수점 6자리까지)입니다 / Longitude must be inside Seoul (126.7-127.3, up to 6 decimals)" },
	{ "opened_invalid", "운영일은 실제 날짜(YYYY-MM-DD 또는 YYYY.MM.DD, 1990~2100년)입니다 / The opening date must be a real date YYYY-MM-DD (1990-2100)" },
	{ "email_invalid", "이메일 형식이 올바르지 않습니다 / Invalid e-mail address" },
	{ "phone_invalid", "전화번호 형식이 올바르지 않습니다 (예: 02-123-4567) / Invalid phone number" },
	{ "area_invalid", "전용면적은 0보다 큰 m² 값(소수점 2자리까지)입니다 / The floor area must be a positive m² value with up to 2 decimals" },
	{ "area_too_small", "전용면적이 3.3m² 미만이면 정원이 0명입니다 / Under 3.3 m² the capacity would be 0" },
	{ "operating_invalid", "운영여부는 운영/미운영(true/false)입니다 / In operation must be true or false" },
	{ "code_invalid", "시설코드는 자치구+시설유형+3자리 번호이며 자치구·유형과 맞아야 합니다 / The code must be district + type + 3 digits matching the district and type" },
	{ "field_missing", "필수 입력항목이 비어 있습니다 / A required field is missing" },
	{ "field_readonly", "시설코드, 자치구, 시설유형, 운영유형은 바꿀 수 없습니다 / Code, district, type and kind cannot change" },
};

const char *facility_error_message(const char *code)
{
	for (size_t i = 0; i < sizeof(facility_errors) / sizeof(facility_errors[0]); i++)
		if (!strcmp(facility_errors[i].code, code))
			return facility_errors[i].message;
	return NULL;
}

static const struct {
	const char *code, *name;
} ages_table[] = {
	{ "infant", "영유아" }, { "preschool", "유치원생" }, { "elementary", "초등학생" },
	{ "middle", "중학생" }, { "elem_middle", "초중생" },
};

const char *facility_ages_name(const char *code)
{
	for (size_t i = 0; i < sizeof(ages_table) / sizeof(ages_table[0]); i++)
		if (!strcmp(ages_table[i].code, code))
			return ages_table[i].name;
	return NULL;
}

static const char *ages_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(ages_table) / sizeof(ages_table[0]); i++)
		if (!strcmp(ages_table[i].code, s) || !strcmp(ages_table[i].name, s))
			return ages_table[i].code;
	return NULL;
}

/* "37.654321" -> 37654321 micro-degrees; at most 6 decimals, 3 integer digits. */
static int degrees_parse(const char *s, int64_t *e6)
{
	int64_t whole = 0, frac = 0;
	int wd = 0, fd = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		if (++wd > 3)
			return -EINVAL;
		else
			whole = whole * 10 + (*s - '0');
	if (!wd)
		return -EINVAL;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (++fd > 6)
				return -EINVAL;
			else
				frac = frac * 10 + (*s - '0');
		if (!fd)
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	for (int i = fd; i < 6; i++)
		frac *= 10;
	*e6 = whole * 1000000 + frac;
	return 0;
}

static int operating_parse(const char *s, bool *on)
{
	static const char *const yes[] = { "true", "Y", "y", "1", "운영" };
	static const char *const no[] = { "false", "N", "n", "0", "미운영" };

	for (size_t i = 0; i < 5; i++) {
		if (!strcmp(s, yes[i])) {
			*on = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*on = false;
			return 0;
		}
	}
	return -EINVAL;
}

static bool text_ok(const char *s, size_t max, bool allow_empty)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (n >= max || (!n && !allow_empty))
		return false;
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true; /* UTF-8 validity is the store's check (store_text_valid) */
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !memcmp(s + n - m, suffix, m);
}

#define FAIL(f, c) do { err->field = (f); err->code = (c); return -EINVAL; } while (0)

static bool given(const char *s)
{
	return s && *s;
}

int facility_apply(const struct facility_input *in, bool create, struct store_facility_info *out,
		   int *number, struct facility_error *err)
{
	const struct org_district *d = NULL;
	enum org_type type = ORG_TYPE_UK;
	enum org_kium_kind kind = ORG_KIND_NONE;
	int64_t v;

	*number = 0;
	err->field = err->code = NULL;
	if (create) {
		static const struct {
			size_t off;
			const char *field;
		} req[] = {
			{ offsetof(struct facility_input, name), "name" },
			{ offsetof(struct facility_input, district), "district" },
			{ offsetof(struct facility_input, type), "type" },
			{ offsetof(struct facility_input, dong), "dong" },
			{ offsetof(struct facility_input, ages), "ages" },
			{ offsetof(struct facility_input, address), "address" },
			{ offsetof(struct facility_input, latitude), "latitude" },
			{ offsetof(struct facility_input, longitude), "longitude" },
			{ offsetof(struct facility_input, email), "email" },
			{ offsetof(struct facility_input, area), "area" },
		};

		for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
			if (!given(*(const char *const *)((const char *)in + req[i].off)))
				FAIL(req[i].field, "field_missing");
		d = org_district_by_code(in->district);
		if (!d)
			d = org_district_by_name(in->district);
		if (!d)
			FAIL("district", "district_invalid");
		if (org_type_parse(in->type, &type) < 0)
			FAIL("type", "type_invalid");
		if (type == ORG_TYPE_UK && (!given(in->kind) || org_kind_parse(in->kind, &kind) < 0))
			FAIL("kind", "kind_invalid");
		if (type != ORG_TYPE_UK && given(in->kind))
			FAIL("kind", "kind_invalid");
		memset(out, 0, sizeof(*out));
		snprintf(out->f.district, sizeof(out->f.district), "%s", d->code);
		snprintf(out->f.type, sizeof(out->f.type), "%s", org_type_code(type));
		snprintf(out->kind, sizeof(out->kind), "%s", org_kind_code(kind));
		out->operating = true;
		out->capacity = -1;
		if (given(in->code)) {
			char cd[3];
			enum org_type ct;

			if (org_facility_code_parse(in->code, cd, &ct, number) < 0 ||
			    strcmp(cd, d->code) || ct != type)
				FAIL("code", "code_invalid");
		}
	} else if (given(in->district) || given(in->type) || given(in->kind) || given(in->code)) {
		FAIL(given(in->district) ? "district" : given(in->type) ? "type" : given(in->kind)
		     ? "kind" : "code", "field_readonly");
	}
	if (in->name) {
		if (!text_ok(in->name, 121, false))
			FAIL("name", "name_invalid");
		snprintf(out->f.name, sizeof(out->f.name), "%s", in->name);
	}
	if (in->dong) {
		if (!text_ok(in->dong, sizeof(out->dong), false) || !ends_with(in->dong, "동"))
			FAIL("dong", "dong_invalid");
		snprintf(out->dong, sizeof(out->dong), "%s", in->dong);
	}
	if (in->ages) {
		const char *a = ages_parse(in->ages);

		if (!a)
			FAIL("ages", "ages_invalid");
		snprintf(out->ages, sizeof(out->ages), "%s", a);
	}
	if (in->documents) {
		if (!text_ok(in->documents, sizeof(out->documents), true))
			FAIL("documents", "documents_invalid");
		snprintf(out->documents, sizeof(out->documents), "%s", in->documents);
	}
	if (in->address) {
		if (!text_ok(in->address, sizeof(out->address), false))
			FAIL("address", "address_invalid");
		snprintf(out->address, sizeof(out->address), "%s", in->address);
	}
	if (in->latitude) {
		if (degrees_parse(in->latitude, &v) < 0 || v < 37400000 || v > 37800000)
			FAIL("latitude", "latitude_invalid");
		out->lat_e6 = v;
	}
	if (in->longitude) {
		if (degrees_parse(in->longitude, &v) < 0 || v < 126700000 || v > 127300000)
			FAIL("longitude", "longitude_invalid");
		out->lon_e6 = v;
	}
	if (in->opened) {
		char iso[11];
		int64_t day;

		if (*in->opened) {
			if (strlen(in->opened) != 10)
				FAIL("opened", "opened_invalid");
			memcpy(iso, in->opened, 11);
			if (iso[4] == '.' && iso[7] == '.')
				iso[4] = iso[7] = '-';
			if (clock_day_parse(iso, &day) < 0 || strncmp(iso, "1990", 4) < 0 ||
			    strncmp(iso, "2100", 4) > 0)
				FAIL("opened", "opened_invalid");
			memcpy(out->opened, iso, 11);
		} else {
			out->opened[0] = '\0';
		}
	}
	if (in->email) {
		if (!org_email_valid(in->email) || strlen(in->email) >= sizeof(out->email))
			FAIL("email", "email_invalid");
		snprintf(out->email, sizeof(out->email), "%s", in->email);
	}
	if (in->phone) {
		size_t k = 0;

		if (*in->phone && !org_phone_valid(in->phone))
			FAIL("phone", "phone_invalid");
		for (const char *p = in->phone; *p && k + 1 < sizeof(out->phone); p++)
			if (*p != '-')
				out->phone[k++] = *p;
		out->phone[k] = '\0';
	}
	if (in->area) {
		if (org_area_parse(in->area, &v) < 0 || v <= 0)
			FAIL("area", "area_invalid");
		if (create && org_capacity_from_area(v) < 1)
			FAIL("area", "area_too_small");
		out->area_centi = v;
		if (create && out->kind[0])
			out->capacity = org_capacity_from_area(v);
	}
	if (in->operating) {
		bool on;

		if (operating_parse(in->operating, &on) < 0)
			FAIL("operating", "operating_invalid");
		out->operating = on;
	}
	return 0;
}

/* ---- CSV ---- */

static const struct {
	enum facility_col col;
	const char *names[3];
} csv_headers[] = {
	{ FC_NAME, { "name", "시설명", NULL } },
	{ FC_DISTRICT, { "district", "자치구", NULL } },
	{ FC_TYPE, { "type", "시설유형", "시설코드유형" } },
	{ FC_KIND, { "kind", "운영유형", NULL } },
	{ FC_DONG, { "dong", "동", NULL } },
	{ FC_AGES, { "ages", "이용연령", NULL } },
	{ FC_DOCUMENTS, { "documents", "필요서류", "필요 서류" } },
	{ FC_ADDRESS, { "address", "주소", NULL } },
	{ FC_LATITUDE, { "latitude", "위도", NULL } },
	{ FC_LONGITUDE, { "longitude", "경도", NULL } },
	{ FC_OPENED, { "opened", "운영일", NULL } },
	{ FC_EMAIL, { "email", "E-mail", "이메일" } },
	{ FC_PHONE, { "phone", "전화번호", NULL } },
	{ FC_AREA, { "area", "전용면적", "area_m2" } },
	{ FC_OPERATING, { "operating", "운영여부", NULL } },
	{ FC_CODE, { "code", "시설코드", NULL } },
};

int facility_csv_column(const char *header)
{
	for (size_t i = 0; i < sizeof(csv_headers) / sizeof(csv_headers[0]); i++)
		for (size_t j = 0; j < 3; j++)
			if (csv_headers[i].names[j] && !strcmp(csv_headers[i].names[j], header))
				return (int)csv_headers[i].col;
	return -1;
}

int facility_csv_init(struct facility_csv *c, const char *data, size_t len)
{
	c->p = data;
	c->end = data + len;
	c->line = 0;
	c->extra = 0;
	c->n = 0;
	if (len > FACILITY_CSV_MAX_BYTES)
		return -EFBIG;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		c->p += 3;
	return 0;
}

/* Length of a valid UTF-8 sequence at p (at most avail bytes), 0 if invalid. */
static size_t u8len(const unsigned char *p, size_t avail)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef
		   ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;

	if (!n || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* Skips to the start of the next line (after a malformed record). */
static void skip_line(struct facility_csv *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end)
		c->p++;
}

int facility_csv_next(struct facility_csv *c)
{
	size_t f = 0, k = 0, nl = 0;
	bool quoted = false, was_quoted = false;

	c->line += c->extra;
	c->extra = 0;
	/* blank lines */
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n')
			c->line++;
		c->p++;
	}
	c->n = 0;
	if (c->p >= c->end)
		return 0;
	c->line++;
	c->buf[0][0] = '\0';
	while (c->p < c->end) {
		const unsigned char *u = (const unsigned char *)c->p;
		size_t l;

		if (quoted) {
			if (*u == '"') {
				if (c->p + 1 < c->end && c->p[1] == '"') {
					c->p++;
				} else {
					quoted = false;
					c->p++;
					continue;
				}
			} else if (*u == '\n') {
				nl++;
			} else if (*u == '\r') {
				c->p++;
				continue;
			}
		} else if (*u == '"' && k == 0 && !was_quoted) {
			quoted = was_quoted = true;
			c->p++;
			continue;
		} else if (*u == ',' || *u == '\n' || *u == '\r') {
			c->buf[f][k] = '\0';
			f++;
			k = 0;
			was_quoted = false;
			if (*u == ',') {
				if (f == FACILITY_CSV_MAX_FIELDS)
					goto bad;
				c->p++;
				continue;
			}
			if (*u == '\r' && c->p + 1 < c->end && c->p[1] == '\n')
				c->p++;
			c->p++;
			c->n = f;
			c->extra = nl;
			return 1;
		} else if (was_quoted) {
			goto bad; /* text after a closing quote */
		}
		if (*u < 0x20 && *u != '\n' && *u != '\t')
			goto bad;
		l = u8len(u, (size_t)(c->end - c->p));
		if (!l || k + l >= FACILITY_CSV_FIELD_MAX)
			goto bad;
		memcpy(&c->buf[f][k], c->p, l);
		k += l;
		c->p += l;
	}
	if (quoted)
		goto bad_end;
	c->buf[f][k] = '\0';
	c->n = f + 1;
	c->extra = nl;
	return 1;
bad:
	c->extra = nl;
	skip_line(c);
	return -EINVAL;
bad_end:
	c->extra = nl;
	return -EINVAL;
}

void facility_csv_input(const struct facility_csv *c, const int *map, size_t nmap,
			struct facility_input *in)
{
	const char **slot[FC_COUNT] = {
		&in->name, &in->district, &in->type, &in->kind, &in->dong, &in->ages,
		&in->documents, &in->address, &in->latitude, &in->longitude, &in->opened,
		&in->email, &in->phone, &in->area, &in->operating, &in->code,
	};

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i < nmap && i < c->n; i++)
		if (map[i] >= 0 && map[i] < FC_COUNT && c->buf[i][0])
			*slot[map[i]] = c->buf[i];
}
