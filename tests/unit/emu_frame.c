/* Unit tests of the PN532 frame parser and encoder (tools/pn532emu/frame.c). */
#include "tests/harness.h"
#include "tools/pn532emu/frame.h"

#include <errno.h>

/* Feeds bytes; returns the last non-NONE event (or NONE) and how many events came. */
static enum emu_frame_event feed_all(struct emu_frame_parser *p, const uint8_t *b, size_t n,
				     int *events)
{
	enum emu_frame_event last = EMU_FRAME_NONE;

	*events = 0;
	for (size_t i = 0; i < n; i++) {
		enum emu_frame_event ev = emu_frame_feed(p, b[i]);

		if (ev != EMU_FRAME_NONE) {
			last = ev;
			(*events)++;
		}
	}
	return last;
}

/* GetFirmwareVersion as libnfc sends it. */
static const uint8_t getfw[] = { 0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00 };

TEST(normal_frame)
{
	struct emu_frame_parser p;
	const uint8_t *pl;
	size_t n;
	int events;

	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, getfw, sizeof(getfw), &events), EMU_FRAME_OK);
	CHECK_EQ_INT(events, 1);
	pl = emu_frame_payload(&p, &n);
	CHECK_EQ_INT(n, 2);
	CHECK(pl[0] == 0xD4 && pl[1] == 0x02);
}

TEST(split_at_every_point)
{
	/* The same frame cut at every position, fed in two pieces. */
	for (size_t cut = 0; cut <= sizeof(getfw); cut++) {
		struct emu_frame_parser p;
		int e1, e2;

		emu_frame_parser_init(&p);
		feed_all(&p, getfw, cut, &e1);
		CHECK_EQ_INT(feed_all(&p, getfw + cut, sizeof(getfw) - cut, &e2) == EMU_FRAME_OK ||
			     (e1 == 1 && e2 == 0), 1);
		CHECK_EQ_INT(e1 + e2, 1);
	}
}

TEST(ack_and_nack)
{
	struct emu_frame_parser p;
	int events;

	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, emu_frame_ack, sizeof(emu_frame_ack), &events), EMU_FRAME_ACK);
	CHECK_EQ_INT(events, 1);
	CHECK_EQ_INT(feed_all(&p, emu_frame_nack, sizeof(emu_frame_nack), &events), EMU_FRAME_NACK);
	CHECK_EQ_INT(events, 1);
	/* The frame after an ACK parses. */
	CHECK_EQ_INT(feed_all(&p, getfw, sizeof(getfw), &events), EMU_FRAME_OK);
}

TEST(garbage_and_wakeup_skipped)
{
	uint8_t b[64];
	size_t n = 0;
	struct emu_frame_parser p;
	int events;

	/* libnfc's wake-up preamble, random bytes, a lone FF, then a frame. */
	static const uint8_t pre[] = { 0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x13, 0x37,
				       0xFF, 0x00, 0x12, 0x00, 0x00, 0x00 };
	memcpy(b, pre, sizeof(pre));
	n = sizeof(pre);
	memcpy(b + n, getfw, sizeof(getfw));
	n += sizeof(getfw);
	emu_frame_parser_init(&p);
	/* "00 00 FF 13 37" is a header with a bad LCS: one error, then the real frame. */
	CHECK_EQ_INT(feed_all(&p, b, n, &events), EMU_FRAME_OK);
	CHECK_EQ_INT(events, 2);
}

TEST(bad_checksums)
{
	struct emu_frame_parser p;
	uint8_t f[sizeof(getfw)];
	int events;

	memcpy(f, getfw, sizeof(f));
	f[7] ^= 0x01; /* DCS */
	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, f, sizeof(f), &events), EMU_FRAME_ERR_DCS);
	CHECK_EQ_INT(events, 1);
	memcpy(f, getfw, sizeof(f));
	f[4] = 0xFD; /* LCS */
	CHECK_EQ_INT(feed_all(&p, f, sizeof(f), &events), EMU_FRAME_ERR_LCS);
	/* And the parser recovers. */
	CHECK_EQ_INT(feed_all(&p, getfw, sizeof(getfw), &events), EMU_FRAME_OK);
	CHECK_EQ_INT(events, 1);
}

TEST(extended_frame_roundtrip)
{
	uint8_t pl[300], enc[EMU_FRAME_MAX_ENCODED];
	struct emu_frame_parser p;
	const uint8_t *got;
	size_t n;
	int len, events;

	pl[0] = 0xD4;
	for (size_t i = 1; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7);
	len = emu_frame_encode(pl, sizeof(pl), enc, sizeof(enc));
	CHECK_EQ_INT(len, 310);
	CHECK(enc[3] == 0xFF && enc[4] == 0xFF && enc[5] == 0x01 && enc[6] == 0x2C);
	CHECK_EQ_INT((enc[5] + enc[6] + enc[7]) & 0xFF, 0);
	/* Byte by byte. */
	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, enc, (size_t)len, &events), EMU_FRAME_OK);
	CHECK_EQ_INT(events, 1);
	got = emu_frame_payload(&p, &n);
	CHECK_EQ_INT(n, sizeof(pl));
	CHECK(memcmp(got, pl, n) == 0);
}

TEST(normal_frame_of_255)
{
	uint8_t pl[255], enc[EMU_FRAME_MAX_ENCODED];
	struct emu_frame_parser p;
	size_t n;
	int len, events;

	memset(pl, 0xAB, sizeof(pl));
	len = emu_frame_encode(pl, sizeof(pl), enc, sizeof(enc));
	CHECK_EQ_INT(len, 262);
	CHECK(enc[3] == 0xFF && enc[4] == 0x01);
	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, enc, (size_t)len, &events), EMU_FRAME_OK);
	emu_frame_payload(&p, &n);
	CHECK_EQ_INT(n, 255);
}

TEST(oversized_frame_skipped)
{
	/* An extended frame announcing 2000 bytes: refused, its bytes skipped, then a frame. */
	uint8_t b[2100];
	struct emu_frame_parser p;
	size_t n = 0;
	int events;

	b[n++] = 0x00; b[n++] = 0x00; b[n++] = 0xFF; b[n++] = 0xFF; b[n++] = 0xFF;
	b[n++] = 0x07; b[n++] = 0xD0; b[n++] = (uint8_t)(0x100 - ((0x07 + 0xD0) & 0xFF));
	for (int i = 0; i < 2000; i++)
		b[n++] = getfw[i % sizeof(getfw)]; /* frames inside must not be seen */
	b[n++] = 0x00; /* DCS */
	memcpy(b + n, getfw, sizeof(getfw));
	n += sizeof(getfw);
	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, b, n, &events), EMU_FRAME_OK);
	CHECK_EQ_INT(events, 2);
}

TEST(zero_length_frame)
{
	static const uint8_t z[] = { 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00 };
	struct emu_frame_parser p;
	int events;

	emu_frame_parser_init(&p);
	CHECK_EQ_INT(feed_all(&p, z, sizeof(z), &events), EMU_FRAME_ERR_LEN);
}

TEST(encode_limits)
{
	uint8_t out[8], pl[1] = { 0xD5 };

	CHECK_EQ_INT(emu_frame_encode(pl, 0, out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(emu_frame_encode(pl, 1, out, 7), -ENOSPC);
	CHECK_EQ_INT(emu_frame_encode(pl, 1, out, 8), 8);
	CHECK(out[3] == 0x01 && out[4] == 0xFF && out[5] == 0xD5 && out[6] == 0x2B && out[7] == 0);
}

int main(void)
{
	RUN(normal_frame);
	RUN(split_at_every_point);
	RUN(ack_and_nack);
	RUN(garbage_and_wakeup_skipped);
	RUN(bad_checksums);
	RUN(extended_frame_roundtrip);
	RUN(normal_frame_of_255);
	RUN(oversized_frame_skipped);
	RUN(zero_length_frame);
	RUN(encode_limits);
	return harness_done();
}
