/* Fuzz target: the tap batch JSON decoder (common/tap.c), as the hub runs it on a body. */
#include "common/tap.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	struct tap_batch b;
	const char **why = NULL, *why_batch = NULL;

	if (!j)
		return 0;
	if (tap_batch_from_json(j, &b, &why, &why_batch) == 0) {
		json_t *again = tap_batch_to_json(&b);

		json_decref(again);
		tap_batch_free(&b, why);
	}
	json_decref(j);
	return 0;
}
