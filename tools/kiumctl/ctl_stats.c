/*
 * kiumctl stats: the statistics rollups (hub/store/store_stats.h). `rebuild` recomputes
 * them from the taps, cards, corrections and bookings, in one transaction — after a restore
 * of an older backup, or when in doubt; the hub may keep running (it waits for the lock).
 * `check` compares each child's day of taps (attendance_child_day, what reconciliation
 * reads) with its recomputation from the taps and cards, and fails when they differ.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tools/kiumctl/ctl.h"
#include "hub/store/store.h"
#include "hub/store/store_stats.h"
#include "hub/store/store_visits.h"

static int stats_check(struct store *st)
{
	size_t diff = 0;
	int r = store_visits_check(st, &diff);

	if (r < 0) {
		ctl_err("cannot check the children's days of taps (%s)", strerror(-r));
		return CTL_EXIT_FAIL;
	}
	printf("children's days of taps: %zu rows differ from the taps\n", diff);
	return diff ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

int ctl_stats(const char *data, int argc, char **argv)
{
	struct store *st = NULL;
	int r;

	if (argc != 1 || (strcmp(argv[0], "rebuild") != 0 && strcmp(argv[0], "check") != 0))
		return ctl_usage("stats needs rebuild or check");
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	if (strcmp(argv[0], "check") == 0) {
		r = stats_check(st);
		store_close(st);
		return r;
	}
	r = store_stats_rebuild(st);
	store_close(st);
	if (r < 0) {
		ctl_err("cannot rebuild the statistics (%s)", strerror(-r));
		return CTL_EXIT_FAIL;
	}
	printf("statistics rebuilt\n");
	return CTL_EXIT_OK;
}
