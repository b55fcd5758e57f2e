/*
 * PN532 UART frames (PN532 User Manual §6.2): an incremental, byte-by-byte parser with a
 * bounded buffer, and an encoder. Pure code, no I/O, so that unit tests and the fuzz target
 * drive it directly.
 *
 *   normal frame    00 00 FF LEN LCS TFI PD0..PDn DCS 00     LEN = TFI + PDs, LEN + LCS = 0
 *   extended frame  00 00 FF FF FF LENM LENL LCS TFI ... DCS 00
 *   ACK             00 00 FF 00 FF 00           NACK  00 00 FF FF 00 00
 *   error frame     00 00 FF 01 FF 7F 81 00     (an ordinary frame whose TFI is 0x7F)
 *
 * The parser looks for the start code "00 FF" anywhere, so garbage, the postamble and
 * libnfc's wake-up preamble (55 55 00 00 ...) are skipped. The payload (TFI and data) is
 * capped at EMU_FRAME_MAX_PAYLOAD bytes; a longer announced frame is skipped whole.
 */
#ifndef KIUM_EMU_FRAME_H
#define KIUM_EMU_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* The PN532 takes at most 265 bytes of TFI + data in an extended frame; leave room. */
#define EMU_FRAME_MAX_PAYLOAD 512
/* Preamble, start code, extended length, LCS, payload, DCS, postamble. */
#define EMU_FRAME_MAX_ENCODED (EMU_FRAME_MAX_PAYLOAD + 10)

#define EMU_TFI_HOST 0xD4
#define EMU_TFI_CHIP 0xD5

enum emu_frame_event {
	EMU_FRAME_NONE = 0, /* need more bytes */
	EMU_FRAME_OK,       /* a complete frame: emu_frame_payload() */
	EMU_FRAME_ACK,
	EMU_FRAME_NACK,
	EMU_FRAME_ERR_LCS,  /* length checksum wrong (the bytes are dropped) */
	EMU_FRAME_ERR_DCS,  /* data checksum wrong */
	EMU_FRAME_ERR_LEN,  /* zero length, or longer than EMU_FRAME_MAX_PAYLOAD (skipped) */
};

struct emu_frame_parser {
	int state;
	uint8_t len_hi;        /* extended length, high byte */
	size_t want;           /* announced payload length */
	size_t have;           /* payload bytes so far (or bytes skipped) */
	uint8_t sum;           /* running data checksum */
	uint8_t buf[EMU_FRAME_MAX_PAYLOAD];
};

void emu_frame_parser_init(struct emu_frame_parser *p);
/* Feeds one byte. After EMU_FRAME_OK the payload stays readable until the next feed. */
enum emu_frame_event emu_frame_feed(struct emu_frame_parser *p, uint8_t byte);
/* The last complete frame's payload (TFI first); *len set to its length. */
const uint8_t *emu_frame_payload(const struct emu_frame_parser *p, size_t *len);

/* Encodes payload (TFI first) into out: a normal frame up to 255 bytes, extended above.
 * Returns the encoded length, or -EINVAL (empty or too long) / -ENOSPC (out too small). */
int emu_frame_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

extern const uint8_t emu_frame_ack[6];
extern const uint8_t emu_frame_nack[6];
extern const uint8_t emu_frame_error[8];

const char *emu_frame_event_name(enum emu_frame_event ev);

#endif
