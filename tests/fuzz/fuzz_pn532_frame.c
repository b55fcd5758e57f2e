/*
 * Fuzz target for the PN532 emulator's input side: arbitrary bytes go through the frame
 * parser on their own, then through the chip state machine in chunks whose sizes come from
 * the input, with cards placed and removed, faults armed and time moved in between; the
 * same bytes are also read as control-protocol lines. Nothing may crash, leak or overrun,
 * and every parsed payload must respect the parser's cap.
 */
#include "common/log.h"
#include "tools/pn532emu/control.h"
#include "tools/pn532emu/emu.h"
#include "tools/pn532emu/frame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void parse_alone(const uint8_t *data, size_t size)
{
	struct emu_frame_parser p;

	emu_frame_parser_init(&p);
	for (size_t i = 0; i < size; i++) {
		if (emu_frame_feed(&p, data[i]) == EMU_FRAME_OK) {
			size_t n;
			const uint8_t *pl = emu_frame_payload(&p, &n);
			uint8_t enc[EMU_FRAME_MAX_ENCODED];

			if (n == 0 || n > EMU_FRAME_MAX_PAYLOAD || pl[0] != p.buf[0])
				abort();
			/* What parses re-encodes. */
			if (emu_frame_encode(pl, n, enc, sizeof(enc)) < 0)
				abort();
		}
	}
}

static void drive_chip(const uint8_t *data, size_t size)
{
	static const char *const uids[] = { "04A1B2C3", "04112233445566", "0400112233445566778A" };
	struct emu *e = emu_new();
	int64_t now = 0;
	size_t i = 0;

	if (!e)
		return;
	while (i < size) {
		uint8_t ctl = data[i];
		size_t chunk = (size_t)(ctl % 23) + 1;
		const uint8_t *out;
		struct emu_card c;

		if (chunk > size - i)
			chunk = size - i;
		switch (ctl >> 5) {
		case 0:
			if (emu_card_parse(uids[ctl % 3], ctl & 1 ? "0044" : NULL, ctl & 1 ? "20" : NULL, &c) == 0)
				emu_place(e, &c, now);
			break;
		case 1:
			emu_remove(e);
			break;
		case 2:
			emu_fault_set(e, (enum emu_fault)(ctl % 5), ctl & 0x10 ? 0x4A : -1);
			break;
		case 3:
			now += 150 * (ctl & 0x1F);
			emu_tick(e, now);
			break;
		case 4:
			if (ctl == 0x80)
				emu_reset_link(e);
			break;
		default:
			break;
		}
		emu_feed(e, data + i, chunk, now);
		i += chunk;
		if (emu_output(e, &out) > EMU_OUT_CAP)
			abort();
		/* Drain now and then, so that the output cap is reached too. */
		if (ctl & 0x04)
			emu_output_consume(e, emu_output(e, &out));
		if (emu_deadline(e) >= 0 && emu_deadline(e) < now - 1000000)
			abort();
	}
	emu_free(e);
}

static void control_lines(const uint8_t *data, size_t size)
{
	struct emu *e = emu_new();
	char line[EMU_CONTROL_LINE_MAX], reply[EMU_CONTROL_REPLY_MAX];
	size_t n = 0;

	if (!e)
		return;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n' || n + 1 == sizeof(line)) {
			line[n] = '\0';
			emu_control_exec(e, NULL, NULL, line, reply, sizeof(reply), 0);
			if (strncmp(reply, "ok", 2) != 0 && strncmp(reply, "err ", 4) != 0)
				abort();
			n = 0;
		} else {
			line[n++] = data[i] ? (char)data[i] : ' ';
		}
	}
	emu_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_init("fuzz_pn532_frame", KLOG_ERR);
	parse_alone(data, size);
	drive_chip(data, size);
	control_lines(data, size);
	return 0;
}
