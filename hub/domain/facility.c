/* Facility codes: parsing and the district and type tables (see facility.h). */
#include <errno.h>
#include <string.h>

#include "hub/domain/facility.h"

static const struct {
	const char *code;
	const char *name;
} districts[] = {
	{ "GN", "강남구" },   { "GD", "강동구" },   { "GB", "강북구" },   { "GS", "강서구" },
	{ "GA", "관악구" },   { "GJ", "광진구" },   { "GR", "구로구" },   { "KC", "금천구" },
	{ "NW", "노원구" },   { "DB", "도봉구" },   { "DM", "동대문구" }, { "DJ", "동작구" },
	{ "MP", "마포구" },   { "SM", "서대문구" }, { "SC", "서초구" },   { "SD", "성동구" },
	{ "SB", "성북구" },   { "SP", "송파구" },   { "YC", "양천구" },   { "YF", "영등포구" },
	{ "YS", "용산구" },   { "EP", "은평구" },   { "JN", "종로구" },   { "JG", "중구" },
	{ "JR", "중랑구" },
};

static const char *const types[] = { "UK", "CC", "GI", "SK" };

const char *facility_district_name(const char *district)
{
	for (size_t i = 0; i < sizeof(districts) / sizeof(districts[0]); i++)
		if (strcmp(districts[i].code, district) == 0)
			return districts[i].name;
	return NULL;
}

int facility_code_parse(const char *code, char *district, char *type, const char **why)
{
	int found = 0;

	if (!code || strlen(code) != 7) {
		*why = "bad_format";
		return -EINVAL;
	}
	memcpy(district, code, 2);
	district[2] = '\0';
	memcpy(type, code + 2, 2);
	type[2] = '\0';
	if (!facility_district_name(district)) {
		*why = "unknown_district";
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		found |= strcmp(types[i], type) == 0;
	if (!found) {
		*why = "unknown_type";
		return -EINVAL;
	}
	for (int i = 4; i < 7; i++)
		if (code[i] < '0' || code[i] > '9') {
			*why = "bad_number";
			return -EINVAL;
		}
	if (strcmp(code + 4, "000") == 0) {
		*why = "bad_number";
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}
