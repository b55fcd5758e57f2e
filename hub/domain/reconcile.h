/*
 * Reconciliation of attendance (출결): one facility's day of bookings against its day of
 * taps, as a pure function. Each booked child is present, late (first tap after the booked
 * start plus a grace), left early (last tap before the booked end), without a departure tap
 * by closing time, absent, or still expected (the day has not reached start + grace); each
 * child who tapped without a booking is an unreserved visit. Staff corrections are laid
 * over the computed status (the taps are never changed).
 *
 * Taps alternate arrival/departure at the door; the first tap of the day is the arrival and,
 * when there are two or more, the last one the departure. Times are minutes since Seoul
 * midnight of the day.
 */
#ifndef KIUM_HUB_DOMAIN_RECONCILE_H
#define KIUM_HUB_DOMAIN_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECONCILE_ID_MAX 64
#define RECONCILE_GRACE_MIN 10   /* arriving up to 10 minutes after the start is on time */

enum reconcile_status {
	RECON_PRESENT = 0,   /* 출석 */
	RECON_LATE,          /* 지각 */
	RECON_LEFT_EARLY,    /* 조퇴 */
	RECON_NO_DEPARTURE,  /* 하원 미태그 */
	RECON_ABSENT,        /* 결석 */
	RECON_EXPECTED,      /* 등원 예정: the day has not reached start + grace */
	RECON_UNRESERVED,    /* 예약없는 이용 */
	RECON_STATUS_COUNT,
};

const char *reconcile_status_code(enum reconcile_status s); /* "present", "late", ... */
int reconcile_status_parse(const char *s, enum reconcile_status *out);

struct reconcile_booking {
	char child[RECONCILE_ID_MAX];
	int start_min, end_min;
};

struct reconcile_tap {
	char child[RECONCILE_ID_MAX];  /* "" for a card nobody held: ignored */
	int min;                       /* minute of the day of its effective time */
};

/* A child's day of taps at the facility, as the store keeps it as taps arrive
 * (store_visits.h): the first and last tap's minute and how many taps there were. */
struct reconcile_visit {
	char child[RECONCILE_ID_MAX];  /* "" for a card nobody held: ignored */
	int first_min, last_min;
	int ntaps;
};

struct reconcile_opts {
	int grace_min;   /* RECONCILE_GRACE_MIN by default */
	int close_min;   /* closing time of the day: a missing departure counts from then */
	int now_min;     /* minutes into the day now; >= 1440 when the day is over */
};

struct reconcile_row {
	char child[RECONCILE_ID_MAX];
	enum reconcile_status status;
	bool booked;
	int start_min, end_min;        /* booked hours (merged over the day's bookings), -1 none */
	int arrive_min, leave_min;     /* first and last tap, -1 none */
	int ntaps;
	bool late, left_early, no_departure;
};

struct reconcile_summary {
	int booked, users;             /* users: children who tapped in (일일 이용자) */
	int count[RECON_STATUS_COUNT];
};

/* Rows ordered by child id: one per booked child and one per unreserved child. bookings
 * and taps in any order (taps of a child are sorted here). Caller frees *out. -ENOMEM. */
int reconcile_day(const struct reconcile_booking *b, size_t nb, const struct reconcile_tap *t,
		  size_t nt, const struct reconcile_opts *o, struct reconcile_row **out,
		  size_t *n);
/* The same from each child's visit (one per child; bookings in any order). */
int reconcile_day_visits(const struct reconcile_booking *b, size_t nb,
			 const struct reconcile_visit *v, size_t nv, const struct reconcile_opts *o,
			 struct reconcile_row **out, size_t *n);
void reconcile_summarize(const struct reconcile_row *rows, size_t n,
			 struct reconcile_summary *s);

#endif
