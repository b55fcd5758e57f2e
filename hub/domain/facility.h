/*
 * Facility codes (DOMAIN.md): district code + type code + 3-digit registration number,
 * e.g. 노원구 Kium center no. 15 -> "NWUK015". The 23 district codes of the seed table, plus
 * GD (강동구) and GB (강북구), which the seed lists without a code: chosen here so as not to
 * collide. Types: UK (우리동네키움센터), CC (열린육아방/공동육아나눔터), GI (지역아동센터),
 * SK (서울형키즈카페).
 */
#ifndef KIUM_HUB_DOMAIN_FACILITY_H
#define KIUM_HUB_DOMAIN_FACILITY_H

/* 0 and the district and type codes (3 bytes each, NUL included) of a well-formed code;
 * -EINVAL with *why ("bad_format", "unknown_district", "unknown_type", "bad_number"). */
int facility_code_parse(const char *code, char *district, char *type, const char **why);
/* The Korean district name ("노원구") of a district code, or NULL. */
const char *facility_district_name(const char *district);

#endif
