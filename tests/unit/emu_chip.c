/* Unit tests of the emulated PN532 (tools/pn532emu/emu.c): commands in, exact bytes out. */
#include "common/log.h"
#include "tests/harness.h"
#include "tools/pn532emu/control.h"
#include "tools/pn532emu/emu.h"
#include "tools/pn532emu/frame.h"

static struct emu *E;

static void free_emu(void *arg)
{
	(void)arg;
	emu_free(E);
	E = NULL;
}

static void setup(void)
{
	E = emu_new();
	harness_defer(free_emu, NULL);
}

/* Sends D4 + bytes as one frame at time now. */
static void send_cmd(const uint8_t *cmd, size_t n, int64_t now)
{
	uint8_t pl[300], enc[EMU_FRAME_MAX_ENCODED];
	int len;

	pl[0] = EMU_TFI_HOST;
	memcpy(pl + 1, cmd, n);
	len = emu_frame_encode(pl, n + 1, enc, sizeof(enc));
	emu_feed(E, enc, (size_t)len, now);
}

#define SEND(now, ...) \
	do { \
		const uint8_t c_[] = { __VA_ARGS__ }; \
		send_cmd(c_, sizeof(c_), now); \
	} while (0)

/* Takes the pending output: true when it is ACK (if ack) then D5 + resp, exactly. */
static int expect_out(int ack, const uint8_t *resp, size_t n)
{
	uint8_t want[EMU_FRAME_MAX_ENCODED + 6], pl[300];
	const uint8_t *got;
	size_t w = 0, have = emu_output(E, &got);
	int len, ok;

	if (ack) {
		memcpy(want, emu_frame_ack, 6);
		w = 6;
	}
	if (resp) {
		pl[0] = EMU_TFI_CHIP;
		memcpy(pl + 1, resp, n);
		len = emu_frame_encode(pl, n + 1, want + w, sizeof(want) - w);
		w += (size_t)len;
	}
	ok = have == w && memcmp(got, want, w) == 0;
	if (!ok) {
		printf("# output (%zu):", have);
		for (size_t i = 0; i < have; i++)
			printf(" %02x", got[i]);
		printf("\n");
	}
	emu_output_consume(E, have);
	return ok;
}

#define EXPECT(ack, ...) \
	do { \
		const uint8_t r_[] = { __VA_ARGS__ }; \
		CHECK(expect_out(ack, r_, sizeof(r_))); \
	} while (0)
#define EXPECT_NOTHING() CHECK(expect_out(0, NULL, 0))
#define EXPECT_ACK_ONLY() CHECK(expect_out(1, NULL, 0))

static void place(const char *uid, const char *atqa, const char *sak, int64_t now)
{
	struct emu_card c;

	if (emu_card_parse(uid, atqa, sak, &c) == 0)
		emu_place(E, &c, now);
}

TEST(open_sequence)
{
	setup();
	/* Wake-up preamble, then SAMConfiguration, as one write. */
	static const uint8_t wake[] = { 0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	emu_feed(E, wake, sizeof(wake), 0);
	EXPECT_NOTHING();
	SEND(0, 0x14, 0x01);
	EXPECT(1, 0x15);
	SEND(0, 0x00, 0x00, 'l', 'i', 'b', 'n', 'f', 'c');
	EXPECT(1, 0x01, 0x00, 'l', 'i', 'b', 'n', 'f', 'c');
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);
	SEND(0, 0x12, 0x14);
	EXPECT(1, 0x13);
	SEND(0, 0x08, 0x63, 0x02, 0x80, 0x63, 0x03, 0x81);
	EXPECT(1, 0x09);
	SEND(0, 0x06, 0x63, 0x02, 0x63, 0x03, 0x63, 0x05);
	EXPECT(1, 0x07, 0x80, 0x81, 0x00);
	SEND(0, 0x32, 0x01, 0x01);
	EXPECT(1, 0x33);
	SEND(0, 0x16, 0xF0);
	EXPECT(1, 0x17, 0x00);
}

TEST(unknown_and_malformed_commands)
{
	static const uint8_t bad_tfi[] = { 0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD5, 0x02, 0x29, 0x00 };

	setup();
	SEND(0, 0xFE);
	{
		const uint8_t *o;
		size_t n = emu_output(E, &o);

		CHECK_EQ_INT(n, 14);
		CHECK(memcmp(o, emu_frame_ack, 6) == 0 && memcmp(o + 6, emu_frame_error, 8) == 0);
		emu_output_consume(E, n);
	}
	SEND(0, 0x06, 0x63); /* odd register list */
	CHECK_EQ_INT(emu_stats(E)->errors_out, 2);
	emu_output_consume(E, 1000);
	emu_feed(E, bad_tfi, sizeof(bad_tfi), 0);
	CHECK_EQ_INT(emu_stats(E)->errors_out, 3);
	emu_output_consume(E, 1000);
	SEND(0, 0x4A, 0x05, 0x00); /* MaxTg 5 */
	CHECK_EQ_INT(emu_stats(E)->errors_out, 4);
}

TEST(inlist_card_there_4_and_7)
{
	setup();
	place("04A1B2C3", NULL, NULL, 0);
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT(1, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0x04, 0xA1, 0xB2, 0xC3);
	place("04112233445566", NULL, NULL, 0);
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT(1, 0x4B, 0x01, 0x01, 0x00, 0x44, 0x08, 0x07, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
	CHECK_EQ_INT(emu_stats(E)->cards_placed, 2);
}

TEST(inlist_endless_waits_then_card)
{
	setup();
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT_ACK_ONLY();
	CHECK(emu_waiting(E));
	CHECK_EQ_INT(emu_deadline(E), -1);
	emu_tick(E, 100000);
	EXPECT_NOTHING();
	place("DEADBEEF", "0004", "08", 5);
	EXPECT(0, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0xDE, 0xAD, 0xBE, 0xEF);
	CHECK(!emu_waiting(E));
}

TEST(inlist_finite_retries_no_card)
{
	setup();
	SEND(0, 0x32, 0x05, 0x00, 0x01, 0x02);
	EXPECT(1, 0x33);
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT(1, 0x4B, 0x00);
}

TEST(presence_by_reselect)
{
	setup();
	place("04112233445566", NULL, NULL, 0);
	SEND(0, 0x4A, 0x01, 0x00);
	emu_output_consume(E, 1000);
	/* libnfc's MFC presence check: finite retries, select by cascaded UID. */
	SEND(0, 0x32, 0x05, 0x00, 0x01, 0x02);
	EXPECT(1, 0x33);
	SEND(0, 0x4A, 0x01, 0x00, 0x88, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
	EXPECT(1, 0x4B, 0x01, 0x01, 0x00, 0x44, 0x08, 0x07, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
	/* Another card's UID: not found. */
	SEND(0, 0x4A, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04);
	EXPECT(1, 0x4B, 0x00);
	CHECK(emu_remove(E));
	CHECK(!emu_remove(E));
	SEND(0, 0x4A, 0x01, 0x00, 0x88, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
	EXPECT(1, 0x4B, 0x00);
}

TEST(ten_byte_uid_cascade)
{
	setup();
	place("0400112233445566778A", NULL, NULL, 0);
	SEND(0, 0x4A, 0x01, 0x00, 0x88, 0x04, 0x00, 0x11, 0x88, 0x22, 0x33, 0x44, 0x55, 0x66,
	     0x77, 0x8A);
	EXPECT(1, 0x4B, 0x01, 0x01, 0x00, 0x44, 0x08, 0x0A, 0x04, 0x00, 0x11, 0x22, 0x33, 0x44,
	       0x55, 0x66, 0x77, 0x8A);
}

TEST(autopoll_card_there_and_wait)
{
	setup();
	place("04A1B2C3", NULL, NULL, 0);
	SEND(0, 0x60, 0xFF, 0x01, 0x20, 0x10);
	/* SAK 08 has no ISO14443-4: type 0x10 (MIFARE) is reported. */
	EXPECT(1, 0x61, 0x01, 0x10, 0x09, 0x01, 0x00, 0x04, 0x08, 0x04, 0x04, 0xA1, 0xB2, 0xC3);
	emu_remove(E);
	SEND(0, 0x60, 0xFF, 0x01, 0x20, 0x10);
	EXPECT_ACK_ONLY();
	CHECK(emu_waiting(E));
	place("01020304", "0004", "20", 10);
	EXPECT(0, 0x61, 0x01, 0x20, 0x09, 0x01, 0x00, 0x04, 0x20, 0x04, 0x01, 0x02, 0x03, 0x04);
}

TEST(autopoll_runs_out)
{
	setup();
	/* 3 polls x 2 types x period 2 (300 ms) = 1800 ms. */
	SEND(1000, 0x60, 0x03, 0x02, 0x20, 0x10);
	EXPECT_ACK_ONLY();
	CHECK_EQ_INT(emu_deadline(E), 2800);
	emu_tick(E, 2799);
	EXPECT_NOTHING();
	emu_tick(E, 2800);
	EXPECT(0, 0x61, 0x00);
	CHECK(!emu_waiting(E));
	CHECK_EQ_INT(emu_deadline(E), -1);
}

TEST(host_ack_cancels_wait)
{
	setup();
	SEND(0, 0x60, 0xFF, 0x01, 0x10);
	EXPECT_ACK_ONLY();
	emu_feed(E, emu_frame_ack, sizeof(emu_frame_ack), 0);
	CHECK(!emu_waiting(E));
	place("04A1B2C3", NULL, NULL, 0);
	EXPECT_NOTHING();
	CHECK_EQ_INT(emu_stats(E)->cancelled, 1);
	CHECK_EQ_INT(emu_stats(E)->acks_in, 1);
}

TEST(new_command_cancels_wait)
{
	setup();
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT_ACK_ONLY();
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);
	place("04A1B2C3", NULL, NULL, 0);
	EXPECT_NOTHING();
}

TEST(data_exchange_presence)
{
	uint8_t r[18] = { 0x41, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

	setup();
	place("04112233445566", "0044", "00", 0);
	SEND(0, 0x40, 0x01, 0x30, 0x00); /* nothing selected yet */
	EXPECT(1, 0x41, 0x01);
	SEND(0, 0x4A, 0x01, 0x00);
	emu_output_consume(E, 1000);
	SEND(0, 0x40, 0x01, 0x30, 0x00);
	CHECK(expect_out(1, r, sizeof(r)));
	emu_remove(E);
	SEND(0, 0x40, 0x01, 0x30, 0x00);
	EXPECT(1, 0x41, 0x01);
	/* Placed again: not selected until listed again. */
	place("04112233445566", "0044", "00", 0);
	SEND(0, 0x40, 0x01, 0x30, 0x00);
	EXPECT(1, 0x41, 0x01);
	SEND(0, 0x42, 0xB2);
	EXPECT(1, 0x43, 0x01);
	SEND(0, 0x4A, 0x01, 0x00);
	emu_output_consume(E, 1000);
	SEND(0, 0x42, 0xB2);
	EXPECT(1, 0x43, 0x00, 0xA3);
	SEND(0, 0x44, 0x00);
	EXPECT(1, 0x45, 0x00);
	SEND(0, 0x42, 0xB2);
	EXPECT(1, 0x43, 0x01);
}

TEST(faults_fire_once)
{
	static const uint8_t garbage[6] = { 0xA5, 0x5A, 0xC3, 0x3C, 0x96, 0x69 };
	const uint8_t *o;
	size_t n;

	setup();
	emu_fault_set(E, EMU_FAULT_GARBAGE, -1);
	SEND(0, 0x02);
	n = emu_output(E, &o);
	CHECK(n == 6 && memcmp(o, garbage, 6) == 0);
	emu_output_consume(E, n);
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);

	emu_fault_set(E, EMU_FAULT_NOACK, -1);
	SEND(0, 0x02);
	EXPECT_NOTHING();
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);

	emu_fault_set(E, EMU_FAULT_NORESP, -1);
	SEND(0, 0x02);
	EXPECT_ACK_ONLY();
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);

	/* badcs: the next response, here a waiting InAutoPoll's. */
	emu_fault_set(E, EMU_FAULT_BADCS, -1);
	SEND(0, 0x60, 0xFF, 0x01, 0x10);
	EXPECT_ACK_ONLY();
	CHECK_EQ_INT(emu_fault_pending(E), EMU_FAULT_BADCS);
	place("04A1B2C3", NULL, NULL, 0);
	n = emu_output(E, &o);
	CHECK_EQ_INT(n, 21);
	{
		struct emu_frame_parser p;
		enum emu_frame_event last = EMU_FRAME_NONE;

		emu_frame_parser_init(&p);
		for (size_t i = 0; i < n; i++) {
			enum emu_frame_event ev = emu_frame_feed(&p, o[i]);

			if (ev != EMU_FRAME_NONE)
				last = ev;
		}
		CHECK_EQ_INT(last, EMU_FRAME_ERR_DCS);
	}
	emu_output_consume(E, n);
	/* The host NACKs: the good frame comes again. */
	emu_feed(E, emu_frame_nack, sizeof(emu_frame_nack), 0);
	EXPECT(0, 0x61, 0x01, 0x10, 0x09, 0x01, 0x00, 0x04, 0x08, 0x04, 0x04, 0xA1, 0xB2, 0xC3);
	CHECK_EQ_INT(emu_fault_pending(E), EMU_FAULT_NONE);
	CHECK_EQ_INT(emu_stats(E)->faults, 4);

	/* Aimed at InListPassiveTarget: GetFirmwareVersion passes, then the select is dropped. */
	emu_fault_set(E, EMU_FAULT_NOACK, 0x4A);
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT_NOTHING();
	SEND(0, 0x4A, 0x01, 0x00);
	EXPECT(1, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 0x04, 0xA1, 0xB2, 0xC3);
	/* badcs aimed at 4A spares the RFConfiguration response. */
	emu_fault_set(E, EMU_FAULT_BADCS, 0x4A);
	SEND(0, 0x32, 0x05, 0xFF, 0xFF, 0xFF);
	EXPECT(1, 0x33);
	CHECK_EQ_INT(emu_fault_pending(E), EMU_FAULT_BADCS);
}

TEST(reset_link_drops_waits_and_output)
{
	setup();
	SEND(0, 0x4A, 0x01, 0x00);
	/* Half a frame pending in the parser. */
	{
		static const uint8_t half[] = { 0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4 };
		emu_feed(E, half, sizeof(half), 0);
	}
	emu_reset_link(E);
	EXPECT_NOTHING();
	CHECK(!emu_waiting(E));
	SEND(0, 0x02);
	EXPECT(1, 0x03, 0x32, 0x01, 0x06, 0x07);
}

TEST(card_parse)
{
	struct emu_card c;
	char hex[2 * EMU_UID_MAX + 1];

	CHECK_EQ_INT(emu_card_parse("04a1b2c3", NULL, NULL, &c), 0);
	CHECK(c.uid_len == 4 && c.atqa[0] == 0x00 && c.atqa[1] == 0x04 && c.sak == 0x08);
	emu_card_uid_hex(&c, hex, sizeof(hex));
	CHECK_EQ_STR(hex, "04A1B2C3");
	CHECK_EQ_INT(emu_card_parse("04112233445566", NULL, NULL, &c), 0);
	CHECK(c.uid_len == 7 && c.atqa[1] == 0x44 && c.sak == 0x08);
	CHECK_EQ_INT(emu_card_parse("0400112233445566778a", "0344", "20", &c), 0);
	CHECK(c.uid_len == 10 && c.atqa[0] == 0x03 && c.atqa[1] == 0x44 && c.sak == 0x20);
	CHECK(emu_card_parse("04a1b2", NULL, NULL, &c) < 0);
	CHECK(emu_card_parse("04a1b2c3d4", NULL, NULL, &c) < 0);
	CHECK(emu_card_parse("04a1b2cg", NULL, NULL, &c) < 0);
	CHECK(emu_card_parse("04a1b2c3", "0004", NULL, &c) < 0);
	CHECK(emu_card_parse("04a1b2c3", "004", "08", &c) < 0);
	CHECK(emu_card_parse("04a1b2c3", "0004", "8", &c) < 0);
	CHECK(emu_card_parse(NULL, NULL, NULL, &c) < 0);
}

TEST(control_lines)
{
	char r[EMU_CONTROL_REPLY_MAX];

	setup();
	emu_control_exec(E, NULL, NULL, "place 04a1b2c3", r, sizeof(r), 0);
	CHECK_EQ_STR(r, "ok placed 04A1B2C3");
	emu_control_exec(E, NULL, NULL, "stats", r, sizeof(r), 0);
	CHECK(strstr(r, "cards_placed=1 card=04A1B2C3 ") != NULL);
	emu_control_exec(E, NULL, NULL, "fault badcs", r, sizeof(r), 0);
	CHECK_EQ_STR(r, "ok fault badcs");
	CHECK_EQ_INT(emu_fault_pending(E), EMU_FAULT_BADCS);
	emu_control_exec(E, NULL, NULL, "fault none", r, sizeof(r), 0);
	CHECK_EQ_INT(emu_fault_pending(E), EMU_FAULT_NONE);
	emu_control_exec(E, NULL, NULL, "fault noack 4a", r, sizeof(r), 0);
	CHECK_EQ_STR(r, "ok fault noack 4A");
	emu_control_exec(E, NULL, NULL, "fault noack 4g", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0);
	emu_control_exec(E, NULL, NULL, "fault noack 100", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0);
	emu_control_exec(E, NULL, NULL, "fault none", r, sizeof(r), 0);
	emu_control_exec(E, NULL, NULL, "remove", r, sizeof(r), 0);
	CHECK_EQ_STR(r, "ok removed");
	emu_control_exec(E, NULL, NULL, "fault unplug", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0); /* no program around the chip */
	emu_control_exec(E, NULL, NULL, "quit", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0);
	emu_control_exec(E, NULL, NULL, "  ", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0);
	emu_control_exec(E, NULL, NULL, "place 04a1b2c3 0004", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0);
	emu_control_exec(E, NULL, NULL, "a b c d e f g", r, sizeof(r), 0);
	CHECK(strncmp(r, "err ", 4) == 0);
	CHECK(emu_card(E) == NULL);
}

int main(void)
{
	log_init("emu_chip", KLOG_WARNING);
	RUN(open_sequence);
	RUN(unknown_and_malformed_commands);
	RUN(inlist_card_there_4_and_7);
	RUN(inlist_endless_waits_then_card);
	RUN(inlist_finite_retries_no_card);
	RUN(presence_by_reselect);
	RUN(ten_byte_uid_cascade);
	RUN(autopoll_card_there_and_wait);
	RUN(autopoll_runs_out);
	RUN(host_ack_cancels_wait);
	RUN(new_command_cancels_wait);
	RUN(data_exchange_presence);
	RUN(faults_fire_once);
	RUN(reset_link_drops_waits_and_output);
	RUN(card_parse);
	RUN(control_lines);
	return harness_done();
}
