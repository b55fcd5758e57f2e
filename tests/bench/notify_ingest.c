/*
 * What the notification hook costs tap ingest: batches of 100 taps through attendance_ingest
 * (one durable transaction each) for three kinds of card: unknown cards (the hook returns
 * before any query), children without guardians (one indexed lookup, nothing written), and
 * children with two confirmed guardians (the lookup and two outbox rows per tap).
 * Prints "bench: notify_ingest_<kind> <taps/s> taps/s".
 *
 *   notify_ingest DIR [SECONDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

#define BATCH 100
#define KIDS 100
#define T0 1795327200000LL
#define BOOT "11111111-2222-3333-4444-555555555555"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int seed(struct store *st, int kind)
{
	struct store_facility f = { "NWUK015", "bench", "NW", "UK", 0 };
	int r;

	if ((r = store_facility_add(st, &f, 1)) < 0 ||
	    (r = store_device_add(st, "NWUK015-R01", "NWUK015", "01", "02", 1)) < 0)
		return r;
	for (int i = 0; i < KIDS && kind > 0; i++) {
		uint8_t uid[4] = { 0x04, 0x10, 0x00, (uint8_t)i };
		char id[16];

		snprintf(id, sizeof(id), "C%03d", i);
		if ((r = store_child_add(st, id, "김민수", "NWUK015", 1)) < 0 ||
		    (r = store_card_assign(st, uid, 4, id, 1)) < 0)
			return r;
		for (int g = 0; kind == 2 && g < 2; g++) {
			struct store_account a = { 0 };

			snprintf(a.id, sizeof(a.id), "p%03d_%d", i, g);
			snprintf(a.name, sizeof(a.name), "보호자");
			snprintf(a.phone, sizeof(a.phone), "010%04d%04d", i % 10000, g % 10000);
			snprintf(a.state, sizeof(a.state), "approved");
			snprintf(a.pw_hash, sizeof(a.pw_hash), "x");
			a.enabled = true;
			if ((r = store_account_add(st, &a, "b", 1)) < 0 ||
			    (r = store_guardian_request(st, a.id, id, 1)) < 0 ||
			    (r = store_guardian_confirm(st, a.id, id, "b", 1)) < 0)
				return r;
		}
	}
	return 0;
}

static int run(const char *dir, int kind, double seconds, double *rate)
{
	struct attendance_result res[BATCH];
	struct tap taps[BATCH];
	struct tap_batch b;
	struct store *st = NULL;
	char path[512];
	uint64_t seq = 0, high = 0;
	double t0, el;
	int r;

	snprintf(path, sizeof(path), "%s/notify%d.db", dir, kind);
	if ((r = store_open(path, &st)) < 0 || (r = seed(st, kind)) < 0)
		goto out;
	memset(&b, 0, sizeof(b));
	snprintf(b.device, sizeof(b.device), "NWUK015-R01");
	snprintf(b.boot_id, sizeof(b.boot_id), BOOT);
	b.clock_synced = true;
	b.n = BATCH;
	b.taps = taps;
	t0 = now_s();
	do {
		for (int i = 0; i < BATCH; i++) {
			struct tap *t = &taps[i];
			uint8_t k = (uint8_t)((seq + 1) % KIDS);

			memset(t, 0, sizeof(*t));
			t->seq = ++seq;
			t->uid[0] = 0x04;
			t->uid[1] = kind ? 0x10 : 0x20;
			t->uid[3] = k;
			t->uid_len = 4;
			t->wall_ms = T0 + (int64_t)seq;
			snprintf(t->boot_id, sizeof(t->boot_id), BOOT);
			t->mono_ms = (int64_t)seq;
			t->clock_synced = true;
			t->dir = kind ? TAP_DIR_IN : TAP_DIR_NONE;
			t->result = kind ? TAP_RESULT_ARRIVAL : TAP_RESULT_UNKNOWN_CARD;
		}
		b.mono_ms = (int64_t)seq;
		if ((r = attendance_ingest(st, "NWUK015-R01", &b, NULL, T0 + (int64_t)seq, res,
					   &high)) < 0)
			goto out;
		el = now_s() - t0;
	} while (el < seconds);
	*rate = (double)seq / el;
out:
	store_close(st);
	return r;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "unknown_card", "no_guardian", "two_guardians" };
	double secs = argc > 2 ? atof(argv[2]) : 3, rate;

	if (argc < 2) {
		fprintf(stderr, "usage: notify_ingest DIR [SECONDS]\n");
		return 2;
	}
	log_set_level(KLOG_WARNING);
	for (int k = 0; k < 3; k++) {
		if (run(argv[1], k, secs, &rate) < 0) {
			fprintf(stderr, "notify_ingest: %s failed\n", names[k]);
			return 1;
		}
		printf("bench: notify_ingest_%s %.0f taps/s\n", names[k], rate);
	}
	return 0;
}
