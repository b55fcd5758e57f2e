/*
 * kiumctl stats: the statistics rollups (hub/store/store_stats.h). `rebuild` recomputes
 * them from the taps, cards, corrections and bookings, in one transaction — after a restore
 * of an older backup, or when in doubt; the hub may keep running (it waits for the lock).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tools/kiumctl/ctl.h"
#include "hub/store/store.h"
#include "hub/store/store_stats.h"

int ctl_stats(const char *data, int argc, char **argv)
{
	struct store *st = NULL;
	int r;

	if (argc != 1 || strcmp(argv[0], "rebuild") != 0)
		return ctl_usage("stats needs rebuild");
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	r = store_stats_rebuild(st);
	store_close(st);
	if (r < 0) {
		ctl_err("cannot rebuild the statistics (%s)", strerror(-r));
		return CTL_EXIT_FAIL;
	}
	printf("statistics rebuilt\n");
	return CTL_EXIT_OK;
}
