/* PN532 frame parser and encoder: see frame.h. */
#include "tools/pn532emu/frame.h"

#include <errno.h>
#include <string.h>

enum {
	P_IDLE,     /* looking for 00 */
	P_ZERO,     /* seen 00, want FF */
	P_LEN,
	P_LCS,
	P_XLEN_HI,
	P_XLEN_LO,
	P_XLCS,
	P_DATA,
	P_DCS,
	P_SKIP,     /* skipping an oversized frame's payload and DCS */
};

const uint8_t emu_frame_ack[6] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
const uint8_t emu_frame_nack[6] = { 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00 };
const uint8_t emu_frame_error[8] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };

void emu_frame_parser_init(struct emu_frame_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = P_IDLE;
}

static enum emu_frame_event start_payload(struct emu_frame_parser *p, size_t len)
{
	p->want = len;
	p->have = 0;
	p->sum = 0;
	if (len == 0) {
		p->state = P_IDLE;
		return EMU_FRAME_ERR_LEN;
	}
	if (len > EMU_FRAME_MAX_PAYLOAD) {
		p->want = len + 1; /* payload and DCS */
		p->state = P_SKIP;
		return EMU_FRAME_ERR_LEN;
	}
	p->state = P_DATA;
	return EMU_FRAME_NONE;
}

/* After a bad header byte: a 00 may begin the next frame. */
static enum emu_frame_event resync(struct emu_frame_parser *p, uint8_t byte, enum emu_frame_event ev)
{
	p->state = byte == 0x00 ? P_ZERO : P_IDLE;
	return ev;
}

enum emu_frame_event emu_frame_feed(struct emu_frame_parser *p, uint8_t byte)
{
	switch (p->state) {
	case P_IDLE:
		if (byte == 0x00)
			p->state = P_ZERO;
		return EMU_FRAME_NONE;
	case P_ZERO:
		if (byte == 0xFF)
			p->state = P_LEN;
		else if (byte != 0x00)
			p->state = P_IDLE;
		return EMU_FRAME_NONE;
	case P_LEN:
		p->want = byte;
		p->state = P_LCS;
		return EMU_FRAME_NONE;
	case P_LCS:
		if (p->want == 0x00 && byte == 0xFF) {
			p->state = P_IDLE;
			return EMU_FRAME_ACK;
		}
		if (p->want == 0xFF && byte == 0x00) {
			p->state = P_IDLE;
			return EMU_FRAME_NACK;
		}
		if (p->want == 0xFF && byte == 0xFF) {
			p->state = P_XLEN_HI;
			return EMU_FRAME_NONE;
		}
		if (((p->want + byte) & 0xFF) != 0)
			return resync(p, byte, EMU_FRAME_ERR_LCS);
		return start_payload(p, p->want);
	case P_XLEN_HI:
		p->len_hi = byte;
		p->state = P_XLEN_LO;
		return EMU_FRAME_NONE;
	case P_XLEN_LO:
		p->want = (size_t)p->len_hi << 8 | byte;
		p->state = P_XLCS;
		return EMU_FRAME_NONE;
	case P_XLCS:
		if (((p->len_hi + (p->want & 0xFF) + byte) & 0xFF) != 0)
			return resync(p, byte, EMU_FRAME_ERR_LCS);
		return start_payload(p, p->want);
	case P_DATA:
		p->buf[p->have++] = byte;
		p->sum = (uint8_t)(p->sum + byte);
		if (p->have == p->want)
			p->state = P_DCS;
		return EMU_FRAME_NONE;
	case P_DCS:
		p->state = P_IDLE;
		if (((p->sum + byte) & 0xFF) != 0)
			return EMU_FRAME_ERR_DCS;
		return EMU_FRAME_OK;
	case P_SKIP:
		if (++p->have >= p->want)
			p->state = P_IDLE;
		return EMU_FRAME_NONE;
	default:
		p->state = P_IDLE;
		return EMU_FRAME_NONE;
	}
}

const uint8_t *emu_frame_payload(const struct emu_frame_parser *p, size_t *len)
{
	*len = p->have;
	return p->buf;
}

int emu_frame_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0, need;
	uint8_t sum = 0;

	if (len == 0 || len > 0xFFFF)
		return -EINVAL;
	need = len + (len > 0xFF ? 10 : 7);
	if (need > cap)
		return -ENOSPC;
	out[n++] = 0x00;
	out[n++] = 0x00;
	out[n++] = 0xFF;
	if (len > 0xFF) {
		out[n++] = 0xFF;
		out[n++] = 0xFF;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
		out[n++] = (uint8_t)(0x100 - ((len >> 8) + (len & 0xFF)));
	} else {
		out[n++] = (uint8_t)len;
		out[n++] = (uint8_t)(0x100 - len);
	}
	for (size_t i = 0; i < len; i++) {
		out[n++] = payload[i];
		sum = (uint8_t)(sum + payload[i]);
	}
	out[n++] = (uint8_t)(0x100 - sum);
	out[n++] = 0x00;
	return (int)n;
}

const char *emu_frame_event_name(enum emu_frame_event ev)
{
	switch (ev) {
	case EMU_FRAME_NONE: return "none";
	case EMU_FRAME_OK: return "frame";
	case EMU_FRAME_ACK: return "ack";
	case EMU_FRAME_NACK: return "nack";
	case EMU_FRAME_ERR_LCS: return "bad length checksum";
	case EMU_FRAME_ERR_DCS: return "bad data checksum";
	case EMU_FRAME_ERR_LEN: return "bad length";
	}
	return "?";
}
