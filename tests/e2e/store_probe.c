/*
 * Test helper: drives the hub's store the way the device handlers will, so that kiumctl's
 * view of the store can be checked end to end without the network.
 *
 *   store_probe DB ingest DEVICE_ID BATCH.json RECEIVED_MS
 *       prints {"acked_seq":N,"results":[{"seq":S,"status":...,"reason":...,"clock":...}]}
 *   store_probe DB token SECRET        prints "ok ID ROLE" or exits 1
 *   store_probe DB roster FACILITY SINCE   prints the delta as JSON
 *   store_probe DB status DEVICE_ID VERSION QUEUE CLOCK NOW_MS
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

static int ingest(struct store *st, char **argv)
{
	json_t *j = json_load_file(argv[1], 0, NULL), *out = NULL, *arr = NULL;
	struct tap_batch b = { 0 };
	struct attendance_result *res = NULL;
	const char **why = NULL, *why_batch = NULL;
	uint64_t high = 0;
	int r = -EINVAL;

	if (!j || tap_batch_from_json(j, &b, &why, &why_batch) < 0) {
		fprintf(stderr, "bad batch: %s\n", why_batch ? why_batch : "json");
		goto out;
	}
	res = calloc(b.n ? b.n : 1, sizeof(*res));
	if (!res)
		goto out;
	r = attendance_ingest(st, argv[0], &b, why, strtoll(argv[2], NULL, 10), res, &high);
	if (r < 0) {
		fprintf(stderr, "ingest: %s\n", strerror(-r));
		goto out;
	}
	arr = json_array();
	for (size_t i = 0; i < b.n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s?, s:s}", "seq",
						     (json_int_t)b.taps[i].seq, "status",
						     attendance_outcome_name(res[i].outcome),
						     "reason", res[i].reason, "clock",
						     attendance_time_flag_name(res[i].flag)));
	out = json_pack("{s:I, s:o}", "acked_seq", (json_int_t)high, "results", arr);
	json_dumpf(out, stdout, JSON_COMPACT);
	printf("\n");
out:
	json_decref(out);
	json_decref(j);
	free(res);
	tap_batch_free(&b, why);
	return r;
}

static int roster(struct store *st, char **argv)
{
	struct store_roster r;
	json_t *cards = json_array(), *removed = json_array(), *out;
	int ret = store_roster_delta(st, argv[0], strtoll(argv[1], NULL, 10), &r);

	if (ret < 0) {
		json_decref(cards);
		json_decref(removed);
		return ret;
	}
	for (size_t i = 0; i < r.n_entries; i++)
		json_array_append_new(cards, json_pack("{s:s, s:s, s:s}", "uidhash",
						       r.entries[i].uidhash, "child",
						       r.entries[i].child_id, "name",
						       r.entries[i].display));
	for (size_t i = 0; i < r.n_removed; i++)
		json_array_append_new(removed, json_string(r.removed[i]));
	out = json_pack("{s:I, s:b, s:o, s:o}", "version", (json_int_t)r.version, "full", r.full,
			"cards", cards, "removed", removed);
	json_dumpf(out, stdout, JSON_COMPACT);
	printf("\n");
	json_decref(out);
	store_roster_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	char role[STORE_SHORT_MAX];
	int64_t id;
	int r = -EINVAL;

	log_init("store_probe", KLOG_WARNING);
	if (argc < 3 || store_open(argv[1], &st) < 0)
		return 2;
	if (strcmp(argv[2], "ingest") == 0 && argc == 6) {
		r = ingest(st, argv + 3);
	} else if (strcmp(argv[2], "token") == 0 && argc == 4) {
		r = store_token_verify(st, argv[3], &id, role, sizeof(role));
		if (r == 0)
			printf("ok %" PRId64 " %s\n", id, role);
	} else if (strcmp(argv[2], "roster") == 0 && argc == 5) {
		r = roster(st, argv + 3);
	} else if (strcmp(argv[2], "status") == 0 && argc == 8) {
		struct store_device_status s = { argv[4], strtoll(argv[5], NULL, 10), argv[6] };

		r = store_device_status_put(st, argv[3], &s, strtoll(argv[7], NULL, 10));
	}
	store_close(st);
	return r < 0 ? 1 : 0;
}
