/* The tap record and its JSON codec: see tap.h. */
#include "common/tap.h"

#include "common/hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tap_uid_parse(const char *hex, uint8_t *uid, uint8_t *len)
{
	size_t n = strlen(hex);

	if ((n != 8 && n != 14 && n != 20) || hex_decode(hex, uid, n / 2) < 0)
		return -EINVAL;
	*len = (uint8_t)(n / 2);
	return 0;
}

void tap_uid_format(const uint8_t *uid, uint8_t len, char *out, size_t outlen)
{
	hex_encode(uid, len, false, out, outlen);
}

static const char *const tap_dir_names[] = { "none", "in", "out" };
static const char *const tap_result_names[] = { "arrival", "departure", "unknown" };

const char *tap_dir_name(enum tap_dir dir)
{
	return (unsigned)dir < 3 ? tap_dir_names[dir] : "?";
}

const char *tap_result_name(enum tap_result result)
{
	return (unsigned)result < 3 ? tap_result_names[result] : "?";
}

int tap_dir_parse(const char *s, enum tap_dir *dir)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, tap_dir_names[i]) == 0) {
			*dir = (enum tap_dir)i;
			return 0;
		}
	return -EINVAL;
}

int tap_result_parse(const char *s, enum tap_result *result)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, tap_result_names[i]) == 0) {
			*result = (enum tap_result)i;
			return 0;
		}
	return -EINVAL;
}

bool tap_device_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= TAP_DEVICE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool tap_boot_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TAP_BOOT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hex_digit(s[i]) < 0 && s[i] != '-')
			return false;
	return true;
}

json_t *tap_to_json(const struct tap *tap)
{
	char uid[2 * TAP_UID_MAX + 1];

	tap_uid_format(tap->uid, tap->uid_len, uid, sizeof(uid));
	return json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:s, s:s}",
			 "seq", (json_int_t)tap->seq, "uid", uid, "wall_ms", (json_int_t)tap->wall_ms,
			 "boot_id", tap->boot_id, "mono_ms", (json_int_t)tap->mono_ms,
			 "clock", tap->clock_synced ? "synced" : "unsynced",
			 "dir", tap_dir_name(tap->dir), "result", tap_result_name(tap->result));
}

/* Wall times before 2020 or after 2100 are not from a working clock of this product. */
#define TAP_WALL_MIN 1577836800000LL
#define TAP_WALL_MAX 4102444800000LL

int tap_from_json(const json_t *obj, struct tap *tap, const char **why)
{
	const json_t *v;
	const char *s;

	memset(tap, 0, sizeof(*tap));
	if (!json_is_object(obj)) {
		*why = "not_an_object";
		return -EINVAL;
	}
	v = json_object_get(obj, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		*why = "bad_seq";
		return -EINVAL;
	}
	tap->seq = (uint64_t)json_integer_value(v);
	v = json_object_get(obj, "uid");
	if (!json_is_string(v) || tap_uid_parse(json_string_value(v), tap->uid, &tap->uid_len) < 0) {
		*why = "bad_uid";
		return -EINVAL;
	}
	v = json_object_get(obj, "clock");
	s = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(s, "synced") == 0) {
		tap->clock_synced = true;
	} else if (strcmp(s, "unsynced") != 0) {
		*why = "bad_clock";
		return -EINVAL;
	}
	v = json_object_get(obj, "wall_ms");
	if (!json_is_integer(v)) {
		*why = "bad_time";
		return -EINVAL;
	}
	tap->wall_ms = json_integer_value(v);
	/* An unsynced clock may say anything (often 1970); a synced one must be plausible. */
	if (tap->clock_synced && (tap->wall_ms < TAP_WALL_MIN || tap->wall_ms > TAP_WALL_MAX)) {
		*why = "bad_time";
		return -EINVAL;
	}
	v = json_object_get(obj, "mono_ms");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*why = "bad_time";
		return -EINVAL;
	}
	tap->mono_ms = json_integer_value(v);
	v = json_object_get(obj, "boot_id");
	if (!json_is_string(v) || !tap_boot_id_valid(json_string_value(v))) {
		*why = "bad_boot_id";
		return -EINVAL;
	}
	snprintf(tap->boot_id, sizeof(tap->boot_id), "%s", json_string_value(v));
	v = json_object_get(obj, "dir");
	if (!json_is_string(v) || tap_dir_parse(json_string_value(v), &tap->dir) < 0) {
		*why = "bad_dir";
		return -EINVAL;
	}
	v = json_object_get(obj, "result");
	if (!json_is_string(v) || tap_result_parse(json_string_value(v), &tap->result) < 0) {
		*why = "bad_result";
		return -EINVAL;
	}
	/* The direction must agree with the result. */
	if ((tap->result == TAP_RESULT_ARRIVAL && tap->dir != TAP_DIR_IN) ||
	    (tap->result == TAP_RESULT_DEPARTURE && tap->dir != TAP_DIR_OUT) ||
	    (tap->result == TAP_RESULT_UNKNOWN_CARD && tap->dir != TAP_DIR_NONE)) {
		*why = "bad_dir";
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}

json_t *tap_batch_to_json(const struct tap_batch *batch)
{
	json_t *arr = json_array(), *obj = NULL;

	if (!arr)
		return NULL;
	for (size_t i = 0; i < batch->n; i++)
		if (json_array_append_new(arr, tap_to_json(&batch->taps[i])) < 0)
			goto fail;
	obj = json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "device", batch->device,
			"boot_id", batch->boot_id, "mono_ms", (json_int_t)batch->mono_ms,
			"wall_ms", (json_int_t)batch->wall_ms,
			"clock", batch->clock_synced ? "synced" : "unsynced", "taps", arr);
	return obj; /* json_pack's "o" stole arr, even on failure */
fail:
	json_decref(arr);
	return NULL;
}

int tap_batch_from_json(const json_t *obj, struct tap_batch *batch, const char ***why,
			const char **why_batch)
{
	const json_t *v, *arr;
	const char **reasons = NULL;
	size_t n;

	memset(batch, 0, sizeof(*batch));
	*why = NULL;
	if (!json_is_object(obj)) {
		*why_batch = "bad_batch";
		return -EINVAL;
	}
	v = json_object_get(obj, "device");
	if (!json_is_string(v) || !tap_device_id_valid(json_string_value(v))) {
		*why_batch = "bad_device";
		return -EINVAL;
	}
	snprintf(batch->device, sizeof(batch->device), "%s", json_string_value(v));
	v = json_object_get(obj, "boot_id");
	if (!json_is_string(v) || !tap_boot_id_valid(json_string_value(v))) {
		*why_batch = "bad_boot_id";
		return -EINVAL;
	}
	snprintf(batch->boot_id, sizeof(batch->boot_id), "%s", json_string_value(v));
	v = json_object_get(obj, "mono_ms");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*why_batch = "bad_time";
		return -EINVAL;
	}
	batch->mono_ms = json_integer_value(v);
	v = json_object_get(obj, "wall_ms");
	batch->wall_ms = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(obj, "clock");
	batch->clock_synced = json_is_string(v) && strcmp(json_string_value(v), "synced") == 0;
	arr = json_object_get(obj, "taps");
	if (!json_is_array(arr)) {
		*why_batch = "bad_batch";
		return -EINVAL;
	}
	n = json_array_size(arr);
	if (n > TAP_BATCH_MAX) {
		*why_batch = "too_many";
		return -EINVAL;
	}
	batch->taps = calloc(n ? n : 1, sizeof(*batch->taps));
	reasons = calloc(n ? n : 1, sizeof(*reasons));
	if (!batch->taps || !reasons) {
		free(batch->taps);
		free(reasons);
		batch->taps = NULL;
		*why_batch = "no_memory";
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		tap_from_json(json_array_get(arr, i), &batch->taps[i], &reasons[i]);
	batch->n = n;
	*why = reasons;
	*why_batch = NULL;
	return 0;
}

void tap_batch_free(struct tap_batch *batch, const char **why)
{
	free(batch->taps);
	batch->taps = NULL;
	batch->n = 0;
	free((void *)why);
}
