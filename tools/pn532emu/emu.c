/*
 * The PN532 state machine: see emu.h for the contract and README.md for what each command
 * answers. The card model is one ISO14443A card at 106 kbps that is either on the reader or
 * not; a target is "selected" from the moment InListPassiveTarget or InAutoPoll reports it
 * until it is removed, deselected or released, and only a selected target answers
 * InDataExchange and InCommunicateThru.
 */
#include "tools/pn532emu/emu.h"

#include "tools/pn532emu/frame.h"

#include "common/hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMU_REGS_MAX 64
#define EMU_POLL_PERIOD_MS 150

enum {
	CMD_DIAGNOSE = 0x00,
	CMD_GET_FIRMWARE_VERSION = 0x02,
	CMD_GET_GENERAL_STATUS = 0x04,
	CMD_READ_REGISTER = 0x06,
	CMD_WRITE_REGISTER = 0x08,
	CMD_SET_SERIAL_BAUD_RATE = 0x10,
	CMD_SET_PARAMETERS = 0x12,
	CMD_SAM_CONFIGURATION = 0x14,
	CMD_POWER_DOWN = 0x16,
	CMD_RF_CONFIGURATION = 0x32,
	CMD_IN_DATA_EXCHANGE = 0x40,
	CMD_IN_COMMUNICATE_THRU = 0x42,
	CMD_IN_DESELECT = 0x44,
	CMD_IN_LIST_PASSIVE_TARGET = 0x4A,
	CMD_IN_SELECT = 0x4E,
	CMD_IN_RELEASE = 0x52,
	CMD_IN_AUTO_POLL = 0x60,
};

/* Status bytes (PN532 User Manual §7.1); never with bit 6 (MI) or 7 set, see PN532.md. */
#define ST_OK 0x00
#define ST_TIMEOUT 0x01
#define ST_WRONG_CONTEXT 0x27

struct emu_wait {
	uint8_t cmd;               /* CMD_IN_LIST_PASSIVE_TARGET or CMD_IN_AUTO_POLL */
	int64_t deadline;          /* -1: waits until a card comes or the host cancels */
	uint8_t uid[EMU_UID_MAX];  /* InListPassiveTarget: only this UID (if uid_len) */
	size_t uid_len;
	uint8_t brty;
	uint8_t types[15];         /* InAutoPoll: target types in the host's order */
	size_t ntypes;
};

struct emu {
	struct emu_frame_parser parser;
	uint8_t out[EMU_OUT_CAP];
	size_t out_len;
	uint8_t last[EMU_FRAME_MAX_ENCODED]; /* last response, resent on NACK */
	size_t last_len;

	bool have_card;
	struct emu_card card;
	bool selected;
	bool field;
	uint8_t retries_passive; /* MxRtyPassiveActivation; 0xFF = endless */
	struct { uint16_t addr; uint8_t val; } regs[EMU_REGS_MAX];
	size_t nregs;

	enum emu_fault fault;
	int fault_cmd;           /* only frames with this command code (-1: any) */
	bool waiting;
	struct emu_wait wait;
	struct emu_stats st;
};

static const uint8_t garbage[6] = { 0xA5, 0x5A, 0xC3, 0x3C, 0x96, 0x69 };

struct emu *emu_new(void)
{
	struct emu *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	emu_frame_parser_init(&e->parser);
	e->retries_passive = 0xFF;
	e->fault_cmd = -1;
	return e;
}

void emu_free(struct emu *e)
{
	free(e);
}

static void put(struct emu *e, const uint8_t *b, size_t n)
{
	if (n > sizeof(e->out) - e->out_len) {
		e->st.dropped_out += n;
		return;
	}
	memcpy(e->out + e->out_len, b, n);
	e->out_len += n;
}

static void put_ack(struct emu *e)
{
	put(e, emu_frame_ack, sizeof(emu_frame_ack));
	e->st.acks_out++;
}

static void put_error(struct emu *e)
{
	put(e, emu_frame_error, sizeof(emu_frame_error));
	e->st.errors_out++;
}

/* Sends D5 (cmd + 1) data...; a pending badcs fault spoils this frame's checksum. */
static void respond(struct emu *e, uint8_t cmd, const uint8_t *data, size_t n)
{
	uint8_t payload[EMU_FRAME_MAX_PAYLOAD];
	int len;

	if (n + 2 > sizeof(payload)) {
		put_error(e);
		return;
	}
	payload[0] = EMU_TFI_CHIP;
	payload[1] = (uint8_t)(cmd + 1);
	if (n)
		memcpy(payload + 2, data, n);
	len = emu_frame_encode(payload, n + 2, e->last, sizeof(e->last));
	if (len < 0) {
		put_error(e);
		return;
	}
	e->last_len = (size_t)len;
	if (e->fault == EMU_FAULT_BADCS && (e->fault_cmd < 0 || e->fault_cmd == cmd)) {
		uint8_t bad[EMU_FRAME_MAX_ENCODED];

		memcpy(bad, e->last, e->last_len);
		bad[e->last_len - 2] ^= 0x01;
		put(e, bad, e->last_len);
		e->fault = EMU_FAULT_NONE;
		e->st.faults++;
	} else {
		put(e, e->last, e->last_len);
	}
	e->st.frames_out++;
}

static void respond_byte(struct emu *e, uint8_t cmd, uint8_t b)
{
	respond(e, cmd, &b, 1);
}

/* libnfc sends 7- and 10-byte UIDs with cascade tags (iso14443_cascade_uid); strip them. */
static size_t uncascade(const uint8_t *in, size_t n, uint8_t *uid)
{
	if (n == 8 && in[0] == 0x88) {
		memcpy(uid, in + 1, 7);
		return 7;
	}
	if (n == 12 && in[0] == 0x88 && in[4] == 0x88) {
		memcpy(uid, in + 1, 3);
		memcpy(uid + 3, in + 5, 7);
		return 10;
	}
	if (n > EMU_UID_MAX)
		n = EMU_UID_MAX;
	memcpy(uid, in, n);
	return n;
}

/* Target data as InListPassiveTarget and InAutoPoll report it: Tg ATQA SAK len UID. */
static size_t target_data(const struct emu_card *c, uint8_t *out)
{
	size_t n = 0;

	out[n++] = 0x01;
	out[n++] = c->atqa[0];
	out[n++] = c->atqa[1];
	out[n++] = c->sak;
	out[n++] = (uint8_t)c->uid_len;
	memcpy(out + n, c->uid, c->uid_len);
	return n + c->uid_len;
}

static bool inlist_matches(const struct emu *e, const struct emu_wait *w)
{
	if (!e->have_card || w->brty != 0x00)
		return false;
	if (w->uid_len == 0)
		return true;
	return w->uid_len == e->card.uid_len && memcmp(w->uid, e->card.uid, w->uid_len) == 0;
}

/* The first requested InAutoPoll type the card answers to, or -1. */
static int autopoll_type(const struct emu *e, const struct emu_wait *w)
{
	if (!e->have_card)
		return -1;
	for (size_t i = 0; i < w->ntypes; i++) {
		uint8_t t = w->types[i];

		if (t == 0x00 || t == 0x10)
			return t;
		if (t == 0x20 && (e->card.sak & 0x20))
			return t;
	}
	return -1;
}

static void answer_inlist(struct emu *e)
{
	uint8_t d[2 + 5 + EMU_UID_MAX];

	d[0] = 0x01; /* NbTg */
	respond(e, CMD_IN_LIST_PASSIVE_TARGET, d, 1 + target_data(&e->card, d + 1));
	e->selected = true;
}

static void answer_autopoll(struct emu *e, int type)
{
	uint8_t d[3 + 5 + EMU_UID_MAX];
	size_t n = target_data(&e->card, d + 3);

	d[0] = 0x01; /* NbTg */
	d[1] = (uint8_t)type;
	d[2] = (uint8_t)n;
	respond(e, CMD_IN_AUTO_POLL, d, n + 3);
	e->selected = true;
}

/* Answers the waiting command if the card now satisfies it. */
static void try_wait(struct emu *e)
{
	int type;

	if (!e->waiting)
		return;
	if (e->wait.cmd == CMD_IN_LIST_PASSIVE_TARGET && inlist_matches(e, &e->wait)) {
		e->waiting = false;
		answer_inlist(e);
	} else if (e->wait.cmd == CMD_IN_AUTO_POLL && (type = autopoll_type(e, &e->wait)) >= 0) {
		e->waiting = false;
		answer_autopoll(e, type);
	}
}

static void cmd_inlist(struct emu *e, const uint8_t *d, size_t n)
{
	struct emu_wait w = { .cmd = CMD_IN_LIST_PASSIVE_TARGET, .deadline = -1 };

	if (n < 2 || d[0] < 1 || d[0] > 2) {
		put_error(e);
		return;
	}
	w.brty = d[1];
	if (w.brty == 0x00 && n > 2)
		w.uid_len = uncascade(d + 2, n - 2, w.uid);
	e->selected = false;
	if (inlist_matches(e, &w)) {
		answer_inlist(e);
	} else if (e->retries_passive == 0xFF) {
		e->wait = w;
		e->waiting = true;
	} else {
		respond_byte(e, CMD_IN_LIST_PASSIVE_TARGET, 0x00);
	}
}

static void cmd_autopoll(struct emu *e, const uint8_t *d, size_t n, int64_t now)
{
	struct emu_wait w = { .cmd = CMD_IN_AUTO_POLL, .deadline = -1 };
	int type;

	if (n < 3 || n - 2 > sizeof(w.types) || d[0] == 0x00) {
		put_error(e);
		return;
	}
	w.ntypes = n - 2;
	memcpy(w.types, d + 2, w.ntypes);
	e->selected = false;
	if ((type = autopoll_type(e, &w)) >= 0) {
		answer_autopoll(e, type);
		return;
	}
	if (d[0] != 0xFF) {
		int64_t period = d[1] ? d[1] : 1;

		w.deadline = now + (int64_t)d[0] * (int64_t)w.ntypes * period * EMU_POLL_PERIOD_MS;
	}
	e->wait = w;
	e->waiting = true;
}

/* MIFARE READ of four pages from a made-up memory: the UID, then zeros. */
static void mifare_read(const struct emu *e, uint8_t page, uint8_t *out16)
{
	uint8_t mem[64] = { 0 };

	memcpy(mem, e->card.uid, e->card.uid_len);
	for (int i = 0; i < 16; i++)
		out16[i] = mem[(page * 4 + i) % sizeof(mem)];
}

static void cmd_data_exchange(struct emu *e, const uint8_t *d, size_t n)
{
	uint8_t r[17];

	if (n < 1) {
		put_error(e);
		return;
	}
	if (!e->selected || !e->have_card || d[0] != 0x01) {
		respond_byte(e, CMD_IN_DATA_EXCHANGE, ST_TIMEOUT);
		return;
	}
	r[0] = ST_OK;
	if (n >= 3 && d[1] == 0x30) {
		mifare_read(e, d[2], r + 1);
		respond(e, CMD_IN_DATA_EXCHANGE, r, 17);
	} else if (e->card.sak & 0x20) {
		r[1] = 0x90;
		r[2] = 0x00;
		respond(e, CMD_IN_DATA_EXCHANGE, r, 3);
	} else {
		respond(e, CMD_IN_DATA_EXCHANGE, r, 1);
	}
}

static void cmd_comm_thru(struct emu *e, size_t n)
{
	static const uint8_t r_ack[2] = { ST_OK, 0xA3 };

	/* Empty: libnfc's raw probes (barcode); no card answers those. */
	if (n < 1 || !e->selected || !e->have_card)
		respond_byte(e, CMD_IN_COMMUNICATE_THRU, ST_TIMEOUT);
	else
		respond(e, CMD_IN_COMMUNICATE_THRU, r_ack, sizeof(r_ack));
}

static uint8_t reg_read(const struct emu *e, uint16_t addr)
{
	for (size_t i = 0; i < e->nregs; i++)
		if (e->regs[i].addr == addr)
			return e->regs[i].val;
	return 0x00;
}

static void reg_write(struct emu *e, uint16_t addr, uint8_t val)
{
	for (size_t i = 0; i < e->nregs; i++) {
		if (e->regs[i].addr == addr) {
			e->regs[i].val = val;
			return;
		}
	}
	if (e->nregs < EMU_REGS_MAX) {
		e->regs[e->nregs].addr = addr;
		e->regs[e->nregs].val = val;
		e->nregs++;
	}
}

static void cmd_read_register(struct emu *e, const uint8_t *d, size_t n)
{
	uint8_t r[EMU_FRAME_MAX_PAYLOAD / 2];

	if (n == 0 || n % 2 || n / 2 > sizeof(r)) {
		put_error(e);
		return;
	}
	for (size_t i = 0; i < n / 2; i++)
		r[i] = reg_read(e, (uint16_t)(d[2 * i] << 8 | d[2 * i + 1]));
	respond(e, CMD_READ_REGISTER, r, n / 2);
}

static void cmd_write_register(struct emu *e, const uint8_t *d, size_t n)
{
	if (n == 0 || n % 3) {
		put_error(e);
		return;
	}
	for (size_t i = 0; i < n; i += 3)
		reg_write(e, (uint16_t)(d[i] << 8 | d[i + 1]), d[i + 2]);
	respond(e, CMD_WRITE_REGISTER, NULL, 0);
}

static void cmd_rf_configuration(struct emu *e, const uint8_t *d, size_t n)
{
	if (n < 1) {
		put_error(e);
		return;
	}
	if (d[0] == 0x01 && n >= 2) {
		e->field = d[1] & 0x01;
		if (!e->field)
			e->selected = false;
	} else if (d[0] == 0x05 && n >= 4) {
		e->retries_passive = d[3];
	}
	respond(e, CMD_RF_CONFIGURATION, NULL, 0);
}

static void cmd_general_status(struct emu *e)
{
	uint8_t r[8];
	size_t n = 0;
	bool tg = e->selected && e->have_card;

	r[n++] = 0x00;          /* last error */
	r[n++] = e->field;      /* field present */
	r[n++] = tg ? 1 : 0;    /* NbTg */
	if (tg) {
		r[n++] = 0x01;  /* Tg */
		r[n++] = 0x00;  /* BrRx 106 kbps */
		r[n++] = 0x00;  /* BrTx 106 kbps */
		r[n++] = 0x00;  /* type ISO14443A */
	}
	r[n++] = 0x00;          /* SAM status */
	respond(e, CMD_GET_GENERAL_STATUS, r, n);
}

static void dispatch(struct emu *e, uint8_t cmd, const uint8_t *d, size_t n, int64_t now)
{
	static const uint8_t fw[4] = { 0x32, 0x01, 0x06, 0x07 };

	switch (cmd) {
	case CMD_DIAGNOSE:
		if (n >= 1 && d[0] == 0x00)
			respond(e, cmd, d, n);
		else
			put_error(e);
		break;
	case CMD_GET_FIRMWARE_VERSION:
		respond(e, cmd, fw, sizeof(fw));
		break;
	case CMD_GET_GENERAL_STATUS:
		cmd_general_status(e);
		break;
	case CMD_READ_REGISTER:
		cmd_read_register(e, d, n);
		break;
	case CMD_WRITE_REGISTER:
		cmd_write_register(e, d, n);
		break;
	case CMD_SET_SERIAL_BAUD_RATE:
	case CMD_SET_PARAMETERS:
	case CMD_SAM_CONFIGURATION:
		if (n >= 1)
			respond(e, cmd, NULL, 0);
		else
			put_error(e);
		break;
	case CMD_POWER_DOWN:
		e->selected = false;
		respond_byte(e, cmd, ST_OK);
		break;
	case CMD_RF_CONFIGURATION:
		cmd_rf_configuration(e, d, n);
		break;
	case CMD_IN_LIST_PASSIVE_TARGET:
		cmd_inlist(e, d, n);
		break;
	case CMD_IN_AUTO_POLL:
		cmd_autopoll(e, d, n, now);
		break;
	case CMD_IN_DATA_EXCHANGE:
		cmd_data_exchange(e, d, n);
		break;
	case CMD_IN_COMMUNICATE_THRU:
		cmd_comm_thru(e, n);
		break;
	case CMD_IN_DESELECT:
	case CMD_IN_RELEASE:
		e->selected = false;
		respond_byte(e, cmd, ST_OK);
		break;
	case CMD_IN_SELECT:
		respond_byte(e, cmd, e->selected && e->have_card ? ST_OK : ST_WRONG_CONTEXT);
		break;
	default:
		put_error(e);
		break;
	}
}

static void cancel_wait(struct emu *e)
{
	if (e->waiting) {
		e->waiting = false;
		e->st.cancelled++;
	}
}

static void handle_frame(struct emu *e, const uint8_t *p, size_t len, int64_t now)
{
	enum emu_fault f = e->fault;
	bool hit = e->fault_cmd < 0 || (len >= 2 && p[0] == EMU_TFI_HOST && p[1] == e->fault_cmd);

	e->st.frames_in++;
	/* A new command supersedes one still waiting (the host gave up on it). */
	cancel_wait(e);
	if (len >= 2 && p[0] == EMU_TFI_HOST)
		e->st.by_cmd[p[1]]++;
	if (hit && (f == EMU_FAULT_GARBAGE || f == EMU_FAULT_NOACK || f == EMU_FAULT_NORESP)) {
		e->fault = EMU_FAULT_NONE;
		e->st.faults++;
		if (f == EMU_FAULT_GARBAGE)
			put(e, garbage, sizeof(garbage));
		else if (f == EMU_FAULT_NORESP)
			put_ack(e);
		return;
	}
	put_ack(e);
	if (len < 2 || p[0] != EMU_TFI_HOST) {
		put_error(e);
		return;
	}
	dispatch(e, p[1], p + 2, len - 2, now);
}

void emu_feed(struct emu *e, const uint8_t *buf, size_t len, int64_t now_ms)
{
	for (size_t i = 0; i < len; i++) {
		enum emu_frame_event ev = emu_frame_feed(&e->parser, buf[i]);
		const uint8_t *p;
		size_t n;

		switch (ev) {
		case EMU_FRAME_NONE:
			break;
		case EMU_FRAME_OK:
			p = emu_frame_payload(&e->parser, &n);
			handle_frame(e, p, n, now_ms);
			break;
		case EMU_FRAME_ACK:
			e->st.acks_in++;
			cancel_wait(e);
			break;
		case EMU_FRAME_NACK:
			e->st.nacks_in++;
			if (e->last_len)
				put(e, e->last, e->last_len);
			break;
		case EMU_FRAME_ERR_LCS:
		case EMU_FRAME_ERR_DCS:
		case EMU_FRAME_ERR_LEN:
			e->st.bad_frames++;
			break;
		}
	}
}

void emu_tick(struct emu *e, int64_t now_ms)
{
	if (e->waiting && e->wait.deadline >= 0 && now_ms >= e->wait.deadline) {
		e->waiting = false;
		respond_byte(e, e->wait.cmd, 0x00); /* NbTg = 0 */
	}
}

int64_t emu_deadline(const struct emu *e)
{
	return e->waiting ? e->wait.deadline : -1;
}

size_t emu_output(const struct emu *e, const uint8_t **buf)
{
	*buf = e->out;
	return e->out_len;
}

void emu_output_consume(struct emu *e, size_t n)
{
	if (n >= e->out_len) {
		e->out_len = 0;
		return;
	}
	memmove(e->out, e->out + n, e->out_len - n);
	e->out_len -= n;
}

void emu_place(struct emu *e, const struct emu_card *card, int64_t now_ms)
{
	(void)now_ms;
	e->card = *card;
	e->have_card = true;
	e->selected = false;
	e->st.cards_placed++;
	try_wait(e);
}

bool emu_remove(struct emu *e)
{
	bool had = e->have_card;

	e->have_card = false;
	e->selected = false;
	return had;
}

const struct emu_card *emu_card(const struct emu *e)
{
	return e->have_card ? &e->card : NULL;
}

void emu_fault_set(struct emu *e, enum emu_fault f, int cmd)
{
	e->fault = f;
	e->fault_cmd = cmd >= 0 && cmd <= 0xFF ? cmd : -1;
}

enum emu_fault emu_fault_pending(const struct emu *e)
{
	return e->fault;
}

int emu_fault_parse(const char *name, enum emu_fault *out)
{
	static const struct { const char *name; enum emu_fault f; } names[] = {
		{ "none", EMU_FAULT_NONE }, { "garbage", EMU_FAULT_GARBAGE },
		{ "noack", EMU_FAULT_NOACK }, { "noresp", EMU_FAULT_NORESP },
		{ "badcs", EMU_FAULT_BADCS },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].f;
			return 0;
		}
	}
	return -EINVAL;
}

void emu_reset_link(struct emu *e)
{
	emu_frame_parser_init(&e->parser);
	e->out_len = 0;
	e->last_len = 0;
	e->waiting = false;
	e->selected = false;
	e->field = false;
	e->retries_passive = 0xFF;
	e->nregs = 0;
}

bool emu_waiting(const struct emu *e)
{
	return e->waiting;
}

const struct emu_stats *emu_stats(const struct emu *e)
{
	return &e->st;
}

/* Exactly n bytes of hex into out; -EINVAL otherwise. */
static int hex_bytes(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -EINVAL;
	return hex_decode(s, out, n);
}

int emu_card_parse(const char *uid_hex, const char *atqa_hex, const char *sak_hex,
		   struct emu_card *out)
{
	struct emu_card c = { 0 };
	size_t n = uid_hex ? strlen(uid_hex) : 0;

	if (n != 8 && n != 14 && n != 20)
		return -EINVAL;
	c.uid_len = n / 2;
	if (hex_bytes(uid_hex, c.uid, c.uid_len) < 0)
		return -EINVAL;
	if ((atqa_hex == NULL) != (sak_hex == NULL))
		return -EINVAL;
	if (atqa_hex) {
		if (hex_bytes(atqa_hex, c.atqa, 2) < 0 || hex_bytes(sak_hex, &c.sak, 1) < 0)
			return -EINVAL;
	} else {
		c.atqa[0] = 0x00;
		c.atqa[1] = c.uid_len == 4 ? 0x04 : 0x44;
		c.sak = 0x08;
	}
	*out = c;
	return 0;
}

void emu_card_uid_hex(const struct emu_card *c, char *buf, size_t len)
{
	hex_encode(c->uid, c->uid_len, true, buf, len);
}
