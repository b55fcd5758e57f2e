/* Unit tests of hub/domain/org.c: codes, capacity and sign-up rules at their edges. */
#include "hub/domain/org.h"
#include "tests/harness.h"

#include <errno.h>

TEST(districts_are_25_and_unique)
{
	CHECK_EQ_STR(org_district_by_code("NW")->name, "노원구");
	CHECK_EQ_STR(org_district_by_name("강동구")->code, "GD");
	CHECK_EQ_STR(org_district_by_name("강북구")->code, "GB");
	CHECK(org_district_by_code("XX") == NULL);
	for (int i = 0; i < ORG_DISTRICT_COUNT; i++)
		for (int j = i + 1; j < ORG_DISTRICT_COUNT; j++) {
			CHECK(strcmp(org_districts[i].code, org_districts[j].code) != 0);
			CHECK(strcmp(org_districts[i].name, org_districts[j].name) != 0);
		}
}

TEST(facility_codes_by_the_rule)
{
	char code[ORG_FACILITY_CODE_LEN + 1], d[3];
	enum org_type t;
	int n;

	CHECK_EQ_INT(org_facility_code_format("NW", ORG_TYPE_UK, 15, code), 0);
	CHECK_EQ_STR(code, "NWUK015");
	CHECK_EQ_INT(org_facility_code_parse("NWUK015", d, &t, &n), 0);
	CHECK_EQ_STR(d, "NW");
	CHECK_EQ_INT(t, ORG_TYPE_UK);
	CHECK_EQ_INT(n, 15);
	CHECK_EQ_INT(org_facility_code_format("NW", ORG_TYPE_UK, 1000, code), -EINVAL);
	CHECK_EQ_INT(org_facility_code_format("NW", ORG_TYPE_UK, 0, code), -EINVAL);
	CHECK_EQ_INT(org_facility_code_format("ZZ", ORG_TYPE_UK, 1, code), -EINVAL);
	CHECK_EQ_INT(org_facility_code_parse("NWUK000", d, &t, &n), -EINVAL);
	CHECK_EQ_INT(org_facility_code_parse("nwuk015", d, &t, &n), -EINVAL);
	CHECK_EQ_INT(org_facility_code_parse("NWXX015", d, &t, &n), -EINVAL);
	CHECK_EQ_INT(org_facility_code_parse("NWUK15", d, &t, &n), -EINVAL);
	CHECK_EQ_INT(org_facility_code_parse("NWUK01'", d, &t, &n), -EINVAL);
}

TEST(account_ids_by_the_rule)
{
	char id[ORG_ACCOUNT_ID_LEN + 1], f[ORG_FACILITY_CODE_LEN + 1];
	int n;

	CHECK_EQ_INT(org_account_id_format("NWUK015", 2, id), 0);
	CHECK_EQ_STR(id, "NWUK015002");
	CHECK_EQ_INT(org_account_id_parse("NWUK015002", f, &n), 0);
	CHECK_EQ_STR(f, "NWUK015");
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(org_account_id_parse("NWUK015000", f, &n), -EINVAL);
	CHECK_EQ_INT(org_account_id_format("NWUK015", 1000, id), -EINVAL);
}

TEST(capacity_is_exact_at_3_3_square_metres)
{
	int64_t a = 0;

	CHECK_EQ_INT(org_area_parse("99", &a), 0);
	CHECK_EQ_INT(org_capacity_from_area(a), 30); /* 99 / 3.3 = 30 exactly, not 29.99 */
	CHECK_EQ_INT(org_area_parse("98.99", &a), 0);
	CHECK_EQ_INT(org_capacity_from_area(a), 29);
	CHECK_EQ_INT(org_area_parse("3.3", &a), 0);
	CHECK_EQ_INT(a, 330);
	CHECK_EQ_INT(org_capacity_from_area(a), 1);
	CHECK_EQ_INT(org_area_parse("3.29", &a), 0);
	CHECK_EQ_INT(org_capacity_from_area(a), 0);
	CHECK_EQ_INT(org_area_parse("-5", &a), -EINVAL);
	CHECK_EQ_INT(org_area_parse("1.234", &a), -EINVAL);
	CHECK_EQ_INT(org_area_parse("1.", &a), -EINVAL);
	CHECK_EQ_INT(org_area_parse("", &a), -EINVAL);
	CHECK_EQ_INT(org_area_parse("100001", &a), -EINVAL);
	CHECK_EQ_INT(org_temporary_allowance(30), 6);
	CHECK_EQ_INT(org_temporary_allowance(29), 5);
	CHECK_EQ_INT(org_temporary_allowance(4), 0);
}

TEST(passwords_10_to_20_mixing_letters_and_digits)
{
	const char *why = NULL;

	CHECK_EQ_INT(org_password_check("abcde12345", &why), 0);
	CHECK_EQ_INT(org_password_check("abcde1234", &why), -EINVAL);
	CHECK_EQ_STR(why, "password_length");
	CHECK_EQ_INT(org_password_check("abcdefghij1234567890", &why), 0);
	CHECK_EQ_INT(org_password_check("abcdefghij12345678901", &why), -EINVAL);
	CHECK_EQ_INT(org_password_check("abcdefghijk", &why), -EINVAL);
	CHECK_EQ_STR(why, "password_mix");
	CHECK_EQ_INT(org_password_check("1234567890", &why), -EINVAL);
	CHECK_EQ_INT(org_password_check("abcde 12345", &why), -EINVAL);
	CHECK_EQ_STR(why, "password_chars");
}

TEST(phones_and_emails)
{
	CHECK(org_phone_valid("010-1234-5678"));
	CHECK(org_phone_valid("01012345678"));
	CHECK(org_phone_valid("02-123-4567"));
	CHECK(org_phone_valid("02-1234-5678"));
	CHECK(org_phone_valid("031-123-4567"));
	CHECK(!org_phone_valid("010-1234-567"));
	CHECK(!org_phone_valid("010--1234-5678"));
	CHECK(!org_phone_valid("10-1234-5678"));
	CHECK(!org_phone_valid("010-1234-5678'"));
	CHECK(!org_phone_valid(""));
	CHECK(!org_phone_valid("-010-1234-5678"));
	CHECK(!org_phone_valid("010-1234-5678-"));
	CHECK(org_phone_valid("011-123-4567"));
	CHECK(!org_phone_valid("0101234567"));
	CHECK(org_email_valid("officer@nowon.go.kr"));
	CHECK(!org_email_valid("officer@nowon"));
	CHECK(!org_email_valid("@nowon.go.kr"));
	CHECK(!org_email_valid("a@b@c.kr"));
	CHECK(!org_email_valid("a b@c.kr"));
}

int main(void)
{
	RUN(districts_are_25_and_unique);
	RUN(facility_codes_by_the_rule);
	RUN(account_ids_by_the_rule);
	RUN(capacity_is_exact_at_3_3_square_metres);
	RUN(passwords_10_to_20_mixing_letters_and_digits);
	RUN(phones_and_emails);
	return harness_done();
}
