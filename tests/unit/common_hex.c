/*
 * Hexadecimal digits (common/hex.c): both cases decoded, non-digits refused, exact lengths,
 * encoding in either case and truncation to whole bytes.
 */
#include "tests/harness.h"

#include "common/hex.h"

#include <errno.h>
#include <string.h>

TEST(digits)
{
	CHECK_EQ_INT(hex_digit('0'), 0);
	CHECK_EQ_INT(hex_digit('9'), 9);
	CHECK_EQ_INT(hex_digit('a'), 10);
	CHECK_EQ_INT(hex_digit('F'), 15);
	CHECK_EQ_INT(hex_digit('g'), -1);
	CHECK_EQ_INT(hex_digit('/'), -1);
	CHECK_EQ_INT(hex_digit(':'), -1);
	CHECK_EQ_INT(hex_digit('\0'), -1);
}

TEST(decode)
{
	uint8_t b[4] = { 0 };

	CHECK_EQ_INT(hex_decode("04aBc3", b, 3), 0);
	CHECK(b[0] == 0x04 && b[1] == 0xab && b[2] == 0xc3);
	/* Only 2n digits are read: what follows does not matter. */
	CHECK_EQ_INT(hex_decode("ff00zz", b, 2), 0);
	CHECK(b[0] == 0xff && b[1] == 0x00);
	CHECK_EQ_INT(hex_decode("0g", b, 1), -EINVAL);
	CHECK_EQ_INT(hex_decode("g0", b, 1), -EINVAL);
	CHECK_EQ_INT(hex_decode("0", b, 1), -EINVAL); /* the terminator is not a digit */
}

TEST(encode)
{
	const uint8_t u[] = { 0x04, 0xa1, 0xb2, 0xc3 };
	char s[9], small[6];

	hex_encode(u, 4, false, s, sizeof(s));
	CHECK_EQ_STR(s, "04a1b2c3");
	hex_encode(u, 4, true, s, sizeof(s));
	CHECK_EQ_STR(s, "04A1B2C3");
	hex_encode(u, 4, false, small, sizeof(small)); /* room for two whole bytes */
	CHECK_EQ_STR(small, "04a1");
	hex_encode(u, 0, false, s, sizeof(s));
	CHECK_EQ_STR(s, "");
	memset(s, 'x', sizeof(s));
	hex_encode(u, 4, false, s, 0); /* nothing written */
	CHECK(s[0] == 'x');
}

int main(void)
{
	RUN(digits);
	RUN(decode);
	RUN(encode);
	return harness_done();
}
