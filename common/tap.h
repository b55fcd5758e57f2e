/*
 * The tap record: what a reader journals for each card tap and uploads to the hub, and its
 * JSON codec (the device <-> hub contract in DESIGN.md).
 *
 * One record on the wire:
 *   {"seq":12,"uid":"04a1b2c3d4e5f6","wall_ms":1795000000000,"boot_id":"<uuid>",
 *    "mono_ms":123456,"clock":"synced","dir":"in","result":"arrival"}
 * A batch:
 *   {"device":"NWUK015-R01","boot_id":"<uuid of the uploader's current boot>",
 *    "mono_ms":<uploader's monotonic now>,"wall_ms":<uploader's wall now>,"clock":"synced",
 *    "taps":[record, ...]}
 * The batch's own (boot_id, mono_ms) lets the hub place unsynced taps of the same boot on its
 * own clock: corrected = hub_receive_ms - (batch.mono_ms - tap.mono_ms).
 */
#ifndef KIUM_COMMON_TAP_H
#define KIUM_COMMON_TAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAP_UID_MAX 10          /* ISO 14443-A: 4, 7 or 10 bytes */
#define TAP_DEVICE_ID_MAX 64
#define TAP_BOOT_ID_MAX 40      /* a UUID is 36 characters */
#define TAP_BATCH_MAX 1000      /* records in one upload */

enum tap_dir {
	TAP_DIR_NONE = 0, /* unknown card: no direction */
	TAP_DIR_IN,       /* arrival, 등원 */
	TAP_DIR_OUT,      /* departure, 하원 */
};

enum tap_result {
	TAP_RESULT_ARRIVAL = 0,
	TAP_RESULT_DEPARTURE,
	TAP_RESULT_UNKNOWN_CARD,
};

struct tap {
	uint64_t seq;                      /* per device, from 1, never reused */
	uint8_t uid[TAP_UID_MAX];
	uint8_t uid_len;
	int64_t wall_ms;                   /* UTC, as the reader's clock had it */
	char boot_id[TAP_BOOT_ID_MAX];
	int64_t mono_ms;                   /* CLOCK_MONOTONIC of that boot */
	bool clock_synced;
	enum tap_dir dir;
	enum tap_result result;
};

struct tap_batch {
	char device[TAP_DEVICE_ID_MAX];
	char boot_id[TAP_BOOT_ID_MAX];
	int64_t mono_ms;
	int64_t wall_ms;
	bool clock_synced;
	size_t n;
	struct tap *taps; /* n records, owned by the batch: tap_batch_free */
};

/* UIDs as lower-case hex. tap_uid_parse accepts upper or lower case, 4/7/10 bytes only. */
int tap_uid_parse(const char *hex, uint8_t *uid, uint8_t *len);
void tap_uid_format(const uint8_t *uid, uint8_t len, char *out, size_t outlen);

const char *tap_dir_name(enum tap_dir dir);
const char *tap_result_name(enum tap_result result);
int tap_dir_parse(const char *s, enum tap_dir *dir);
int tap_result_parse(const char *s, enum tap_result *result);
/* A device id: 1..63 of [A-Za-z0-9._-]. */
bool tap_device_id_valid(const char *id);

/* Encodes one record; returns a new reference or NULL on allocation failure. */
json_t *tap_to_json(const struct tap *tap);
/* Decodes one record. 0, or -EINVAL with *why set to a stable reason code such as
 * "bad_uid", "bad_seq", "bad_time", "bad_clock", "bad_dir", "bad_result", "not_an_object". */
int tap_from_json(const json_t *obj, struct tap *tap, const char **why);

/* Encodes a batch header plus records taps[0..n). New reference or NULL. */
json_t *tap_batch_to_json(const struct tap_batch *batch);
/* Decodes the batch header and the array, record by record: a record that does not decode
 * is kept with its reason in why[i] (NULL for good records) so that the rest of the batch can
 * still be stored. Returns -EINVAL with *why_batch for a batch that is unusable as a whole
 * ("bad_batch", "too_many", "bad_device", ...). Caller frees with tap_batch_free. */
int tap_batch_from_json(const json_t *obj, struct tap_batch *batch, const char ***why,
			const char **why_batch);
void tap_batch_free(struct tap_batch *batch, const char **why);

#endif
