/*
 * Unit tests of the kiosk front (firmware/kiosk.c) over a recording backend, with the pinned
 * clock: return to idle, night blanking over midnight, the offline badge, faults that hold,
 * the clock redrawn only when its minute changes, and the tick interval.
 */
#include "common/clock.h"
#include "common/log.h"
#include "firmware/kiosk.h"
#include "tests/harness.h"

#include <errno.h>

#define MAX_DRAWS 64

static struct {
	int opens, closes, draws;
	int fail_open, fail_draw;
	struct kiosk_state last;
} rec;

static int rec_open(const struct kiosk_config *cfg, void **priv)
{
	(void)cfg;
	rec.opens++;
	if (rec.fail_open)
		return -ENODEV;
	*priv = &rec;
	return 0;
}

static int rec_draw(void *priv, const struct kiosk_state *st)
{
	(void)priv;
	rec.draws++;
	rec.last = *st;
	return rec.fail_draw ? -EIO : 0;
}

static void rec_close(void *priv)
{
	(void)priv;
	rec.closes++;
}

static const struct kiosk_backend_ops rec_ops = {
	.name = "recorder",
	.open = rec_open,
	.draw = rec_draw,
	.close = rec_close,
};

/* UTC wall ms of HH:MM Seoul time on 2026-11-23. */
static int64_t seoul(int hh, int mm)
{
	int64_t day;

	clock_day_parse("2026-11-23", &day);
	return clock_day_start_ms(day) + ((int64_t)hh * 60 + mm) * 60000;
}

static void close_cb(void *p)
{
	kiosk_close(p);
}

static struct kiosk *open_rec(const char *blank, int idle_ms)
{
	struct kiosk_config cfg = {
		.backend = "recorder",
		.center_name = "노원구 우리동네키움센터 15호점",
		.idle_return_ms = idle_ms,
		.blank = blank,
	};
	struct kiosk *k = NULL;

	memset(&rec, 0, sizeof(rec));
	if (kiosk_open_ops(&cfg, &rec_ops, &k) < 0)
		return NULL;
	harness_defer(close_cb, k);
	return k;
}

static enum kiosk_screen now_screen(struct kiosk *k)
{
	struct kiosk_state st;

	kiosk_current(k, &st);
	return st.screen;
}

TEST(opens_on_idle_and_redraws_clock_per_minute)
{
	struct kiosk *k;
	int draws;

	clock_pin(seoul(14, 5) + 10000, 1000000, true); /* 14:05:10 */
	k = open_rec("", 0);
	CHECK(k);
	CHECK_EQ_STR(kiosk_backend_name(k), "recorder");
	CHECK_EQ_INT(rec.draws, 1);
	CHECK_EQ_INT(rec.last.screen, KIOSK_IDLE);
	CHECK_EQ_STR(rec.last.center_name, "노원구 우리동네키움센터 15호점");
	CHECK_EQ_INT(rec.last.now_wall_ms, seoul(14, 5) + 10000);
	/* many ticks within the minute: no redraw */
	for (int i = 0; i < 49; i++) {
		int next = kiosk_tick(k);

		CHECK(next >= 1 && next <= 1000);
		clock_advance(1000);
	}
	CHECK_EQ_INT(rec.draws, 1);
	/* 14:05:59 -> the tick asks to be called at the minute boundary exactly */
	CHECK_EQ_INT(kiosk_tick(k), 1000);
	clock_advance(500);
	CHECK_EQ_INT(kiosk_tick(k), 500);
	clock_advance(500);
	draws = rec.draws;
	kiosk_tick(k);
	CHECK_EQ_INT(rec.draws, draws + 1);
	CHECK_EQ_INT(rec.last.now_wall_ms, seoul(14, 6));
	kiosk_tick(k);
	CHECK_EQ_INT(rec.draws, draws + 1);
}

TEST(tap_screen_returns_to_idle)
{
	struct kiosk *k;
	struct kiosk_state st;

	clock_pin(seoul(15, 0), 5000000, true);
	k = open_rec(NULL, 3000);
	CHECK(k);
	kiosk_show(k, KIOSK_ARRIVAL, "김*수", seoul(15, 0) - 20);
	CHECK_EQ_INT(rec.draws, 2);
	kiosk_current(k, &st);
	CHECK_EQ_INT(st.screen, KIOSK_ARRIVAL);
	CHECK_EQ_STR(st.name, "김*수");
	CHECK_EQ_INT(st.tap_wall_ms, seoul(15, 0) - 20);
	CHECK_EQ_INT(kiosk_tick(k), 1000);
	clock_advance(2500);
	CHECK_EQ_INT(kiosk_tick(k), 500); /* wakes exactly when the screen must go */
	CHECK_EQ_INT(now_screen(k), KIOSK_ARRIVAL);
	CHECK_EQ_INT(rec.draws, 2);
	clock_advance(499);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_ARRIVAL);
	clock_advance(1);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
	CHECK_EQ_INT(rec.draws, 3);
	kiosk_current(k, &st);
	CHECK_EQ_STR(st.name, "");
	/* the same card again: redrawn even though nothing but the time changed */
	kiosk_show(k, KIOSK_DEPARTURE, "김*수", seoul(15, 0) + 4000);
	kiosk_show(k, KIOSK_DUPLICATE, "김*수", seoul(15, 0) + 4000);
	kiosk_show(k, KIOSK_DUPLICATE, "김*수", seoul(15, 0) + 4000);
	CHECK_EQ_INT(rec.draws, 6);
	CHECK_EQ_INT(rec.last.screen, KIOSK_DUPLICATE);
	/* idle and blank are not tap screens */
	kiosk_show(k, KIOSK_IDLE, "x", 0);
	kiosk_show(k, KIOSK_BLANK, "x", 0);
	kiosk_show(k, (enum kiosk_screen)99, "x", 0);
	CHECK_EQ_INT(rec.draws, 6);
	CHECK_EQ_INT(now_screen(k), KIOSK_DUPLICATE);
}

TEST(default_idle_return_is_four_seconds)
{
	struct kiosk *k;

	clock_pin(seoul(9, 0), 1000, true);
	k = open_rec("", 0);
	CHECK(k);
	kiosk_show(k, KIOSK_UNKNOWN_CARD, "", seoul(9, 0));
	clock_advance(3999);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_UNKNOWN_CARD);
	clock_advance(1);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
}

TEST(blanking_over_midnight)
{
	struct kiosk *k;
	int draws;

	clock_pin(seoul(21, 59), 1000, true);
	k = open_rec("22:00-06:30", 2000);
	CHECK(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
	clock_advance(60000);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_BLANK);
	CHECK_EQ_INT(rec.last.screen, KIOSK_BLANK);
	draws = rec.draws;
	/* through midnight: minutes pass, nothing is redrawn, and the badge stays dark */
	for (int m = 0; m < 8 * 60 + 29; m++) {
		clock_advance(60000);
		kiosk_tick(k);
		CHECK_EQ_INT(now_screen(k), KIOSK_BLANK);
	}
	kiosk_set_offline(k, true, 7);
	CHECK_EQ_INT(rec.draws, draws);
	/* 06:29 now; a tap wakes the screen, then it goes dark again */
	kiosk_show(k, KIOSK_ARRIVAL, "이*은", clock_wall_ms());
	CHECK_EQ_INT(now_screen(k), KIOSK_ARRIVAL);
	CHECK(rec.last.offline);
	CHECK_EQ_INT(rec.last.waiting, 7);
	clock_advance(2000);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_BLANK);
	clock_advance(58000); /* 06:30 */
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
	CHECK(rec.last.offline);
}

TEST(blanking_same_day_span)
{
	struct kiosk *k;

	clock_pin(seoul(12, 59), 1000, true);
	k = open_rec("13:00-14:00", 0);
	CHECK(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
	clock_advance(60000);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_BLANK);
	clock_advance(59 * 60000);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_BLANK);
	clock_advance(60000);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
}

TEST(a_bad_schedule_never_blanks)
{
	struct kiosk *k;

	clock_pin(seoul(23, 0), 1000, true);
	k = open_rec("22:00-6:30", 0);
	CHECK(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
}

TEST(offline_badge)
{
	struct kiosk *k;

	clock_pin(seoul(16, 0), 1000, true);
	k = open_rec("", 0);
	CHECK(k);
	CHECK(!rec.last.offline);
	kiosk_set_offline(k, true, 3);
	CHECK_EQ_INT(rec.draws, 2);
	CHECK(rec.last.offline);
	CHECK_EQ_INT(rec.last.waiting, 3);
	kiosk_set_offline(k, true, 3);
	CHECK_EQ_INT(rec.draws, 2);
	kiosk_set_offline(k, true, 4);
	CHECK_EQ_INT(rec.draws, 3);
	CHECK_EQ_INT(rec.last.waiting, 4);
	/* the badge is stamped on tap screens too */
	kiosk_show(k, KIOSK_DEPARTURE, "박*준", seoul(16, 0));
	CHECK(rec.last.offline);
	CHECK_EQ_INT(rec.last.waiting, 4);
	kiosk_set_offline(k, false, 0);
	CHECK_EQ_INT(rec.last.screen, KIOSK_DEPARTURE);
	CHECK(!rec.last.offline);
}

TEST(faults_hold_until_cleared)
{
	struct kiosk *k;

	clock_pin(seoul(17, 0), 1000, true);
	k = open_rec("", 1000);
	CHECK(k);
	kiosk_set_fault(k, KIOSK_JOURNAL_FULL, true);
	CHECK_EQ_INT(now_screen(k), KIOSK_JOURNAL_FULL);
	kiosk_set_fault(k, KIOSK_READER_FAULT, true);
	CHECK_EQ_INT(now_screen(k), KIOSK_READER_FAULT);
	for (int i = 0; i < 600; i++) {
		clock_advance(1000);
		kiosk_tick(k);
	}
	CHECK_EQ_INT(now_screen(k), KIOSK_READER_FAULT);
	/* a tap screen shows over a fault and then gives way to it again */
	kiosk_show(k, KIOSK_UNKNOWN_CARD, "", clock_wall_ms());
	CHECK_EQ_INT(now_screen(k), KIOSK_UNKNOWN_CARD);
	clock_advance(1000);
	kiosk_tick(k);
	CHECK_EQ_INT(now_screen(k), KIOSK_READER_FAULT);
	kiosk_set_fault(k, KIOSK_READER_FAULT, false);
	CHECK_EQ_INT(now_screen(k), KIOSK_JOURNAL_FULL);
	kiosk_set_fault(k, KIOSK_ARRIVAL, true); /* not a fault: ignored */
	CHECK_EQ_INT(now_screen(k), KIOSK_JOURNAL_FULL);
	kiosk_set_fault(k, KIOSK_JOURNAL_FULL, false);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
}

TEST(backend_that_cannot_open_falls_back_to_none)
{
	struct kiosk_config cfg = { .backend = "recorder" };
	struct kiosk *k = NULL;

	clock_pin(seoul(8, 0), 1000, true);
	memset(&rec, 0, sizeof(rec));
	rec.fail_open = 1;
	CHECK_EQ_INT(kiosk_open_ops(&cfg, &rec_ops, &k), 0);
	CHECK(k);
	harness_defer(close_cb, k);
	CHECK_EQ_STR(kiosk_backend_name(k), "none");
	kiosk_show(k, KIOSK_ARRIVAL, "김*수", seoul(8, 0));
	CHECK_EQ_INT(now_screen(k), KIOSK_ARRIVAL);
	CHECK_EQ_INT(rec.draws, 0);
}

TEST(draw_errors_are_counted_and_do_not_stop_the_kiosk)
{
	struct kiosk *k;

	clock_pin(seoul(8, 0), 1000, true);
	k = open_rec("", 1000);
	CHECK(k);
	rec.fail_draw = 1;
	kiosk_show(k, KIOSK_ARRIVAL, "김*수", seoul(8, 0));
	CHECK_EQ_INT(kiosk_draw_errors(k), 1);
	clock_advance(1000);
	kiosk_tick(k);
	CHECK_EQ_INT(kiosk_draw_errors(k), 2);
	CHECK_EQ_INT(now_screen(k), KIOSK_IDLE);
}

TEST(open_by_name)
{
	struct kiosk_config cfg = { .backend = "hologram" };
	struct kiosk *k = NULL;

	clock_pin(seoul(8, 0), 1000, true);
	CHECK_EQ_INT(kiosk_open(&cfg, &k), 0);
	CHECK(k);
	CHECK_EQ_STR(kiosk_backend_name(k), "none");
	kiosk_close(k);
	k = NULL;
	cfg.backend = "none";
	CHECK_EQ_INT(kiosk_open(&cfg, &k), 0);
	CHECK_EQ_STR(kiosk_backend_name(k), "none");
	kiosk_close(k);
	k = NULL;
	cfg.backend = NULL;
	CHECK_EQ_INT(kiosk_open(&cfg, &k), 0);
	CHECK_EQ_STR(kiosk_backend_name(k), "none");
	kiosk_close(k);
	/* a framebuffer that does not exist: logged, and the kiosk runs without a screen */
	k = NULL;
	cfg.backend = "framebuffer";
	cfg.fb_device = "/nonexistent/fb0";
	CHECK_EQ_INT(kiosk_open(&cfg, &k), 0);
	CHECK_EQ_STR(kiosk_backend_name(k), "none");
	kiosk_close(k);
	kiosk_close(NULL);
}

TEST(blank_schedule_parser)
{
	int f, t;

	CHECK_EQ_INT(kiosk_blank_parse("22:00-06:30", &f, &t), 0);
	CHECK_EQ_INT(f, 22 * 60);
	CHECK_EQ_INT(t, 6 * 60 + 30);
	CHECK_EQ_INT(kiosk_blank_parse("00:00-23:59", &f, &t), 0);
	CHECK_EQ_INT(t, 23 * 60 + 59);
	CHECK_EQ_INT(kiosk_blank_parse("", &f, &t), 0);
	CHECK_EQ_INT(f, -1);
	CHECK_EQ_INT(kiosk_blank_parse(NULL, &f, &t), 0);
	CHECK_EQ_INT(t, -1);
	static const char *const bad[] = {
		"24:00-06:00", "22:60-06:00", "2:00-06:00", "22:00-06:00 ", "22:00_06:00",
		"22:00-22:00", "aa:bb-cc:dd", "22:00-", "-", "22:00-06:0x", "22.00-06.00",
		"22:00-06:300",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(kiosk_blank_parse(bad[i], &f, &t) == -EINVAL, "accepted \"%s\"", bad[i]);
		CHECK(f == -1 && t == -1);
	}
	CHECK(kiosk_blank_active(22 * 60, 6 * 60, 23 * 60));
	CHECK(kiosk_blank_active(22 * 60, 6 * 60, 0));
	CHECK(!kiosk_blank_active(22 * 60, 6 * 60, 6 * 60));
	CHECK(!kiosk_blank_active(22 * 60, 6 * 60, 21 * 60 + 59));
	CHECK(!kiosk_blank_active(-1, -1, 0));
	CHECK_EQ_STR(kiosk_screen_name(KIOSK_UNKNOWN_CARD), "unknown-card");
	CHECK_EQ_STR(kiosk_screen_name((enum kiosk_screen)42), "?");
}

int main(void)
{
	log_init("fw_kiosk_front", KLOG_WARNING);
	RUN(opens_on_idle_and_redraws_clock_per_minute);
	RUN(tap_screen_returns_to_idle);
	RUN(default_idle_return_is_four_seconds);
	RUN(blanking_over_midnight);
	RUN(blanking_same_day_span);
	RUN(a_bad_schedule_never_blanks);
	RUN(offline_badge);
	RUN(faults_hold_until_cleared);
	RUN(backend_that_cannot_open_falls_back_to_none);
	RUN(draw_errors_are_counted_and_do_not_stop_the_kiosk);
	RUN(open_by_name);
	RUN(blank_schedule_parser);
	clock_unpin();
	return harness_done();
}
