/*
 * Booking rules (hub/domain/booking.c) at their edges: 29 vs 30 days of regular care, day
 * 14 vs 15 of temporary care, opening hours of the term, exactly at capacity, the 20%
 * allowance's boundary, overlapping hours rather than day totals, hub centers, sick-child
 * care, the waitlist's 2x limit, extension on and off the term's last day. The capacity
 * check over load points agrees with a minute-by-minute count of the held bookings on
 * thousands of random cases.
 */
#include "tests/harness.h"

#include "common/clock.h"
#include "hub/domain/booking.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int64_t D(const char *s)
{
	int64_t d = 0;

	clock_day_parse(s, &d);
	return d;
}

static struct booking_term terms[4];

static void terms_init(void)
{
	terms[0] = (struct booking_term){ 2026, 1, "1학기", D("2026-03-02"), D("2026-07-20"), 540, 1140, true, true };
	terms[1] = (struct booking_term){ 2026, 2, "여름방학", D("2026-07-21"), D("2026-08-31"), 480, 1200, true, true };
	terms[2] = (struct booking_term){ 2026, 3, "2학기", D("2026-09-01"), D("2026-12-31"), 780, 1200, false, true };
	terms[3] = (struct booking_term){ 2026, 4, "겨울방학", D("2027-01-01"), D("2027-02-28"), 480, 1200, true, true };
}

static const struct booking_facility general10 = { ORG_KIND_GENERAL, 10, 0 };
static const struct booking_facility hub5 = { ORG_KIND_HUB, 5, 0 };

static int val(const struct booking_slot *s, const struct booking_facility *f, const char **why)
{
	return booking_validate(s, f, terms, 4, D("2026-11-22"), why);
}

TEST(regular_30_days)
{
	struct booking_slot s = { BOOKING_REGULAR, D("2026-11-22"), D("2026-12-20"), 0x1f, 840, 1080 };
	const char *why;

	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL); /* 29 days */
	CHECK_EQ_STR(why, "regular_too_short");
	s.end_day = D("2026-12-21"); /* 30 days, from today */
	CHECK_EQ_INT(val(&s, &general10, &why), 0);
	s.start_day = D("2026-11-21");
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "start_past");
	s.start_day = D("2026-11-22");
	s.weekdays = 0;
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "weekdays_invalid");
	s.weekdays = 0x1f;
	CHECK_EQ_INT(val(&s, &hub5, &why), -EINVAL);
	CHECK_EQ_STR(why, "regular_not_offered");
	/* Across terms: hours must fit every term it touches; a day without a term refuses. */
	s.start_day = D("2026-12-15");
	s.end_day = D("2027-01-20");
	CHECK_EQ_INT(val(&s, &general10, &why), 0);
	s.start_min = 600; /* 10:00: the winter term opens at 08:00, the fall term at 13:00 */
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "outside_hours");
	s.start_min = 840;
	s.start_day = D("2027-02-10");
	s.end_day = D("2027-03-20");
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "no_term");
}

TEST(temporary_14_days)
{
	struct booking_slot s = { BOOKING_TEMPORARY, D("2026-12-06"), D("2026-12-06"), 0, 780, 900 };
	const char *why;

	CHECK_EQ_INT(val(&s, &general10, &why), 0); /* day 14 */
	s.start_day = s.end_day = D("2026-12-07");  /* day 15 */
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "temporary_window");
	s.start_day = s.end_day = D("2026-11-22");  /* today */
	CHECK_EQ_INT(val(&s, &hub5, &why), 0);
	s.end_day = D("2026-11-23");
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "dates_invalid");
	s.end_day = s.start_day;
	s.start_min = 779; /* 12:59, the term opens at 13:00 */
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "outside_hours");
	s.start_min = 780;
	s.end_min = 1201;
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "outside_hours");
	s.end_min = 1200;
	CHECK_EQ_INT(val(&s, &general10, &why), 0);
	s.kind = BOOKING_SICK;
	CHECK_EQ_INT(val(&s, &general10, &why), -EINVAL);
	CHECK_EQ_STR(why, "sick_not_offered");
	struct booking_facility sick = general10;
	sick.sick_capacity = 2;
	CHECK_EQ_INT(val(&s, &sick, &why), 0);
}

static struct booking_slot held[64];

static size_t fill(size_t from, size_t n, enum booking_kind k, int64_t day, int a, int b)
{
	for (size_t i = from; i < from + n; i++)
		held[i] = (struct booking_slot){ k, day, k == BOOKING_REGULAR ? day + 40 : day,
						 BOOKING_WEEKDAYS_ALL, a, b };
	return from + n;
}

TEST(capacity_general)
{
	int64_t day = D("2026-11-23"), full = 0;
	struct booking_slot reg = { BOOKING_REGULAR, day, day + 40, BOOKING_WEEKDAYS_ALL, 840, 960 };
	struct booking_slot tmp = { BOOKING_TEMPORARY, day, day, 0, 840, 960 };
	const char *why;
	size_t n = fill(0, 9, BOOKING_REGULAR, day, 840, 960);

	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &reg, &full, &why), 0); /* 10th */
	n = fill(0, 10, BOOKING_REGULAR, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &reg, &full, &why), -ENOSPC);
	CHECK_EQ_STR(why, "full");
	CHECK(full == day);
	/* The temporary-only allowance: 20% of 10 = 2 more temporary children. */
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), 0);
	n = fill(n, 1, BOOKING_TEMPORARY, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), 0);
	n = fill(n, 1, BOOKING_TEMPORARY, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), -ENOSPC);
	/* Temporary children may fill the base too (no ratio), but regular may not use the
	 * allowance: 8 regular + 4 temporary is full for a regular child, not for... nobody. */
	n = fill(0, 8, BOOKING_REGULAR, day, 840, 960);
	n = fill(n, 3, BOOKING_TEMPORARY, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), 0);
	n = fill(n, 1, BOOKING_TEMPORARY, day, 840, 960); /* 8 + 4 = 12 = 10 + 2 */
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), -ENOSPC);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &reg, &full, &why), -ENOSPC);
}

TEST(capacity_overlapping_hours)
{
	int64_t day = D("2026-11-23"), full = 0;
	struct booking_slot tmp = { BOOKING_TEMPORARY, day, day, 0, 900, 1020 }; /* 15:00-17:00 */
	const char *why;
	/* 12 children 13:00-15:00 and 12 more 17:00-19:00: 24 on the day, never over 12 at once. */
	size_t n = fill(0, 12, BOOKING_TEMPORARY, day, 780, 900);

	n = fill(n, 12, BOOKING_TEMPORARY, day, 1020, 1140);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), 0);
	tmp.start_min = 899; /* one minute into the first block */
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), -ENOSPC);
	tmp.start_min = 900;
	tmp.end_min = 1021;
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), -ENOSPC);
	/* Staggered: 6 at 13-15, 6 at 14-16: 12 at 14-15 only. */
	n = fill(0, 6, BOOKING_TEMPORARY, day, 780, 900);
	n = fill(n, 6, BOOKING_TEMPORARY, day, 840, 960);
	tmp = (struct booking_slot){ BOOKING_TEMPORARY, day, day, 0, 900, 960 };
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), 0);
	tmp.start_min = 780;
	tmp.end_min = 840;
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), 0);
	tmp.end_min = 841;
	CHECK_EQ_INT(booking_capacity_check(&general10, held, n, &tmp, &full, &why), -ENOSPC);
	/* Weekdays: ten regular Monday-only children do not fill a Tuesday. */
	for (size_t i = 0; i < 10; i++)
		held[i] = (struct booking_slot){ BOOKING_REGULAR, day, day + 40, 1u, 840, 960 };
	struct booking_slot reg = { BOOKING_REGULAR, day + 1, day + 40, 1u << 1, 840, 960 };
	CHECK_EQ_INT(booking_weekday(day), 0); /* 2026-11-23 is a Monday */
	CHECK_EQ_INT(booking_capacity_check(&general10, held, 10, &reg, &full, &why), 0);
	reg.weekdays |= 1u;
	CHECK_EQ_INT(booking_capacity_check(&general10, held, 10, &reg, &full, &why), -ENOSPC);
	CHECK(full == day + 7);
}

TEST(allowance_boundary)
{
	CHECK_EQ_INT(org_temporary_allowance(14), 2);
	CHECK_EQ_INT(org_temporary_allowance(15), 3);
	struct booking_facility f14 = { ORG_KIND_CONVERGENT, 14, 0 }, f15 = { ORG_KIND_GENERAL, 15, 0 };
	int64_t day = D("2026-11-23");
	struct booking_slot tmp = { BOOKING_TEMPORARY, day, day, 0, 840, 960 };
	const char *why;
	size_t n = fill(0, 18, BOOKING_TEMPORARY, day, 840, 960) - 2;

	CHECK_EQ_INT(booking_capacity_check(&f14, held, n, &tmp, NULL, &why), -ENOSPC);
	CHECK_EQ_INT(booking_capacity_check(&f14, held, 15, &tmp, NULL, &why), 0);
	CHECK_EQ_INT(booking_capacity_check(&f15, held, 17, &tmp, NULL, &why), 0);
	CHECK_EQ_INT(booking_capacity_check(&f15, held, 18, &tmp, NULL, &why), -ENOSPC);
}

TEST(capacity_hub_and_sick)
{
	int64_t day = D("2026-11-23");
	struct booking_slot tmp = { BOOKING_TEMPORARY, day, day, 0, 840, 960 };
	struct booking_slot reg = { BOOKING_REGULAR, day, day + 40, 1, 840, 960 };
	struct booking_facility sick = { ORG_KIND_GENERAL, 10, 2 };
	struct booking_slot sk = { BOOKING_SICK, day, day, 0, 840, 960 };
	const char *why;
	size_t n = fill(0, 4, BOOKING_TEMPORARY, day, 840, 960);

	CHECK_EQ_INT(booking_capacity_check(&hub5, held, n, &tmp, NULL, &why), 0); /* 5th */
	n = fill(n, 1, BOOKING_TEMPORARY, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&hub5, held, n, &tmp, NULL, &why), -ENOSPC); /* no 20% */
	CHECK_EQ_INT(booking_capacity_check(&hub5, held, 0, &reg, NULL, &why), -EINVAL);
	/* Sick-child care: its own pool; a full center still has sick places and vice versa. */
	n = fill(0, 12, BOOKING_TEMPORARY, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&sick, held, n, &sk, NULL, &why), 0);
	n = fill(n, 2, BOOKING_SICK, day, 840, 960);
	CHECK_EQ_INT(booking_capacity_check(&sick, held, n, &sk, NULL, &why), -ENOSPC);
	CHECK_EQ_INT(booking_capacity_check(&sick, held + 12, 2, &tmp, NULL, &why), 0);
	CHECK_EQ_INT(booking_capacity_check(&general10, held, 0, &sk, NULL, &why), -EINVAL);
}

TEST(wait_limit)
{
	struct booking_facility sick = { ORG_KIND_GENERAL, 10, 3 };

	CHECK_EQ_INT(booking_wait_limit(&general10, BOOKING_TEMPORARY), 20);
	CHECK_EQ_INT(booking_wait_limit(&hub5, BOOKING_TEMPORARY), 10);
	CHECK_EQ_INT(booking_wait_limit(&sick, BOOKING_SICK), 6);
	CHECK_EQ_INT(booking_wait_limit(&general10, BOOKING_REGULAR), -1);
}

TEST(extension)
{
	struct booking_slot cur = { BOOKING_REGULAR, D("2026-11-22"), D("2026-12-31"), 0x1f, 840, 960 };
	struct booking_slot next;
	const char *why;

	CHECK_EQ_INT(booking_extension(&cur, terms, 4, &next, &why), 0);
	CHECK(next.start_day == D("2027-01-01") && next.end_day == D("2027-02-28"));
	CHECK_EQ_INT((int)next.weekdays, 0x1f);
	cur.end_day = D("2026-12-30");
	CHECK_EQ_INT(booking_extension(&cur, terms, 4, &next, &why), -EINVAL);
	CHECK_EQ_STR(why, "extension_not_term_end");
	cur.start_day = D("2027-01-10");
	cur.end_day = D("2027-02-28");
	CHECK_EQ_INT(booking_extension(&cur, terms, 4, &next, &why), -EINVAL);
	CHECK_EQ_STR(why, "extension_no_next_term");
	cur.kind = BOOKING_TEMPORARY;
	CHECK_EQ_INT(booking_extension(&cur, terms, 4, &next, &why), -EINVAL);
	CHECK_EQ_STR(why, "extension_regular_only");
}

TEST(documents_and_terms)
{
	struct booking_docs d = { true, true, true, "online", "paper", "online" };
	const char *why, *missing;

	CHECK_EQ_INT(booking_docs_check(&d, &why, &missing), 0);
	d.first_aid = "fax";
	CHECK_EQ_INT(booking_docs_check(&d, &why, &missing), -EINVAL);
	CHECK_EQ_STR(missing, "first_aid_consent");
	d.first_aid = "paper";
	d.privacy_consent = false;
	CHECK_EQ_INT(booking_docs_check(&d, &why, &missing), -EINVAL);
	CHECK_EQ_STR(missing, "privacy_consent");
	CHECK(booking_reason_message("temporary_to_regular") != NULL);

	CHECK_EQ_INT(booking_terms_check(terms, 4, &why), 0);
	CHECK_EQ_INT(booking_terms_check(terms, 3, &why), -EINVAL);
	struct booking_term t[4];
	memcpy(t, terms, sizeof(t));
	t[2].start_day = t[1].end_day; /* overlap */
	CHECK_EQ_INT(booking_terms_check(t, 4, &why), -EINVAL);
	memcpy(t, terms, sizeof(t));
	t[0].close_min = t[0].open_min;
	CHECK_EQ_INT(booking_terms_check(t, 4, &why), -EINVAL);
}

/* The rule stated plainly: at every minute of every day of cand, count the held bookings
 * of each pool taking place then, add cand, compare with the limits. */
static int brute_fit(const struct booking_facility *f, const struct booking_slot *hs, size_t n,
		     const struct booking_slot *cand)
{
	int cp = cand->kind == BOOKING_REGULAR ? 0 : cand->kind == BOOKING_TEMPORARY ? 1 : 2;

	for (int64_t d = cand->start_day; d <= cand->end_day; d++) {
		if (!booking_slot_on(cand, d))
			continue;
		for (int m = cand->start_min; m < cand->end_min; m++) {
			int c[3] = { 0, 0, 0 };

			for (size_t i = 0; i < n; i++)
				if (booking_slot_on(&hs[i], d) && m >= hs[i].start_min &&
				    m < hs[i].end_min)
					c[hs[i].kind == BOOKING_REGULAR	  ? 0
					  : hs[i].kind == BOOKING_TEMPORARY ? 1
									      : 2]++;
			c[cp]++;
			if (cp == 2 ? c[2] > f->sick_capacity
				    : f->kind == ORG_KIND_HUB
					? c[0] > 0 || c[1] > f->capacity
					: c[0] > f->capacity ||
						  c[0] + c[1] > f->capacity + f->capacity / 5)
				return -ENOSPC;
		}
	}
	return 0;
}

TEST(load_points_match_minute_count)
{
	static const int times[] = { 540, 600, 630, 720, 780, 840, 900, 960, 1020, 1080, 1140 };
	struct booking_slot h[24], cand;
	unsigned seed = 7;
	int agree = 0, full = 0, fits = 0;

	for (int round = 0; round < 3000; round++) {
		struct booking_facility f = { rand_r(&seed) % 3 ? ORG_KIND_GENERAL : ORG_KIND_HUB,
					      1 + rand_r(&seed) % 8, rand_r(&seed) % 3 };
		size_t n = (size_t)(rand_r(&seed) % 24);
		const char *why;
		int a, b;

		for (size_t i = 0; i <= n; i++) {
			struct booking_slot *s = i < n ? &h[i] : &cand;
			int t0 = rand_r(&seed) % 10, t1 = t0 + 1 + rand_r(&seed) % (10 - t0);

			s->kind = (enum booking_kind)(rand_r(&seed) % 3);
			if (f.kind == ORG_KIND_HUB && s->kind == BOOKING_REGULAR)
				s->kind = BOOKING_TEMPORARY;
			if (f.sick_capacity == 0 && s->kind == BOOKING_SICK)
				s->kind = BOOKING_TEMPORARY;
			s->start_day = 20000 + rand_r(&seed) % 5;
			s->end_day = s->kind == BOOKING_REGULAR ? s->start_day + rand_r(&seed) % 9
								: s->start_day;
			s->weekdays = 1u + (unsigned)rand_r(&seed) % 0x7f;
			s->start_min = times[t0];
			s->end_min = times[t1];
		}
		a = booking_capacity_check(&f, h, n, &cand, NULL, &why);
		b = brute_fit(&f, h, n, &cand);
		if (a == b)
			agree++;
		else
			fprintf(stderr, "round %d: check %d, minute count %d\n", round, a, b);
		full += b == -ENOSPC;
		fits += b == 0;
	}
	CHECK_EQ_INT(agree, 3000);
	CHECK(full > 300 && fits > 300); /* both answers were exercised */
}

int main(void)
{
	terms_init();
	RUN(regular_30_days);
	RUN(temporary_14_days);
	RUN(capacity_general);
	RUN(capacity_overlapping_hours);
	RUN(allowance_boundary);
	RUN(capacity_hub_and_sick);
	RUN(wait_limit);
	RUN(extension);
	RUN(documents_and_terms);
	RUN(load_points_match_minute_count);
	return harness_done();
}
