/*
 * Booking rules of seed 001 (예약정책, DOMAIN.md) as pure functions: which care a center
 * offers, the booking windows (regular >= 30 days from today on; temporary and sick-child
 * care today up to 14 days ahead), the city's four terms with their opening hours, the
 * documents checklist, capacity over overlapping hours, the waitlist limit and the
 * extension rule. No storage, no HTTP: hub/store/store_bookings.c keeps the places held as
 * load points (below) and calls booking_capacity_check_load inside the write transaction
 * that inserts the booking.
 *
 * Units: days are Seoul local day numbers (clock_seoul_day); times of day are minutes since
 * local midnight, a booking's hours the half-open interval [start_min, end_min).
 * Refusals come back as a stable reason code (*why, a static string) that the API answers
 * with; every code has a Korean/English message in booking_reason_message.
 */
#ifndef KIUM_HUB_DOMAIN_BOOKING_H
#define KIUM_HUB_DOMAIN_BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/domain/org.h"

#define BOOKING_REGULAR_MIN_DAYS 30   /* 정기돌봄: at least 30 days */
#define BOOKING_AHEAD_MAX_DAYS 14     /* 일시돌봄: today + 2 weeks */
#define BOOKING_TERMS_PER_YEAR 4      /* spring, summer vacation, fall, winter vacation */
#define BOOKING_WAIT_FACTOR 2         /* temporary care: up to 2x capacity may wait */

enum booking_kind {
	BOOKING_REGULAR = 0, /* 정기돌봄 */
	BOOKING_TEMPORARY,   /* 일시돌봄 (긴급돌봄) */
	BOOKING_SICK,        /* 아픈아이 돌봄 */
	BOOKING_KIND_COUNT,
};

/* Life of a booking. Held states take a place (count against capacity). */
enum booking_state {
	BOOKING_PENDING = 0, /* 신청: applied, place held, awaiting the center */
	BOOKING_APPROVED,    /* 이용중 */
	BOOKING_WAITING,     /* 예약대기 */
	BOOKING_OFFERED,     /* a freed place offered to the first in line; held until deadline */
	BOOKING_REJECTED,    /* 반려 */
	BOOKING_CANCELLED,   /* 취소 */
	BOOKING_EXPIRED,     /* an offer not accepted in time */
	BOOKING_STATE_COUNT,
};

const char *booking_kind_code(enum booking_kind k);   /* "regular", "temporary", "sick" */
int booking_kind_parse(const char *s, enum booking_kind *k);
const char *booking_state_code(enum booking_state s); /* "pending", "approved", ... */
int booking_state_parse(const char *s, enum booking_state *out);
bool booking_state_holds(enum booking_state s);

/* What a center offers (facility_care): its kind, base capacity, sick-child places. */
struct booking_facility {
	enum org_kium_kind kind;  /* GENERAL/CONVERGENT/HUB; NONE takes no bookings */
	int capacity;             /* 정원 (base) */
	int sick_capacity;        /* 0: no sick-child care */
};

/* A term (이용분기) set by the city: inclusive days, opening hours, meals and snacks. */
struct booking_term {
	int year, index;          /* index 1..4 */
	char name[64];
	int64_t start_day, end_day;
	int open_min, close_min;
	bool meal, snack;
};

/* The shape of a booking: the inclusive days, the weekdays (bit 0 = Monday .. bit 6 =
 * Sunday; a temporary/sick booking has one day and its mask is ignored), the hours. */
struct booking_slot {
	enum booking_kind kind;
	int64_t start_day, end_day;
	unsigned weekdays;
	int start_min, end_min;
};

#define BOOKING_WEEKDAYS_ALL 0x7fu

/* Monday = 0 .. Sunday = 6 of a day number (1970-01-01 was a Thursday). */
int booking_weekday(int64_t day);
/* Whether the slot takes place on that day. */
bool booking_slot_on(const struct booking_slot *s, int64_t day);

/* Checks a new booking against the center, the calendar and today. 0, or -EINVAL with
 * *why one of: kind_not_offered, regular_not_offered, sick_not_offered, hours_invalid,
 * weekdays_invalid, dates_invalid, start_past, regular_too_short, temporary_window,
 * no_term, outside_hours. terms: the city's terms (any order). */
int booking_validate(const struct booking_slot *s, const struct booking_facility *f,
		     const struct booking_term *terms, size_t nterms, int64_t today,
		     const char **why);

/* The term containing day, or NULL. */
const struct booking_term *booking_term_of(const struct booking_term *terms, size_t n,
					   int64_t day);
/* A year's terms: exactly four, indexes 1..4 in order, each start <= end, contiguous or
 * gapped but never overlapping, hours 0 <= open < close <= 1440. 0 or -EINVAL (*why). */
int booking_terms_check(const struct booking_term *terms, size_t n, const char **why);

/* Capacity over overlapping hours. held: the bookings holding places (any kind; sick ones
 * use the sick pool). At every minute of every day of cand, with cand added:
 *   general/convergent: regular <= capacity and regular + temporary <= capacity +
 *     org_temporary_allowance(capacity) (the allowance is temporary-only);
 *   hub: temporary <= capacity (no regular care);
 *   sick: sick <= sick_capacity.
 * 0 when cand fits; -ENOSPC when it does not (*why "full", *full_day the first day);
 * -EINVAL for a kind the center does not offer; -ENOMEM. */
int booking_capacity_check(const struct booking_facility *f, const struct booking_slot *held,
			   size_t nheld, const struct booking_slot *cand, int64_t *full_day,
			   const char **why);

/* The places held at a center as a step function: at `minute` of `day`, delta[pool]
 * bookings start (+) or end (-) there; pools 0 regular, 1 temporary, 2 sick. A held booking
 * contributes +1 at its start and -1 at its end on each day it takes place; the occupancy at
 * minute m of a day is the sum of the deltas of that day's points at or before m. The store
 * keeps these per facility (table booking_load), so a decision reads a few points instead
 * of every held booking. */
struct booking_load_point {
	int64_t day;
	int minute;
	int delta[3];
};

/* booking_capacity_check over load points instead of bookings: p sorted by (day, minute),
 * at most one point per (day, minute); points outside cand's days or at/after its end are
 * ignored. Same answers as booking_capacity_check on the bookings the points describe. */
int booking_capacity_check_load(const struct booking_facility *f,
				const struct booking_load_point *p, size_t np,
				const struct booking_slot *cand, int64_t *full_day,
				const char **why);

/* The load points of held slots over days [from, to], sorted and merged (one point per day
 * and minute; points whose deltas cancel out are dropped). *out: caller frees. 0 or -ENOMEM. */
int booking_load_points(const struct booking_slot *held, size_t nheld, int64_t from, int64_t to,
			struct booking_load_point **out, size_t *n);

/* The pool (0 regular, 1 temporary, 2 sick) a kind's places come from. */
int booking_pool(enum booking_kind k);

/* How many may wait for a kind: temporary and sick BOOKING_WAIT_FACTOR x their capacity;
 * regular: unbounded (-1). */
int booking_wait_limit(const struct booking_facility *f, enum booking_kind k);

/* Extension (이용기간 연장): a regular booking may be extended into the next term only when
 * it runs to the last day of its current term. Fills next with the new slot (the whole next
 * term, same weekdays and hours). -EINVAL with *why: extension_regular_only,
 * extension_not_term_end, extension_no_next_term. */
int booking_extension(const struct booking_slot *cur, const struct booking_term *terms,
		      size_t nterms, struct booking_slot *next, const char **why);

/* The documents checklist of an online application (신청서, 개인정보 동의, 인솔/응급처치/
 * 귀가 동의 on-line or on paper, 입소서류). docs_* "online" or "paper" for the consents.
 * 0 or -EINVAL with *why "documents_missing" and *missing the first missing item's name. */
struct booking_docs {
	bool application, privacy_consent, admission_docs;
	const char *pickup, *first_aid, *going_home; /* "online", "paper" or NULL */
};
int booking_docs_check(const struct booking_docs *d, const char **why, const char **missing);

/* Korean/English message of a reason code, or NULL. */
const char *booking_reason_message(const char *code);

#endif
