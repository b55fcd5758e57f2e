/* The terminal kiosk backend and the recording feedback backend: what they write. */
#include "common/clock.h"
#include "firmware/feedback.h"
#include "firmware/kiosk.h"
#include "tests/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/kium-fw-term.XXXXXX";
static char path[300];

static char *slurp(const char *p)
{
	static char buf[8192];
	FILE *f = fopen(p, "rb");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static char *draw(enum kiosk_screen s, const char *name, bool offline, unsigned waiting)
{
	struct kiosk_config cfg = { .backend = "terminal", .tty = path };
	struct kiosk_state st = { 0 };
	void *priv = NULL;

	unlink(path);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	if (kiosk_term_ops.open(&cfg, &priv) < 0)
		return NULL;
	st.screen = s;
	snprintf(st.name, sizeof(st.name), "%s", name);
	snprintf(st.center_name, sizeof(st.center_name), "노원구 우리동네키움센터 15호점");
	st.tap_wall_ms = 1795908600000LL; /* 08:30 Seoul */
	st.now_wall_ms = 1795908660000LL;
	st.offline = offline;
	st.waiting = waiting;
	kiosk_term_ops.draw(priv, &st);
	kiosk_term_ops.close(priv);
	return slurp(path);
}

TEST(every_screen_has_its_words)
{
	char *s;

	s = draw(KIOSK_ARRIVAL, "김*수", false, 0);
	CHECK(s);
	CHECK(strstr(s, "김*수") && strstr(s, "등원") && strstr(s, "08:30"));
	CHECK(strstr(s, "노원구 우리동네키움센터 15호점"));
	CHECK(!strstr(s, "오프라인"));
	s = draw(KIOSK_DEPARTURE, "이*연", true, 12);
	CHECK(strstr(s, "이*연") && strstr(s, "하원"));
	CHECK(strstr(s, "오프라인") && strstr(s, "12건"));
	s = draw(KIOSK_DUPLICATE, "김*수", false, 0);
	CHECK(strstr(s, "이미 찍었어요"));
	s = draw(KIOSK_UNKNOWN_CARD, "", false, 0);
	CHECK(strstr(s, "등록되지 않은 카드"));
	s = draw(KIOSK_READER_FAULT, "", false, 0);
	CHECK(strstr(s, "리더기"));
	s = draw(KIOSK_JOURNAL_FULL, "", false, 0);
	CHECK(strstr(s, "기록할 수 없습니다"));
	s = draw(KIOSK_IDLE, "", false, 0);
	CHECK(strstr(s, "카드를 대 주세요") && strstr(s, "08:31") && strstr(s, "2026-11-29"));
	s = draw(KIOSK_BLANK, "", false, 0);
	CHECK(!strstr(s, "카드"));
}

TEST(missing_tty_is_an_error)
{
	struct kiosk_config cfg = { .backend = "terminal", .tty = "/nonexistent/tty9" };
	void *priv = NULL;

	CHECK(kiosk_term_ops.open(&cfg, &priv) < 0);
}

TEST(record_lines)
{
	struct feedback_config fc = { .backend = "record", .record_path = path };
	const uint8_t uid[7] = { 0x04, 0xd1, 0xe2, 0xf3, 0xa4, 0xb5, 0xc6 };
	struct feedback *f = NULL;
	char *s;

	unlink(path);
	clock_pin(1795908600000LL, 4242, true);
	CHECK_EQ_INT(feedback_open(&fc, &f), 0);
	feedback_give(f, FEEDBACK_ARRIVAL, 7, uid, 7);
	clock_advance(5);
	feedback_give(f, FEEDBACK_DUPLICATE, 7, uid, 7);
	feedback_give(f, FEEDBACK_READER_FAULT, 0, NULL, 0);
	feedback_close(f);
	clock_unpin();
	s = slurp(path);
	CHECK_EQ_STR(s, "4242 arrival 7 04d1e2f3a4b5c6\n"
			"4247 duplicate 7 04d1e2f3a4b5c6\n"
			"4247 reader_fault 0 -\n");
}

TEST(backends_refuse_bad_settings)
{
	struct feedback_config fc = { .backend = "record", .record_path = "/nonexistent/x" };
	struct feedback *f = NULL;

	CHECK(feedback_open(&fc, &f) < 0);
	fc.backend = "lasers";
	CHECK_EQ_INT(feedback_open(&fc, &f), -EINVAL);
	fc.backend = "gpiod";
	fc.chip = "/nonexistent/gpiochip9";
	fc.green = 1;
	fc.red = fc.buzzer = fc.relay = -1;
	CHECK(feedback_open(&fc, &f) < 0);
	CHECK(f == NULL);
	fc.backend = "none";
	CHECK_EQ_INT(feedback_open(&fc, &f), 0);
	CHECK_EQ_INT(feedback_give(f, FEEDBACK_ARRIVAL, 1, NULL, 0), 0);
	feedback_close(f);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/out", tmpdir);
	RUN(every_screen_has_its_words);
	RUN(missing_tty_is_an_error);
	RUN(record_lines);
	RUN(backends_refuse_bad_settings);
	unlink(path);
	rmdir(tmpdir);
	return harness_done();
}
