/*
 * Booking routes (issue 6; portal_care.c, portal_bookings.c, portal_reconcile.c): terms,
 * care settings, applications and offline registrations, decisions, cancellations, waitlist offers,
 * extensions, staff and parent lists, and the day's reconciliation of attendance.
 */
#ifndef KIUM_HUB_API_BOOKINGS_H
#define KIUM_HUB_API_BOOKINGS_H

#include <stddef.h>
#include <stdint.h>

#include "hub/api/api.h"

struct store_care;
struct store_booking;
struct store_booking_load;

/* How long a waitlist offer stays open. */
#define API_BOOKING_OFFER_MS (24LL * 3600 * 1000)

/* The store's fit callback (store_booking_fit_fn) applying hub/domain/booking.c: 0 a place,
 * 1 wait, -ENOSPC waitlist_full, -EINVAL kind not offered. arg unused. */
int api_booking_fit(void *arg, const struct store_care *care, const struct store_booking *cand,
		    const struct store_booking_load *load, size_t nload, size_t nwaiting,
		    const char **why);

/* Answers the error shape with a booking reason code's message. */
void api_booking_refuse(struct api_call *call, int status, const char *code,
			const char *detail);

struct store;
struct reconcile_row;
/* Reconciles facility's Seoul day as of now_ms (its approved bookings against its taps, with
 * staff corrections applied; hub/domain/reconcile.h). Caller frees *out. */
int api_reconcile_compute(struct store *st, const char *facility, int64_t day, int64_t now_ms,
			  struct reconcile_row **out, size_t *n);

/* "HH:MM" -> minutes since midnight ("24:00" allowed as an end); 0 or -EINVAL. */
int api_booking_hhmm_parse(const char *s, int *min);
/* New references: "HH:MM" of minutes, "YYYY-MM-DD" of a Seoul day number. */
json_t *api_booking_hhmm_json(int min);
json_t *api_booking_day_json(int64_t day);

void api_terms_put(struct api_call *call);
void api_terms_get(struct api_call *call);
void api_care_put(struct api_call *call);
void api_care_get(struct api_call *call);
void api_bookings_create(struct api_call *call);
void api_bookings_list(struct api_call *call);
void api_booking_get(struct api_call *call);
void api_booking_decision(struct api_call *call);
void api_booking_cancel(struct api_call *call);
void api_booking_accept(struct api_call *call);
void api_booking_extend(struct api_call *call);
void api_bookings_mine(struct api_call *call);
void api_reconcile_get(struct api_call *call);
void api_reconcile_correct(struct api_call *call);
void api_child_attendance(struct api_call *call);

#endif
