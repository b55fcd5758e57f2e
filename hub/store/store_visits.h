/*
 * Each child's day of taps at a facility (attendance_child_day, store_attendance_sql.h),
 * kept in the same transaction as the taps: what reconciliation (출결) reads instead of
 * the day's taps, so that a facility-day costs one small range read however many taps it
 * had. The hook runs from store_stats_tap, where the tap's child is already resolved.
 */
#ifndef KIUM_HUB_STORE_VISITS_H
#define KIUM_HUB_STORE_VISITS_H

#include <stddef.h>
#include <stdint.h>

#include "hub/store/store.h"

struct store_visit {
	char child[STORE_ID_MAX];
	int64_t first_ms, last_ms;   /* the first and last tap's effective time */
	int taps;                    /* taps stored that day */
};

/* A stored tap of child at facility, effective time time_ms on Seoul day `day`; inside the
 * batch's write transaction. */
int store_visits_tap(struct store *st, const char *facility, int64_t day, const char *child,
		     int64_t time_ms);
/* The children who tapped at facility on day, ordered by child. Caller frees *out. */
int store_visits_day(struct store *st, const char *facility, int64_t day,
		     struct store_visit **out, size_t *n);
/* Compares the table kept tap by tap with its recomputation from the taps: *diff rows that
 * differ either way (0 when they agree). Reads only (a temporary table). */
int store_visits_check(struct store *st, size_t *diff);

#endif
