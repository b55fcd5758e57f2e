/*
 * Unit tests of reconciliation read from each child's day of taps kept as taps arrive
 * (attendance_child_day, store_visits.h) instead of the day's raw taps: a card registered,
 * reassigned or removed after the fact while a reader's clock runs ahead gives stored taps
 * to the child the read-time lookup gives them to; and after a few hundred random taps
 * (replays, late and out-of-order taps, unsynced clocks, clocks ahead, card changes,
 * corrections, bookings) the kept rows equal their recomputation and api_reconcile_compute
 * answers what the old tap-scanning computation (kept here as the reference) answers.
 */
#include "hub/api/bookings.h"
#include "hub/domain/attendance.h"
#include "hub/domain/reconcile.h"
#include "hub/store/store_int.h"
#include "hub/store/store_stats.h"
#include "hub/store/store_visits.h"
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include <errno.h>

#define BOOT "11111111-2222-3333-4444-555555555555"

static struct pf F;
static uint64_t seqs[4];
static const char *const devs[] = { "R-NW15", "R-NW15b", "R-GN01" };

static void close_world(void *arg)
{
	(void)arg;
	pf_close(&F);
}

static int64_t day_of(const char *s)
{
	int64_t d = 0;

	clock_day_parse(s, &d);
	return d;
}

static int64_t at(const char *day, int hh, int mm)
{
	return clock_day_start_ms(day_of(day)) + ((int64_t)hh * 60 + mm) * 60000;
}

static void uid_of(int n, uint8_t uid[4])
{
	uid[0] = 0x04;
	uid[1] = 0x20;
	uid[2] = (uint8_t)(n >> 8);
	uid[3] = (uint8_t)n;
}

static int ok_fit(void *arg, const struct store_care *care, const struct store_booking *cand,
		  const struct store_booking_load *load, size_t nload, size_t nwaiting,
		  const char **why)
{
	(void)arg, (void)care, (void)cand, (void)load, (void)nload, (void)nwaiting, (void)why;
	return 0;
}

/* NWUK015 (two readers) and GNUK001; children C1..C6 at NWUK015, C7, C8 at GNUK001; card n
 * belongs to Cn for n <= 8; cards 50.. nobody holds. */
static int world(void)
{
	struct store_care c1 = { "NWUK015", "general", 20, 4, 0, "" };
	struct store_care c2 = { "GNUK001", "general", 10, 2, 0, "" };
	uint8_t uid[4];
	char id[16];

	clock_pin(at("2026-11-02", 0, 0), 1000, true);
	memset(seqs, 0, sizeof(seqs));
	if (pf_open(&F) < 0 || pf_facility(&F, "NWUK015", "NW", "UK") < 0 ||
	    pf_facility(&F, "GNUK001", "GN", "UK") < 0 ||
	    store_care_set(F.st, &c1, "t", 1000) < 0 || store_care_set(F.st, &c2, "t", 1000) < 0)
		return -1;
	harness_defer(close_world, NULL);
	for (int i = 1; i <= 8; i++) {
		snprintf(id, sizeof(id), "C%d", i);
		uid_of(i, uid);
		if (store_child_add(F.st, id, "아동", i <= 6 ? "NWUK015" : "GNUK001", 1000) < 0 ||
		    store_card_assign(F.st, uid, 4, id, 1000) < 0)
			return -1;
	}
	if (store_device_add(F.st, devs[0], "NWUK015", "01", "aa", 1000) < 0 ||
	    store_device_add(F.st, devs[1], "NWUK015", "02", "bb", 1000) < 0 ||
	    store_device_add(F.st, devs[2], "GNUK001", "03", "cc", 1000) < 0)
		return -1;
	return 0;
}

/* One tap of card n on reader dev at reader wall time w, received at recv (synced unless
 * not; a replay resends the reader's last seq), through the real ingest. */
static int tap(int dev, int n, int64_t w, int64_t recv, bool synced, bool replay,
	       enum attendance_outcome *outcome)
{
	struct attendance_result r[1];
	struct tap t;
	struct tap_batch b;
	uint64_t high;
	int e;

	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	snprintf(b.device, sizeof(b.device), "%s", devs[dev]);
	snprintf(b.boot_id, sizeof(b.boot_id), BOOT);
	b.mono_ms = 10000000;
	b.wall_ms = recv;
	b.clock_synced = true;
	b.n = 1;
	b.taps = &t;
	t.seq = replay ? seqs[dev] : ++seqs[dev];
	uid_of(n, t.uid);
	t.uid_len = 4;
	t.wall_ms = w;
	snprintf(t.boot_id, sizeof(t.boot_id), synced ? BOOT : "99999999-2222-3333-4444-555555555555");
	t.mono_ms = 5000;
	t.clock_synced = synced;
	t.dir = TAP_DIR_IN;
	t.result = TAP_RESULT_ARRIVAL;
	e = attendance_ingest(F.st, devs[dev], &b, NULL, recv, r, &high);
	if (outcome)
		*outcome = r[0].outcome;
	return e;
}

/* The reference: the same reconciliation computed from the day's raw taps
 * (store_attendance_day, the tap-scanning read it replaced). */
static int reference(const char *facility, int64_t day, int64_t now_ms,
		     struct reconcile_row **out, size_t *n)
{
	static const char *const states[] = { "approved", NULL };
	struct store_booking_filter f = { .facility = facility, .states = states, .on_day = day };
	struct store_booking *bk = NULL;
	struct store_attendance_row *taps = NULL;
	struct store_correction *cor = NULL;
	struct store_term *terms = NULL;
	struct reconcile_booking *rb = NULL;
	struct reconcile_tap *rt = NULL;
	struct reconcile_opts o = { RECONCILE_GRACE_MIN, 1440, 1440 };
	size_t nbk = 0, nt = 0, ncor = 0, nterms = 0;
	int64_t today = clock_seoul_day(now_ms), start = clock_day_start_ms(day);
	int r;

	if ((r = store_booking_list(F.st, &f, &bk, &nbk)) < 0 ||
	    (r = store_attendance_day(F.st, facility, day, &taps, &nt)) < 0 ||
	    (r = store_correction_list(F.st, facility, NULL, day, &cor, &ncor)) < 0 ||
	    (r = store_terms_range(F.st, day, day, &terms, &nterms)) < 0)
		goto out;
	if (nterms)
		o.close_min = terms[0].close_min;
	o.now_min = day < today ? 1440 : day > today ? -1 : (int)((now_ms - start) / 60000);
	r = -ENOMEM;
	if ((nbk && !(rb = calloc(nbk, sizeof(*rb)))) || (nt && !(rt = calloc(nt, sizeof(*rt)))))
		goto out;
	for (size_t i = 0; i < nbk; i++) {
		snprintf(rb[i].child, sizeof(rb[i].child), "%s", bk[i].child);
		rb[i].start_min = bk[i].start_min;
		rb[i].end_min = bk[i].end_min;
	}
	for (size_t i = 0; i < nt; i++) {
		snprintf(rt[i].child, sizeof(rt[i].child), "%s", taps[i].child_id);
		rt[i].min = (int)((taps[i].time_ms - start) / 60000);
	}
	if ((r = reconcile_day(rb, nbk, rt, nt, &o, out, n)) < 0)
		goto out;
	for (size_t c = 0; c < ncor; c++) {
		enum reconcile_status s;

		if (reconcile_status_parse(cor[c].status, &s) < 0)
			continue;
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*out)[i].child, cor[c].child))
				(*out)[i].status = s;
	}
out:
	free(bk);
	free(taps);
	free(cor);
	free(terms);
	free(rb);
	free(rt);
	return r;
}

/* api_reconcile_compute against the reference for one facility-day: rows compared, or -1
 * (the first difference printed). */
static int same_answers(const char *facility, int64_t day, int64_t now_ms)
{
	struct reconcile_row *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int rows = -1;

	if (reference(facility, day, now_ms, &a, &na) < 0 ||
	    api_reconcile_compute(F.st, facility, day, now_ms, &b, &nb) < 0)
		goto out;
	if (na != nb) {
		printf("# %s day %lld: %zu rows from taps, %zu kept\n", facility, (long long)day,
		       na, nb);
		goto out;
	}
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].child, b[i].child) || a[i].status != b[i].status ||
		    a[i].booked != b[i].booked || a[i].start_min != b[i].start_min ||
		    a[i].end_min != b[i].end_min || a[i].arrive_min != b[i].arrive_min ||
		    a[i].leave_min != b[i].leave_min || a[i].ntaps != b[i].ntaps ||
		    a[i].late != b[i].late || a[i].left_early != b[i].left_early ||
		    a[i].no_departure != b[i].no_departure) {
			printf("# %s day %lld %s/%s: %s %d-%d x%d, kept %s %d-%d x%d\n", facility,
			       (long long)day, a[i].child, b[i].child,
			       reconcile_status_code(a[i].status), a[i].arrive_min, a[i].leave_min,
			       a[i].ntaps, reconcile_status_code(b[i].status), b[i].arrive_min,
			       b[i].leave_min, b[i].ntaps);
			goto out;
		}
	rows = (int)na;
out:
	free(a);
	free(b);
	return rows;
}

static int kept_diff(void)
{
	size_t diff = 999;

	if (store_visits_check(F.st, &diff) < 0)
		return -1;
	return (int)diff;
}

/* The kept row of child at NWUK015 on day: its tap count, 0 when there is none. */
static int kept_taps(int64_t day, const char *child)
{
	struct store_visit *v = NULL;
	size_t n = 0;
	int taps = 0;

	if (store_visits_day(F.st, "NWUK015", day, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].child, child))
			taps = v[i].taps;
	free(v);
	return taps;
}

TEST(card_changes_after_the_fact)
{
	int64_t now = at("2026-11-03", 14, 0), d = day_of("2026-11-03");
	uint8_t uid[4];

	CHECK(world() == 0);
	clock_pin(now, 1000, true);
	/* A reader 20 minutes ahead: unknown card 50 at 14:20 (received 14:00), card 1 (C1's)
	 * at 14:25. */
	CHECK(tap(0, 50, now + 20 * 60000, now, true, false, NULL) == 0);
	CHECK(tap(0, 1, now + 25 * 60000, now, true, false, NULL) == 0);
	CHECK_EQ_INT(kept_taps(d, "C2"), 0);
	CHECK_EQ_INT(kept_taps(d, "C1"), 1);
	/* 14:05: card 50 registered to C2; its tap at 14:20 is C2's (held at the tap's time). */
	uid_of(50, uid);
	CHECK(store_card_assign(F.st, uid, 4, "C2", now + 5 * 60000) == 0);
	CHECK_EQ_INT(kept_taps(d, "C2"), 1);
	CHECK_EQ_INT(kept_diff(), 0);
	/* 14:10: card 1 taken from C1 and given to C3: the 14:25 tap is C3's now. */
	uid_of(1, uid);
	CHECK(store_card_deactivate(F.st, uid, 4, now + 10 * 60000) == 0);
	CHECK_EQ_INT(kept_diff(), 0);
	CHECK_EQ_INT(kept_taps(d, "C1"), 1); /* held at receipt (14:00) by C1 */
	CHECK(store_card_assign(F.st, uid, 4, "C3", now + 10 * 60000) == 0);
	CHECK_EQ_INT(kept_taps(d, "C1"), 0);
	CHECK_EQ_INT(kept_taps(d, "C3"), 1);
	CHECK_EQ_INT(kept_diff(), 0);
	CHECK(same_answers("NWUK015", d, now + 60 * 60000) >= 2);
	/* The portal's reconciliation shows it: C2 and C3 tapped in (unreserved), C1 not. */
	{
		char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];
		struct pf_reply r;
		json_t *kids;

		CHECK(pf_account(&F, "NWUK015009", "NW", "NWUK015", "approved", "center:UK") == 0);
		CHECK(pf_session(&F, "NWUK015009", sid, csrf) == 0);
		CHECK_EQ_INT(pf_call(&F, "GET", "/api/v1/facilities/NWUK015/reconciliation"
				     "?date=2026-11-03", sid, NULL, NULL, NULL, &r), 200);
		kids = json_object_get(r.body, "children");
		CHECK_EQ_INT((int)json_array_size(kids), 2);
		CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 0), "child")),
			     "C2");
		CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 1), "child")),
			     "C3");
		CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(kids, 1), "arrived")),
			     "14:25");
		pf_reply_free(&r);
	}
	/* A card registered later does not take taps from before its registration. */
	CHECK(tap(0, 51, now - 60 * 60000, now - 60 * 60000 + 1000, true, false, NULL) == 0);
	uid_of(51, uid);
	CHECK(store_card_assign(F.st, uid, 4, "C4", now + 11 * 60000) == 0);
	CHECK_EQ_INT(kept_taps(d, "C4"), 0);
	CHECK_EQ_INT(kept_diff(), 0);
}

TEST(random_taps_equal_tap_scan)
{
	static const char *const statuses[] = { "present", "late", "absent", "left_early",
						"expected", "no_departure", "unreserved" };
	int64_t day0 = day_of("2026-11-02");
	struct last {
		int card;
		int64_t w;
		bool synced;
	} last[3] = { 0 };
	enum attendance_outcome o;
	int stored = 0, dups = 0, moves = 0, ahead = 0, late = 0, corrections = 0, compared = 0;
	const char *why;

	CHECK(world() == 0);
	srand(6062026);
	/* Bookings: the children of each facility, regular care 13:00-18:00 on weekdays. */
	for (int i = 1; i <= 8; i += 1 + (i % 3 == 0)) {
		struct store_booking b = { 0 };

		snprintf(b.facility, sizeof(b.facility), "%s", i <= 6 ? "NWUK015" : "GNUK001");
		snprintf(b.child, sizeof(b.child), "C%d", i);
		snprintf(b.kind, sizeof(b.kind), "regular");
		b.start_day = day0;
		b.end_day = day0 + 40;
		b.weekdays = 0x1f;
		b.start_min = 13 * 60;
		b.end_min = 18 * 60;
		CHECK(store_booking_add(F.st, &b, true, ok_fit, NULL, clock_wall_ms(), &why) == 0);
	}
	for (int i = 0; i < 500; i++) {
		/* The hub's clock moves forward over five days (12:00-20:00 Seoul); readers are
		 * mostly right, some run up to 40 minutes ahead, some taps arrive hours or days
		 * late, a few come from an unsynced clock, some are replays. */
		int64_t now = at("2026-11-02", 12, 0) + (int64_t)(i / 100) * 86400000LL +
			      (int64_t)(i % 100) * 8 * 3600000LL / 100;
		int dev = rand() % 3, card = rand() % 10 < 8 ? 1 + rand() % 8 : 50 + rand() % 4;
		int64_t w = now - 2000;
		bool synced = rand() % 15 != 0, replay = i > 0 && rand() % 10 == 0;
		int kind = rand() % 10;

		clock_pin(now, 1000, true);
		if (kind == 0) {
			w = now + (1 + rand() % 40) * 60000LL;
			ahead++;
		} else if (kind == 1) {
			w = now - (int64_t)(1 + rand() % 30) * 3600000LL;
			late++;
		}
		if (replay && last[dev].w) {
			card = last[dev].card;
			w = last[dev].w;
			synced = last[dev].synced;
		} else {
			replay = false;
			last[dev] = (struct last){ card, w, synced };
		}
		CHECK(tap(dev, card, w, now, synced, replay, &o) == 0);
		stored += o == ATTENDANCE_STORED;
		dups += o == ATTENDANCE_DUPLICATE;
		if (rand() % 12 == 0) {
			/* A card registered, reassigned or withdrawn now. */
			char child[16];
			uint8_t uid[4];
			int k = rand() % 2 ? 1 + rand() % 8 : 50 + rand() % 4;

			uid_of(k, uid);
			snprintf(child, sizeof(child), "C%d", 1 + rand() % 8);
			store_card_deactivate(F.st, uid, 4, clock_wall_ms());
			if (rand() % 4)
				CHECK(store_card_assign(F.st, uid, 4, child, clock_wall_ms()) == 0);
			moves++;
		}
		if (rand() % 15 == 0) {
			struct store_correction c = { 0 };
			int ci = 1 + rand() % 8;

			snprintf(c.facility, sizeof(c.facility), "%s", ci <= 6 ? "NWUK015" : "GNUK001");
			snprintf(c.child, sizeof(c.child), "C%d", ci);
			c.day = day0 + rand() % 5;
			snprintf(c.status, sizeof(c.status), "%s", statuses[rand() % 7]);
			snprintf(c.reason, sizeof(c.reason), "정정 %d", i);
			snprintf(c.actor, sizeof(c.actor), "t");
			CHECK(store_correction_add(F.st, &c) == 0);
			corrections++;
		}
		if (i % 50 == 49)
			CHECK_EQ_INT(kept_diff(), 0);
	}
	printf("# %d stored, %d duplicates, %d ahead, %d late, %d card changes, %d corrections\n",
	       stored, dups, ahead, late, moves, corrections);
	CHECK(stored > 350 && dups > 20 && ahead > 20 && late > 20 && moves > 20 &&
	      corrections > 15);
	CHECK_EQ_INT(kept_diff(), 0);
	/* Every facility-day of the run and around it, read as of several moments. */
	for (int f = 0; f < 2; f++)
		for (int64_t d = day0 - 2; d <= day0 + 6; d++)
			for (int k = 0; k < 3; k++) {
				int64_t when = at("2026-11-02", 15, 0) + (int64_t)k * 2 * 86400000LL;
				int n = same_answers(f ? "GNUK001" : "NWUK015", d, when);

				CHECK(n >= 0);
				compared += n > 0 ? n : 0;
			}
	printf("# %d reconciliation rows compared\n", compared);
	CHECK(compared > 100);
	/* Gone rows are seen; the rebuild computes the same rows from scratch. */
	CHECK(store_exec(F.st, "DELETE FROM attendance_child_day WHERE day = "
			       "(SELECT max(day) FROM attendance_child_day)", "t") == 0);
	CHECK(kept_diff() > 0);
	CHECK(store_stats_rebuild(F.st) == 0);
	CHECK_EQ_INT(kept_diff(), 0);
}

int main(void)
{
	RUN(card_changes_after_the_fact);
	RUN(random_taps_equal_tap_scan);
	return harness_done();
}
