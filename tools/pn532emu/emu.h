/*
 * The emulated PN532: commands in, responses out, one card that the control protocol places
 * and removes, injected faults, and the commands that wait for a card (InListPassiveTarget
 * with endless retries, InAutoPoll). No I/O and no clock of its own: the caller feeds the
 * bytes the host wrote, passes the monotonic time in ms, drains emu_output() to the wire
 * and calls emu_tick() when emu_deadline() comes. One event loop, no threads.
 *
 * What is answered and how is listed in tools/pn532emu/README.md.
 */
#ifndef KIUM_EMU_EMU_H
#define KIUM_EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_UID_MAX 10
/* Pending output is capped; what does not fit is dropped and counted as an error. */
#define EMU_OUT_CAP 8192

struct emu;

struct emu_card {
	uint8_t uid[EMU_UID_MAX];
	size_t uid_len;          /* 4, 7 or 10 */
	uint8_t atqa[2];         /* as sent on the wire (SENS_RES), e.g. 00 04 */
	uint8_t sak;
};

enum emu_fault {
	EMU_FAULT_NONE = 0,
	EMU_FAULT_GARBAGE, /* next command frame: 6 garbage bytes instead of ACK, not executed */
	EMU_FAULT_NOACK,   /* next command frame: no ACK, no response (dropped) */
	EMU_FAULT_NORESP,  /* next command frame: ACK, then never a response (not executed) */
	EMU_FAULT_BADCS,   /* next response frame: data checksum off by one */
};

struct emu_stats {
	uint64_t frames_in;      /* valid command frames from the host */
	uint64_t frames_out;     /* response frames sent (not counting ACKs) */
	uint64_t acks_in, nacks_in, acks_out;
	uint64_t bad_frames;     /* checksum or length errors from the host */
	uint64_t errors_out;     /* error frames sent (unknown or malformed commands) */
	uint64_t dropped_out;    /* output bytes dropped at EMU_OUT_CAP */
	uint64_t cancelled;      /* waiting commands cancelled by host ACK or a new command */
	uint64_t faults;         /* faults applied */
	uint64_t cards_placed;
	uint64_t by_cmd[256];    /* command frames by command code */
};

/* Returns NULL on allocation failure. Caller frees with emu_free (NULL-safe). */
struct emu *emu_new(void);
void emu_free(struct emu *e);

/* Bytes written by the host. Frames may be split anywhere across calls. */
void emu_feed(struct emu *e, const uint8_t *buf, size_t len, int64_t now_ms);
/* Fires waits whose time has run out. */
void emu_tick(struct emu *e, int64_t now_ms);
/* Monotonic ms at which emu_tick must run next, or -1 when nothing waits on time. */
int64_t emu_deadline(const struct emu *e);

/* Pending bytes for the host; consume what was written. */
size_t emu_output(const struct emu *e, const uint8_t **buf);
void emu_output_consume(struct emu *e, size_t n);

/* Places a card (replacing any card there) and answers a command waiting for one. */
void emu_place(struct emu *e, const struct emu_card *card, int64_t now_ms);
/* Takes the card away; a selected target is lost. Returns false if there was none. */
bool emu_remove(struct emu *e);
/* The card on the reader, or NULL. */
const struct emu_card *emu_card(const struct emu *e);

/* Arms one fault (replacing any armed one); it fires once. cmd >= 0 restricts it to frames
 * of that command code (badcs: responses to it); -1 means the next one of any code. */
void emu_fault_set(struct emu *e, enum emu_fault f, int cmd);
enum emu_fault emu_fault_pending(const struct emu *e);
/* "garbage", "noack", "noresp", "badcs", "none" -> fault; -EINVAL when unknown. */
int emu_fault_parse(const char *name, enum emu_fault *out);

/* The cable was pulled: parser, waits and output are dropped (the card stays). */
void emu_reset_link(struct emu *e);

/* True while a command waits for a card (or for its poll to run out). */
bool emu_waiting(const struct emu *e);
const struct emu_stats *emu_stats(const struct emu *e);

/* Parses "UIDHEX [ATQA SAK]" words into a card with the documented defaults
 * (ATQA 0004 for 4-byte UIDs, 0044 for 7/10-byte UIDs; SAK 08). Returns 0 or -EINVAL. */
int emu_card_parse(const char *uid_hex, const char *atqa_hex, const char *sak_hex,
		   struct emu_card *out);
/* UID as upper-case hex; buf needs 2 * EMU_UID_MAX + 1 bytes. */
void emu_card_uid_hex(const struct emu_card *c, char *buf, size_t len);

#endif
