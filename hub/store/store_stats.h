/*
 * Statistics rollups in the store (통계관리, issue 7): what the statistics screens read,
 * kept current in the same transaction as what causes it, so that a district-month reads a
 * few thousand small rows instead of millions of taps.
 *
 *   stats_day(facility, day, present, taps, arrivals, departures, unknown,
 *             booked_regular, booked_temporary, booked_sick)
 *       one row per facility and Seoul day: children present (counted once a day),
 *       taps stored, taps the reader called arrival / departure, taps of cards nobody
 *       held, and approved bookings taking place that day per care type.
 *   stats_child_day(facility, day, child, status, present)
 *       one row per child seen (tapped, or corrected by staff) at a facility on a day;
 *       present = the latest correction's status when there is one (present, late,
 *       left_early, no_departure, unreserved count; absent, expected do not), else 1
 *       (the child tapped). status is NULL while nobody corrected the day.
 *
 * Rules (the same in the hooks and in the rebuild, which the tests compare):
 *   - A tap counts where it was tapped (a child of another facility visiting counts there).
 *     Its child is the card's holder at the tap's effective time (at its receipt when that
 *     time is untrusted), else the holder when the hub received it: store_attendance_day's
 *     rule. A tap of a card nobody held counts in `unknown` only.
 *   - booked: a booking adds 1 to each of its days (weekday aware) when it becomes
 *     approved, and removes 1 from its days from the Seoul day it leaves approved on
 *     (cancelled): days already past stay booked, so last month's figures do not change
 *     when a booking is cancelled today.
 * Hooks: store_stats_tap (attendance ingest, per stored tap), store_stats_booking (every
 * booking state change, store_bookings.c), store_stats_correction (store_corrections.c).
 * Each must run inside the caller's write transaction.
 */
#ifndef KIUM_HUB_STORE_STATS_H
#define KIUM_HUB_STORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "hub/store/store.h"

/* A stored tap (not a rejected record), within the batch's transaction. Two or three
 * statements prepared once: the card's holder, the child-day row, the facility-day row. */
int store_stats_tap(struct store *st, const char *facility, const struct tap *tap,
		    int64_t time_ms, int64_t received_ms, enum store_time_flag flag);
/* A booking moves from state `from` ("" when new) to `to` (b's slot: kind, days,
 * weekdays; b->state is not read). Only moves into or out of "approved" change anything. */
int store_stats_booking(struct store *st, const struct store_booking *b, const char *from,
			const char *to, int64_t now_ms);
/* A correction was added (the latest for its child-day wins). */
int store_stats_correction(struct store *st, const struct store_correction *c);
/* Recomputes both tables from taps, cards, corrections, bookings and their events, in one
 * transaction (kiumctl stats rebuild; the migration that made the tables ran it too). */
int store_stats_rebuild(struct store *st);

/* Which facilities a statistic covers. NULL / -1: any. */
struct store_stats_scope {
	const char *district;   /* "NW" */
	const char *types;      /* "UK,CC": one of these types */
	const char *facility;   /* one facility code */
	const char *kind;       /* facility_care.kind: general, convergent, hub */
	int operating;          /* 운영여부: -1 any, 0, 1 */
};

struct store_stats_facility {
	char code[STORE_FACILITY_CODE_MAX];
	char name[STORE_NAME_MAX];
	char district[STORE_SHORT_MAX];
	char type[STORE_SHORT_MAX];
	char kind[STORE_SHORT_MAX];   /* "" when the facility has no care settings */
	int capacity;                 /* -1 when none */
	int operating;
};
/* The facilities in scope, ordered by code. Caller frees. */
int store_stats_facilities(struct store *st, const struct store_stats_scope *sc,
			   struct store_stats_facility **out, size_t *n);

struct store_stats_day {
	char facility[STORE_FACILITY_CODE_MAX];
	int64_t day;
	int64_t present, taps, arrivals, departures, unknown;
	int64_t booked[3];            /* regular, temporary, sick */
	int capacity;                 /* the capacity in force that day; -1 none */
};
/* Appends one facility's stats_day rows with from_day <= day <= to_day, ordered by day, to
 * *v (n rows held, cap allocated; grown as store_grow does). Callers loop over the
 * facilities store_stats_facilities gave: one index seek each. Caller frees *v. */
int store_stats_days(struct store *st, const char *facility, int64_t from_day, int64_t to_day,
		     struct store_stats_day **v, size_t *n, size_t *cap);

/* Appends one facility's (kind index, child) pairs, distinct: children with a booking
 * approved on some day of [from_day, to_day] (a booking cancelled after approval counts
 * when the cancellation came after the period began), and with kind -1 the children
 * present (stats_child_day) in the period. Same array contract. */
struct store_stats_user {
	char facility[STORE_FACILITY_CODE_MAX];
	int kind;                     /* 0 regular, 1 temporary, 2 sick, -1 attended */
	char child[STORE_ID_MAX];
};
int store_stats_users(struct store *st, const char *facility, int64_t from_day, int64_t to_day,
		      struct store_stats_user **v, size_t *n, size_t *cap);

/* 0 regular, 1 temporary, 2 sick, -1 otherwise. */
int store_stats_kind_index(const char *kind);

#endif
