/*
 * UTF-8 names (common/text.c): what is valid text, and the masked display name that the
 * hub (store_name_mask) and the reader (roster_mask_name) both show.
 */
#include "tests/harness.h"

#include "common/text.h"

#include <errno.h>
#include <string.h>

static bool valid(const char *s)
{
	return text_valid(s, strlen(s), 64);
}

TEST(validity)
{
	CHECK(valid("김민수"));
	CHECK(valid("Alice Kim"));
	CHECK(valid("\xf0\x9f\x98\x80")); /* a 4-byte character */
	CHECK(!valid(""));
	CHECK(!valid("a\tb"));            /* control character */
	CHECK(!valid("a\x7f"));
	CHECK(!valid("\xc0\xaf"));        /* overlong '/' */
	CHECK(!valid("\xed\xa0\x80"));    /* a surrogate */
	CHECK(!valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
	CHECK(!valid("\xea\xb9"));        /* cut short */
	CHECK(!text_valid("abc", 3, 3));  /* not shorter than max */
	CHECK(text_valid("abc", 3, 4));
}

TEST(masking)
{
	char out[32];

	CHECK_EQ_INT(text_name_mask("김민수", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "김*수");
	CHECK_EQ_INT(text_name_mask("남궁민수", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "남**수");
	CHECK_EQ_INT(text_name_mask("김수", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "김*");
	CHECK_EQ_INT(text_name_mask("김", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "*");
	CHECK_EQ_INT(text_name_mask("Alice", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "A***e");
	CHECK_EQ_INT(text_name_mask("", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(text_name_mask("\xed\xa0\x80", out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(text_name_mask("김민수", out, 4), -ENOSPC); /* room for "김" and the NUL only */
	CHECK_EQ_INT(text_name_mask("김민수", out, 8), 0);        /* 3 + 1 + 3 + NUL */
	CHECK_EQ_STR(out, "김*수");
}

int main(void)
{
	RUN(validity);
	RUN(masking);
	return harness_done();
}
