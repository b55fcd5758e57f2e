/*
 * Booking rules (see booking.h). The capacity check walks the load points of each of the
 * candidate's days (the step function of places held, one point per minute where it
 * changes): the occupancy at the candidate's start, then at every change before its end,
 * is what must stay within the limits with the candidate added. Held bookings become load
 * points by +1 at their start and -1 at their end (half-open hours) on each day they take
 * place.
 */
#include "hub/domain/booking.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_codes[BOOKING_KIND_COUNT] = { "regular", "temporary", "sick" };
static const char *const state_codes[BOOKING_STATE_COUNT] = {
	"pending", "approved", "waiting", "offered", "rejected", "cancelled", "expired",
};

const char *booking_kind_code(enum booking_kind k)
{
	return (unsigned)k < BOOKING_KIND_COUNT ? kind_codes[k] : "";
}

int booking_kind_parse(const char *s, enum booking_kind *k)
{
	for (int i = 0; s && i < BOOKING_KIND_COUNT; i++)
		if (strcmp(s, kind_codes[i]) == 0) {
			*k = (enum booking_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *booking_state_code(enum booking_state s)
{
	return (unsigned)s < BOOKING_STATE_COUNT ? state_codes[s] : "";
}

int booking_state_parse(const char *s, enum booking_state *out)
{
	for (int i = 0; s && i < BOOKING_STATE_COUNT; i++)
		if (strcmp(s, state_codes[i]) == 0) {
			*out = (enum booking_state)i;
			return 0;
		}
	return -EINVAL;
}

bool booking_state_holds(enum booking_state s)
{
	return s == BOOKING_PENDING || s == BOOKING_APPROVED || s == BOOKING_OFFERED;
}

int booking_weekday(int64_t day)
{
	/* Day 0 (1970-01-01) was a Thursday: Monday-based index 3. */
	int64_t w = (day + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

bool booking_slot_on(const struct booking_slot *s, int64_t day)
{
	if (day < s->start_day || day > s->end_day)
		return false;
	if (s->kind != BOOKING_REGULAR)
		return true;
	return (s->weekdays >> booking_weekday(day)) & 1u;
}

const struct booking_term *booking_term_of(const struct booking_term *terms, size_t n,
					   int64_t day)
{
	for (size_t i = 0; i < n; i++)
		if (day >= terms[i].start_day && day <= terms[i].end_day)
			return &terms[i];
	return NULL;
}

int booking_terms_check(const struct booking_term *t, size_t n, const char **why)
{
	*why = "terms_invalid";
	if (n != BOOKING_TERMS_PER_YEAR)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (t[i].index != (int)i + 1 || t[i].start_day > t[i].end_day ||
		    t[i].open_min < 0 || t[i].open_min >= t[i].close_min || t[i].close_min > 1440)
			return -EINVAL;
		if (i > 0 && t[i].start_day <= t[i - 1].end_day)
			return -EINVAL;
	}
	*why = NULL;
	return 0;
}

int booking_validate(const struct booking_slot *s, const struct booking_facility *f,
		     const struct booking_term *terms, size_t nterms, int64_t today,
		     const char **why)
{
	bool any = false;

	if (f->kind == ORG_KIND_NONE || f->capacity <= 0) {
		*why = "kind_not_offered";
		return -EINVAL;
	}
	if (s->kind == BOOKING_REGULAR && f->kind == ORG_KIND_HUB) {
		*why = "regular_not_offered";
		return -EINVAL;
	}
	if (s->kind == BOOKING_SICK && f->sick_capacity <= 0) {
		*why = "sick_not_offered";
		return -EINVAL;
	}
	if ((unsigned)s->kind >= BOOKING_KIND_COUNT) {
		*why = "kind_not_offered";
		return -EINVAL;
	}
	if (s->start_min < 0 || s->end_min > 1440 || s->start_min >= s->end_min) {
		*why = "hours_invalid";
		return -EINVAL;
	}
	if (s->start_day > s->end_day) {
		*why = "dates_invalid";
		return -EINVAL;
	}
	if (s->start_day < today) {
		*why = "start_past";
		return -EINVAL;
	}
	if (s->kind == BOOKING_REGULAR) {
		if (!(s->weekdays & BOOKING_WEEKDAYS_ALL) || (s->weekdays & ~BOOKING_WEEKDAYS_ALL)) {
			*why = "weekdays_invalid";
			return -EINVAL;
		}
		if (s->end_day - s->start_day + 1 < BOOKING_REGULAR_MIN_DAYS) {
			*why = "regular_too_short";
			return -EINVAL;
		}
	} else {
		if (s->start_day != s->end_day) {
			*why = "dates_invalid";
			return -EINVAL;
		}
		if (s->start_day > today + BOOKING_AHEAD_MAX_DAYS) {
			*why = "temporary_window";
			return -EINVAL;
		}
	}
	for (int64_t d = s->start_day; d <= s->end_day; d++) {
		const struct booking_term *t;

		if (!booking_slot_on(s, d))
			continue;
		any = true;
		t = booking_term_of(terms, nterms, d);
		if (!t) {
			*why = "no_term";
			return -EINVAL;
		}
		if (s->start_min < t->open_min || s->end_min > t->close_min) {
			*why = "outside_hours";
			return -EINVAL;
		}
	}
	if (!any) {
		*why = "weekdays_invalid";
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}

int booking_pool(enum booking_kind k)
{
	return k == BOOKING_REGULAR ? 0 : k == BOOKING_TEMPORARY ? 1 : 2;
}

/* Whether counts (regular r, temporary t, sick s) are within the center's limits. */
static bool within(const struct booking_facility *f, int r, int t, int s)
{
	if (s > f->sick_capacity && s > 0)
		return false;
	if (f->kind == ORG_KIND_HUB)
		return r == 0 && t <= f->capacity;
	return r <= f->capacity && r + t <= f->capacity + org_temporary_allowance(f->capacity);
}

/* Occupancy n plus the candidate (pool cp) within the limits? Sick care has its own pool;
 * it never shares with the others, so only the candidate's side is counted. */
static bool fits(const struct booking_facility *f, const int n[3], int cp)
{
	int c[3] = { 0, 0, 0 };

	if (cp == 2) {
		c[2] = n[2];
	} else {
		c[0] = n[0];
		c[1] = n[1];
	}
	c[cp]++;
	return within(f, c[0], c[1], c[2]);
}

int booking_capacity_check_load(const struct booking_facility *f,
				const struct booking_load_point *p, size_t np,
				const struct booking_slot *cand, int64_t *full_day,
				const char **why)
{
	int cp = booking_pool(cand->kind);
	size_t i = 0;

	*why = NULL;
	if ((cand->kind == BOOKING_REGULAR && f->kind == ORG_KIND_HUB) ||
	    (cand->kind == BOOKING_SICK && f->sick_capacity <= 0) || f->kind == ORG_KIND_NONE) {
		*why = "kind_not_offered";
		return -EINVAL;
	}
	for (int64_t d = cand->start_day; d <= cand->end_day; d++) {
		int n[3] = { 0, 0, 0 };
		bool ok;

		while (i < np && p[i].day < d)
			i++;
		if (!booking_slot_on(cand, d))
			continue;
		/* The occupancy at the start: every change of the day up to it. */
		for (; i < np && p[i].day == d && p[i].minute <= cand->start_min; i++)
			for (int k = 0; k < 3; k++)
				n[k] += p[i].delta[k];
		ok = fits(f, n, cp);
		/* Then at every change before the end. */
		for (; ok && i < np && p[i].day == d && p[i].minute < cand->end_min; i++) {
			for (int k = 0; k < 3; k++)
				n[k] += p[i].delta[k];
			ok = fits(f, n, cp);
		}
		if (!ok) {
			if (full_day)
				*full_day = d;
			*why = "full";
			return -ENOSPC;
		}
	}
	return 0;
}

static int point_cmp(const void *a, const void *b)
{
	const struct booking_load_point *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return (x->minute > y->minute) - (x->minute < y->minute);
}

int booking_load_points(const struct booking_slot *held, size_t nheld, int64_t from, int64_t to,
			struct booking_load_point **out, size_t *n)
{
	struct booking_load_point *v = NULL;
	size_t cnt = 0, cap = 0, k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < nheld; i++) {
		const struct booking_slot *h = &held[i];
		int64_t a = h->start_day > from ? h->start_day : from;
		int64_t b = h->end_day < to ? h->end_day : to;

		for (int64_t d = a; d <= b; d++) {
			if (!booking_slot_on(h, d))
				continue;
			if (cnt + 2 > cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct booking_load_point *nv = realloc(v, nc * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = nc;
			}
			v[cnt] = (struct booking_load_point){ d, h->start_min, { 0, 0, 0 } };
			v[cnt++].delta[booking_pool(h->kind)] = 1;
			v[cnt] = (struct booking_load_point){ d, h->end_min, { 0, 0, 0 } };
			v[cnt++].delta[booking_pool(h->kind)] = -1;
		}
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), point_cmp);
	/* Merge the points of one minute; drop those that cancel out. */
	for (size_t i = 0; i < cnt;) {
		struct booking_load_point m = v[i++];

		while (i < cnt && v[i].day == m.day && v[i].minute == m.minute) {
			for (int j = 0; j < 3; j++)
				m.delta[j] += v[i].delta[j];
			i++;
		}
		if (m.delta[0] || m.delta[1] || m.delta[2])
			v[k++] = m;
	}
	*out = v;
	*n = k;
	return 0;
}

int booking_capacity_check(const struct booking_facility *f, const struct booking_slot *held,
			   size_t nheld, const struct booking_slot *cand, int64_t *full_day,
			   const char **why)
{
	struct booking_load_point *p;
	size_t np;
	int r;

	if (booking_load_points(held, nheld, cand->start_day, cand->end_day, &p, &np) < 0)
		return -ENOMEM;
	r = booking_capacity_check_load(f, p, np, cand, full_day, why);
	free(p);
	return r;
}

int booking_wait_limit(const struct booking_facility *f, enum booking_kind k)
{
	if (k == BOOKING_TEMPORARY)
		return BOOKING_WAIT_FACTOR * f->capacity;
	if (k == BOOKING_SICK)
		return BOOKING_WAIT_FACTOR * f->sick_capacity;
	return -1;
}

int booking_extension(const struct booking_slot *cur, const struct booking_term *terms,
		      size_t nterms, struct booking_slot *next, const char **why)
{
	const struct booking_term *t, *nt = NULL;

	if (cur->kind != BOOKING_REGULAR) {
		*why = "extension_regular_only";
		return -EINVAL;
	}
	t = booking_term_of(terms, nterms, cur->end_day);
	if (!t || t->end_day != cur->end_day) {
		*why = "extension_not_term_end";
		return -EINVAL;
	}
	for (size_t i = 0; i < nterms; i++)
		if (terms[i].start_day > t->end_day &&
		    (!nt || terms[i].start_day < nt->start_day))
			nt = &terms[i];
	if (!nt) {
		*why = "extension_no_next_term";
		return -EINVAL;
	}
	*next = *cur;
	next->start_day = nt->start_day;
	next->end_day = nt->end_day;
	*why = NULL;
	return 0;
}

static bool consent_ok(const char *v)
{
	return v && (strcmp(v, "online") == 0 || strcmp(v, "paper") == 0);
}

int booking_docs_check(const struct booking_docs *d, const char **why, const char **missing)
{
	*why = "documents_missing";
	if (!d->application)
		*missing = "application";
	else if (!d->privacy_consent)
		*missing = "privacy_consent";
	else if (!consent_ok(d->pickup))
		*missing = "pickup_consent";
	else if (!consent_ok(d->first_aid))
		*missing = "first_aid_consent";
	else if (!consent_ok(d->going_home))
		*missing = "going_home_consent";
	else if (!d->admission_docs)
		*missing = "admission_docs";
	else {
		*why = NULL;
		*missing = NULL;
		return 0;
	}
	return -EINVAL;
}

static const struct {
	const char *code, *message;
} reasons[] = {
	{ "kind_not_offered", "이 시설은 이 돌봄 유형을 제공하지 않습니다 / The center does not offer this care" },
	{ "regular_not_offered", "거점형 키움센터는 일시돌봄(긴급돌봄)만 제공합니다 / Hub centers offer temporary care only" },
	{ "sick_not_offered", "이 시설은 아픈아이 돌봄을 제공하지 않습니다 / The center offers no sick-child care" },
	{ "hours_invalid", "이용시간이 올바르지 않습니다 / Invalid hours" },
	{ "weekdays_invalid", "이용요일을 선택하세요 / Choose the weekdays" },
	{ "dates_invalid", "이용기간이 올바르지 않습니다 / Invalid dates" },
	{ "start_past", "지난 날짜는 신청할 수 없습니다 / The start date is in the past" },
	{ "regular_too_short", "정기돌봄은 최소 30일 이상 지정해야 합니다 / Regular care needs at least 30 days" },
	{ "temporary_window", "일시돌봄은 당일부터 2주 이내에만 신청할 수 있습니다 / Temporary care: today up to 14 days ahead" },
	{ "no_term", "이용분기가 정해지지 않은 날짜가 있습니다 / A date falls outside the city's terms" },
	{ "outside_hours", "운영시간 밖의 이용시간입니다 / The hours are outside the center's opening hours" },
	{ "terms_invalid", "이용분기는 순서대로 겹치지 않는 4개이며 운영시간이 올바라야 합니다 / Four ordered, non-overlapping terms with valid hours" },
	{ "full", "정원이 찼습니다 / The center is full" },
	{ "waitlist_full", "예약대기 인원이 찼습니다 (일시돌봄은 정원의 2배까지) / The waitlist is full (temporary care: twice the capacity)" },
	{ "extension_regular_only", "정기돌봄만 연장할 수 있습니다 / Only regular care can be extended" },
	{ "extension_not_term_end", "현재 이용기간이 분기 종료일까지 설정된 아동만 연장할 수 있습니다 / Only a booking running to the term's last day can be extended" },
	{ "extension_no_next_term", "다음 이용분기가 아직 정해지지 않았습니다 / The next term is not set yet" },
	{ "documents_missing", "제출서류가 빠졌습니다 / A required document or consent is missing" },
	{ "temporary_to_regular", "일시돌봄 이용 아동은 정기돌봄으로 변경할 수 없습니다. 일시돌봄 이용을 종료(취소)한 뒤 정기돌봄을 새로 신청하세요 / A temporary booking cannot become regular: end it, then apply for regular care anew" },
	{ "care_not_set", "시설의 정원·운영유형이 설정되지 않았습니다 / The center's capacity and kind are not set" },
	{ "booking_unknown", "없는 예약입니다 / Unknown booking" },
	{ "state_conflict", "이 예약 상태에서는 할 수 없습니다 / Not possible in the booking's current state" },
	{ "offer_expired", "수락 기한이 지났습니다 / The offer expired" },
	{ "booking_duplicate", "같은 아동의 겹치는 예약이 있습니다 / The child already has an overlapping booking" },
	{ "correction_invalid", "출결 정정 내용이 올바르지 않습니다 / Invalid attendance correction" },
};

const char *booking_reason_message(const char *code)
{
	for (size_t i = 0; code && i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].code, code) == 0)
			return reasons[i].message;
	return NULL;
}
