/*
 * Fuzz target: a device's upload as the hub handles it after TLS: the batch JSON decoded by
 * common/tap.c, then attendance_ingest into a store (in memory, kept across inputs so that
 * sequences, duplicates and gaps accumulate), and the same bytes as an API token for
 * store_token_verify. Checks the ingest invariants: a record is stored only at the next
 * sequence, the high mark never moves back, and every result is one of the three outcomes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

#define DEV "NWUK015-R01"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *fuzz_store(void)
{
	static struct store *st;
	static const uint8_t uid[4] = { 0x04, 0xa1, 0xb2, 0xc3 };
	struct store_facility f = { "NWUK015", "fuzz", "NW", "UK", 0 };

	if (st)
		return st;
	log_init("fuzz", KLOG_ERR - 1); /* quiet */
	if (store_open(":memory:", &st) < 0 || store_facility_add(st, &f, 1) < 0 ||
	    store_child_add(st, "C001", "김민수", "NWUK015", 1) < 0 ||
	    store_card_assign(st, uid, 4, "C001", 1) < 0 ||
	    store_device_add(st, DEV, "NWUK015", "01", "02", 1) < 0)
		abort();
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store *st = fuzz_store();
	struct attendance_result *res = NULL;
	struct store_device before, after;
	struct tap_batch b;
	const char **why = NULL, *why_batch = NULL;
	char role[STORE_SHORT_MAX], *text = NULL;
	json_t *j;
	uint64_t high = 0;
	int64_t id;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (store_token_verify(st, text, &id, role, sizeof(role)) == 0)
		abort(); /* no token was ever created */
	free(text);

	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return 0;
	if (tap_batch_from_json(j, &b, &why, &why_batch) < 0)
		goto out;
	snprintf(b.device, sizeof(b.device), DEV);
	res = calloc(b.n ? b.n : 1, sizeof(*res));
	if (!res || store_device_get(st, DEV, &before) < 0)
		abort();
	if (attendance_ingest(st, DEV, &b, why, 1795327200000LL, res, &high) == 0) {
		if (store_device_get(st, DEV, &after) < 0 || after.seq_high != high ||
		    high < before.seq_high || high > before.seq_high + b.n)
			abort();
		for (size_t i = 0; i < b.n; i++) {
			if (res[i].outcome == ATTENDANCE_STORED &&
			    (b.taps[i].seq <= before.seq_high || b.taps[i].seq > high))
				abort();
			if (res[i].outcome == ATTENDANCE_REJECTED && !res[i].reason)
				abort();
			if (res[i].outcome > ATTENDANCE_REJECTED)
				abort();
		}
	}
	free(res);
	tap_batch_free(&b, why);
out:
	json_decref(j);
	return 0;
}
