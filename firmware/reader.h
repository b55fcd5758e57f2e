/*
 * The card reader seam: a table of function pointers with a libnfc backend (reader_nfc.c,
 * the only file that includes <nfc/nfc.h>) and a scripted fake (reader_fake.c), chosen by the
 * connstring: "fake:PATH" selects the fake, anything else is a libnfc connstring such as
 * "pn532_uart:/dev/ttyAMA0:115200".
 *
 * The backend reports placements, not presence: poll() returns a card once when it is put on
 * the reader, and again only after it was taken away (or another card replaced it).
 *
 * Threads: all calls from one thread (the tap loop), except reader_interrupt.
 */
#ifndef KIUM_FIRMWARE_READER_H
#define KIUM_FIRMWARE_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tap.h"

struct reader_card {
	uint8_t uid[TAP_UID_MAX];
	uint8_t uid_len;
};

struct reader_options {
	const char *connstring;
	int poll_ms;      /* longest a poll may wait for a card before returning 0 (>= 150) */
	int presence_ms;  /* while a card lies on the reader: how often to check it is still there */
	int watchdog_ms;  /* a command taking longer than this is aborted (nfc_abort_command) */
};

struct reader_ops {
	const char *name;
	/* 0 and *priv, or a negative errno after logging why. */
	int (*open)(const struct reader_options *opt, void **priv);
	/* Blocks at most about opt->poll_ms (never spins). 1 and *card: a card was placed;
	 * 0: nothing new; negative errno: the reader failed (garbage, no answer, gone): the
	 * caller may retry, and closes and reopens it when failures repeat. */
	int (*poll)(void *priv, struct reader_card *card);
	/* Any thread: makes a blocking poll return soon (shutdown). */
	void (*interrupt)(void *priv);
	void (*close)(void *priv);
};

extern const struct reader_ops reader_nfc_ops;
extern const struct reader_ops reader_fake_ops;

/* The backend a connstring selects. */
const struct reader_ops *reader_ops_for(const char *connstring);

#endif
