/*
 * Unit tests of the framebuffer door screen (firmware/kiosk_fb*.c, kiosk_draw.c, kiosk_png.c)
 * on file-backed framebuffers: the same open/draw/copy path as /dev/fb0.
 *
 * Every screen at 800x480 and 1024x600, landscape (rotation 0) and portrait (rotation 90),
 * 16 and 32 bpp: text fits, main lines are large, each screen's PNG is kept in
 * tests/artifacts/kiosk/, and a 1/4-size grayscale snapshot is compared with the golden in
 * tests/data/kiosk/ (small tolerance). KIUM_UPDATE_GOLDEN=1 rewrites the goldens instead.
 * Also: rotations 180/270 against 0/90, raw pixel layout in the file, and bad input (missing
 * font, 24 bpp, overlong and malformed names).
 */
#include "common/clock.h"
#include "common/log.h"
#include "firmware/kiosk.h"
#include "firmware/kiosk_draw.h"
#include "firmware/kiosk_fb.h"
#include "firmware/kiosk_png.h"
#include "tests/harness.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#define FONT "/usr/share/fonts/truetype/nanum/NanumSquareRoundR.ttf"
#define ARTIFACTS "tests/artifacts/kiosk"
#define GOLDENS "tests/data/kiosk"
#define GOLDEN_SCALE 4

static char tmpdir[64];
static int fb_seq;

struct screen_case {
	const char *name;
	struct kiosk_state st;
};

static struct screen_case cases[10];
static int ncases;

static int64_t seoul(const char *date, int hh, int mm)
{
	int64_t day;

	clock_day_parse(date, &day);
	return clock_day_start_ms(day) + ((int64_t)hh * 60 + mm) * 60000;
}

static void add_case(const char *name, enum kiosk_screen s, const char *child, bool offline,
		     unsigned waiting)
{
	struct screen_case *c = &cases[ncases++];

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->st.screen = s;
	snprintf(c->st.name, sizeof(c->st.name), "%s", child);
	c->st.tap_wall_ms = seoul("2026-11-23", 15, 2);
	c->st.now_wall_ms = seoul("2026-11-23", 15, 2) + 300;
	c->st.offline = offline;
	c->st.waiting = waiting;
	snprintf(c->st.center_name, sizeof(c->st.center_name), "노원구 우리동네키움센터 15호점");
}

static void make_cases(void)
{
	ncases = 0;
	add_case("idle", KIOSK_IDLE, "", false, 0);
	add_case("idle-offline", KIOSK_IDLE, "", true, 12);
	add_case("arrival", KIOSK_ARRIVAL, "김*수", false, 0);
	add_case("departure", KIOSK_DEPARTURE, "이*은", true, 3);
	add_case("duplicate", KIOSK_DUPLICATE, "박*준", false, 0);
	add_case("unknown-card", KIOSK_UNKNOWN_CARD, "", false, 0);
	add_case("reader-fault", KIOSK_READER_FAULT, "", false, 0);
	add_case("journal-full", KIOSK_JOURNAL_FULL, "", true, 5000);
	add_case("blank", KIOSK_BLANK, "", false, 0);
}

struct fb_handle {
	void *priv;
	char path[96];
};

static void fb_handle_close(void *p)
{
	struct fb_handle *h = p;

	kiosk_fb_ops.close(h->priv);
	unlink(h->path);
	free(h);
}

/* Opens a file-backed framebuffer; NULL with *rc on failure. Closed at the end of the test. */
static struct fb_handle *fb_open(int w, int h, int bpp, int rotation, const char *font, int *rc)
{
	struct fb_handle *fh = calloc(1, sizeof(*fh));
	struct kiosk_config cfg = {
		.backend = "framebuffer",
		.fb_width = w,
		.fb_height = h,
		.fb_bpp = bpp,
		.rotation = rotation,
		.font = font,
	};
	FILE *f;

	snprintf(fh->path, sizeof(fh->path), "%s/fb%d", tmpdir, fb_seq++);
	f = fopen(fh->path, "w");
	if (f)
		fclose(f);
	cfg.fb_device = fh->path;
	*rc = kiosk_fb_ops.open(&cfg, &fh->priv);
	if (*rc < 0) {
		unlink(fh->path);
		free(fh);
		return NULL;
	}
	harness_defer(fb_handle_close, fh);
	return fh;
}

static void free_cb(void *p)
{
	free(p);
}

/* Compares a 1/4 gray snapshot with its golden: at most 0.6% of pixels may differ by more
 * than 40 levels, and the mean difference must stay under 4 levels (RGB565 rounding costs up to ~3). */
static int golden_check(void *priv, const char *golden_name, char *why, size_t why_len)
{
	char path[256];
	uint8_t *snap = NULL, *gold = NULL;
	int sw, sh, gw, gh, rc;
	long big = 0;
	double sum = 0;

	snprintf(path, sizeof(path), "%s/%s.png", GOLDENS, golden_name);
	rc = kiosk_fb_snapshot_gray(priv, GOLDEN_SCALE, &snap, &sw, &sh);
	if (rc < 0) {
		snprintf(why, why_len, "snapshot failed: %d", rc);
		return rc;
	}
	if (getenv("KIUM_UPDATE_GOLDEN") && strcmp(getenv("KIUM_UPDATE_GOLDEN"), "1") == 0) {
		rc = kiosk_png_write_gray(path, snap, sw, sh);
		free(snap);
		return rc;
	}
	rc = kiosk_png_read_gray(path, &gold, &gw, &gh);
	if (rc < 0) {
		snprintf(why, why_len, "no golden %.100s (KIUM_UPDATE_GOLDEN=1 makes it)", path);
		goto out;
	}
	if (gw != sw || gh != sh) {
		snprintf(why, why_len, "%.100s is %dx%d, snapshot %dx%d", path, gw, gh, sw, sh);
		rc = -EINVAL;
		goto out;
	}
	for (long i = 0; i < (long)sw * sh; i++) {
		int d = abs((int)snap[i] - (int)gold[i]);

		sum += d;
		big += d > 40;
	}
	if (big * 1000 > (long)sw * sh * 6 || sum / ((double)sw * sh) >= 4.0) {
		snprintf(why, why_len, "%.100s: %ld pixels differ, mean difference %.2f", path, big,
			 sum / ((double)sw * sh));
		rc = -EINVAL;
	}
out:
	free(snap);
	free(gold);
	return rc;
}

TEST(every_screen_every_geometry)
{
	static const int res[2][2] = { { 800, 480 }, { 1024, 600 } };
	int drawn = 0;

	make_cases();
	for (int r = 0; r < 2; r++) {
		for (int portrait = 0; portrait < 2; portrait++) {
			for (int bpp = 16; bpp <= 32; bpp += 16) {
				int rc, lw, lh, u;
				struct fb_handle *fh = fb_open(res[r][0], res[r][1], bpp,
							       portrait ? 90 : 0, FONT, &rc);

				CHECK_MSG(fh, "open %dx%d %d bpp: %d", res[r][0], res[r][1], bpp, rc);
				kiosk_fb_logical_size(fh->priv, &lw, &lh);
				CHECK_EQ_INT(lw, portrait ? res[r][1] : res[r][0]);
				CHECK_EQ_INT(lh, portrait ? res[r][0] : res[r][1]);
				u = lw < lh ? lw : lh;
				for (int i = 0; i < ncases; i++) {
					struct screen_case *sc = &cases[i];
					struct kiosk_fb_stats stats;
					char name[96], png[160], why[400] = "";

					CHECK_EQ_INT(kiosk_fb_ops.draw(fh->priv, &sc->st), 0);
					drawn++;
					kiosk_fb_last_stats(fh->priv, &stats);
					snprintf(name, sizeof(name), "%s_%dx%d_%s", sc->name, res[r][0],
						 res[r][1], portrait ? "portrait" : "landscape");
					CHECK_MSG(!stats.builtin_font, "%s: no FreeType font", name);
					CHECK_MSG(stats.outside == 0, "%s: %d lines outside their box",
						  name, stats.outside);
					CHECK_MSG(stats.ellipsized == 0, "%s: %d lines cut", name,
						  stats.ellipsized);
					if (sc->st.screen != KIOSK_BLANK) {
						CHECK_MSG(stats.texts >= 3, "%s: %d lines", name,
							  stats.texts);
						/* readable at 1.5 m: the main line is big */
						CHECK_MSG(stats.headline_px * 100 >= u * 13,
							  "%s: headline %d px on a %d px side", name,
							  stats.headline_px, u);
					}
					if (bpp == 32) {
						snprintf(png, sizeof(png), "%s/%s.png", ARTIFACTS, name);
						CHECK_EQ_INT(kiosk_fb_snapshot_png(fh->priv, png), 0);
					}
					/* 16 bpp is held to the same golden as 32 bpp */
					CHECK_MSG(golden_check(fh->priv, name, why, sizeof(why)) == 0,
						  "%s at %d bpp: %s", name, bpp, why);
				}
			}
		}
	}
	CHECK_EQ_INT(drawn, 2 * 2 * 2 * ncases);
}

/* The gray snapshot of one state on a new framebuffer; caller frees. */
static uint8_t *snap_of(int w, int h, int bpp, int rotation, const struct kiosk_state *st, int *sw,
			int *sh)
{
	int rc;
	uint8_t *px = NULL;
	struct fb_handle *fh = fb_open(w, h, bpp, rotation, FONT, &rc);

	if (!fh || kiosk_fb_ops.draw(fh->priv, st) < 0)
		return NULL;
	if (kiosk_fb_snapshot_gray(fh->priv, 1, &px, sw, sh) < 0)
		return NULL;
	return px;
}

TEST(rotations_show_the_same_picture)
{
	int w0, h0, w1, h1, w2, h2;
	uint8_t *a, *b, *c;

	make_cases();
	/* landscape 0 vs 180 */
	a = snap_of(800, 480, 32, 0, &cases[3].st, &w0, &h0);
	b = snap_of(800, 480, 32, 180, &cases[3].st, &w1, &h1);
	CHECK(a && b);
	harness_defer(free_cb, a);
	harness_defer(free_cb, b);
	CHECK(w0 == w1 && h0 == h1 && w0 == 800);
	CHECK(memcmp(a, b, (size_t)w0 * h0) == 0);
	/* portrait: a 480x800 panel unrotated, and an 800x480 panel at 90 and at 270 */
	a = snap_of(480, 800, 32, 0, &cases[2].st, &w0, &h0);
	b = snap_of(800, 480, 32, 90, &cases[2].st, &w1, &h1);
	c = snap_of(800, 480, 16, 270, &cases[2].st, &w2, &h2);
	CHECK(a && b && c);
	harness_defer(free_cb, a);
	harness_defer(free_cb, b);
	harness_defer(free_cb, c);
	CHECK(w0 == 480 && h0 == 800 && w1 == 480 && h1 == 800 && w2 == 480 && h2 == 800);
	CHECK(memcmp(a, b, (size_t)w0 * h0) == 0);
	/* 16 bpp loses low bits of each channel: close, not equal */
	for (long i = 0; i < (long)w0 * h0; i++)
		CHECK_MSG(abs((int)a[i] - (int)c[i]) <= 8, "pixel %ld: %d vs %d", i, a[i], c[i]);
}

TEST(raw_pixels_in_the_file)
{
	int rc;
	struct fb_handle *f32 = fb_open(800, 480, 32, 0, FONT, &rc);
	struct fb_handle *f16 = fb_open(800, 480, 16, 0, FONT, &rc);
	struct fb_handle *r90 = fb_open(800, 480, 32, 90, FONT, &rc);
	struct kiosk_state st = { .screen = KIOSK_ARRIVAL };
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	FILE *f;
	struct stat sb;

	CHECK(f32 && f16 && r90);
	CHECK_EQ_INT(kiosk_fb_ops.draw(f32->priv, &st), 0);
	CHECK_EQ_INT(kiosk_fb_ops.draw(f16->priv, &st), 0);
	CHECK_EQ_INT(kiosk_fb_ops.draw(r90->priv, &st), 0);
	CHECK_EQ_INT(stat(f32->path, &sb), 0);
	CHECK_EQ_INT(sb.st_size, 800 * 480 * 4);
	CHECK_EQ_INT(stat(f16->path, &sb), 0);
	CHECK_EQ_INT(sb.st_size, 800 * 480 * 2);
	/* top-left pixel: the arrival screen's band color 0x17804a, XRGB8888 and RGB565 */
	f = fopen(f32->path, "rb");
	CHECK(f);
	CHECK_EQ_INT(fread(&v32, 4, 1, f), 1);
	fclose(f);
	CHECK_EQ_INT(v32 & 0xffffff, 0x17804a);
	f = fopen(f16->path, "rb");
	CHECK(f);
	CHECK_EQ_INT(fread(&v16, 2, 1, f), 1);
	fclose(f);
	CHECK_EQ_INT(v16, (0x17 >> 3) << 11 | (0x80 >> 2) << 5 | (0x4a >> 3));
	/* at 90 degrees the band (top of the picture) runs down the right edge of the panel */
	f = fopen(r90->path, "rb");
	CHECK(f);
	CHECK_EQ_INT(fseek(f, (long)(799 * 4 + 400 * 800 * 4), SEEK_SET), 0);
	CHECK_EQ_INT(fread(&v32, 4, 1, f), 1);
	fclose(f);
	CHECK_EQ_INT(v32 & 0xffffff, 0x17804a);
}

static int grep_file(const char *path, const char *needle)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

TEST(missing_font_falls_back_to_builtin)
{
	int rc;
	char log[96], png[128];
	struct fb_handle *fh;

	make_cases();
	snprintf(log, sizeof(log), "%s/log-font", tmpdir);
	log_reopen(log);
	fh = fb_open(800, 480, 32, 0, "/nonexistent/NanumGothic.ttf", &rc);
	log_reopen(NULL);
	CHECK(fh);
	CHECK(grep_file(log, "font /nonexistent/NanumGothic.ttf is missing"));
	for (int i = 0; i < ncases; i++) {
		struct kiosk_fb_stats stats;

		CHECK_EQ_INT(kiosk_fb_ops.draw(fh->priv, &cases[i].st), 0);
		kiosk_fb_last_stats(fh->priv, &stats);
		CHECK(stats.builtin_font);
		CHECK_EQ_INT(stats.outside, 0);
		if (cases[i].st.screen != KIOSK_BLANK)
			CHECK_MSG(stats.texts >= 2 && stats.headline_px >= 60, "%s: %d lines, %d px",
				  cases[i].name, stats.texts, stats.headline_px);
		snprintf(png, sizeof(png), "%s/nofont_%s.png", ARTIFACTS, cases[i].name);
		CHECK_EQ_INT(kiosk_fb_snapshot_png(fh->priv, png), 0);
	}
	/* a file that is not a font at all */
	fh = fb_open(800, 480, 32, 0, "/etc/hostname", &rc);
	CHECK(fh);
	CHECK_EQ_INT(kiosk_fb_ops.draw(fh->priv, &cases[2].st), 0);
}

TEST(unsupported_pixel_format_is_refused_and_the_kiosk_carries_on)
{
	int rc;
	char log[96], path[96];
	struct kiosk_config cfg = {
		.backend = "framebuffer", .fb_width = 800, .fb_height = 480, .fb_bpp = 24,
		.font = FONT,
	};
	struct kiosk *k = NULL;
	FILE *f;

	snprintf(log, sizeof(log), "%s/log-bpp", tmpdir);
	log_reopen(log);
	CHECK(!fb_open(800, 480, 24, 0, FONT, &rc));
	CHECK_EQ_INT(rc, -ENOTSUP);
	CHECK(!fb_open(800, 480, 8, 0, FONT, &rc));
	CHECK(!fb_open(0, 480, 32, 0, FONT, &rc));
	CHECK_EQ_INT(rc, -EINVAL);
	/* through the front: logged, then no screen, and taps still work */
	snprintf(path, sizeof(path), "%s/fb24", tmpdir);
	f = fopen(path, "w");
	CHECK(f);
	fclose(f);
	cfg.fb_device = path;
	CHECK_EQ_INT(kiosk_open(&cfg, &k), 0);
	log_reopen(NULL);
	CHECK(k);
	CHECK_EQ_STR(kiosk_backend_name(k), "none");
	kiosk_show(k, KIOSK_ARRIVAL, "김*수", 0);
	kiosk_close(k);
	unlink(path);
	CHECK(grep_file(log, "unsupported pixel format: 24 bpp"));
	CHECK(grep_file(log, "running without a screen"));
	/* a character device that is not a framebuffer */
	cfg.fb_device = "/dev/null";
	CHECK_EQ_INT(kiosk_fb_ops.open(&cfg, (void **)&k), -ENOTTY);
}

TEST(overlong_and_malformed_text)
{
	int rc;
	struct fb_handle *fh = fb_open(800, 480, 32, 90, FONT, &rc);
	struct kiosk_state st = { .screen = KIOSK_ARRIVAL, .offline = true, .waiting = 4000000000u };
	struct kiosk_fb_stats stats;
	char png[128];
	size_t n = 0;

	CHECK(fh);
	/* a 31-syllable name (93 bytes) and a center name far wider than the band */
	while (n + 3 < sizeof(st.name)) {
		memcpy(st.name + n, "가", 3);
		n += 3;
	}
	st.name[n] = '\0';
	snprintf(st.center_name, sizeof(st.center_name),
		 "서울특별시 노원구 상계동 우리동네키움센터 제15호점 별관 2층");
	CHECK_EQ_INT(kiosk_fb_ops.draw(fh->priv, &st), 0);
	kiosk_fb_last_stats(fh->priv, &stats);
	CHECK_EQ_INT(stats.outside, 0);
	CHECK(stats.ellipsized >= 1);
	snprintf(png, sizeof(png), "%s/overlong_name_portrait.png", ARTIFACTS);
	CHECK_EQ_INT(kiosk_fb_snapshot_png(fh->priv, png), 0);
	/* malformed UTF-8 and control bytes: drawn as replacement glyphs, no crash */
	memcpy(st.name, "\xff\xfe\xc3\x28\xe0\x80\x80\xed\xa0\x80\x01\x7f\xf4\x90\x80\x80\xea", 17);
	st.name[17] = '\0';
	st.screen = KIOSK_DUPLICATE;
	CHECK_EQ_INT(kiosk_fb_ops.draw(fh->priv, &st), 0);
	kiosk_fb_last_stats(fh->priv, &stats);
	CHECK_EQ_INT(stats.outside, 0);
	/* an out-of-range screen value draws the idle screen */
	st.screen = (enum kiosk_screen)77;
	CHECK_EQ_INT(kiosk_fb_ops.draw(fh->priv, &st), 0);
}

TEST(utf8_decoder)
{
	const char *s = "A\xea\xb9\x80\xe2\x80\xa6\xf0\x9f\x98\x80\xc0\xaf", *p = s, *end = s + strlen(s);

	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 'A');
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0xae40);
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0x2026);
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0x1f600);
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0xfffd); /* overlong */
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0xfffd);
	CHECK(p == end);
	/* a sequence cut by the end of the buffer */
	s = "\xea\xb9";
	p = s;
	end = s + 2;
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0xfffd);
	CHECK_EQ_INT(kiosk_utf8_next(&p, end), 0xfffd);
	CHECK(p == end);
}

TEST(front_on_the_framebuffer)
{
	struct kiosk_config cfg = {
		.backend = "framebuffer", .fb_width = 800, .fb_height = 480, .fb_bpp = 32,
		.font = FONT, .center_name = "키움센터", .idle_return_ms = 2000,
	};
	struct kiosk *k = NULL;
	char path[96];
	FILE *f;
	uint32_t px = 0;

	clock_pin(seoul("2026-11-23", 10, 0), 1000, true);
	snprintf(path, sizeof(path), "%s/fb-front", tmpdir);
	f = fopen(path, "w");
	CHECK(f);
	fclose(f);
	cfg.fb_device = path;
	CHECK_EQ_INT(kiosk_open(&cfg, &k), 0);
	CHECK_EQ_STR(kiosk_backend_name(k), "framebuffer");
	kiosk_show(k, KIOSK_DEPARTURE, "최*민", clock_wall_ms());
	f = fopen(path, "rb");
	if (f) {
		if (fread(&px, 4, 1, f) != 1)
			px = 0;
		fclose(f);
	}
	CHECK_EQ_INT(px & 0xffffff, 0x255bb5); /* departure band */
	clock_advance(2000);
	kiosk_tick(k);
	f = fopen(path, "rb");
	if (f) {
		if (fread(&px, 4, 1, f) != 1)
			px = 0;
		fclose(f);
	}
	CHECK_EQ_INT(px & 0xffffff, 0xffe0b2); /* idle band */
	CHECK_EQ_INT(kiosk_draw_errors(k), 0);
	kiosk_close(k);
	unlink(path);
	clock_unpin();
}

int main(void)
{
	log_init("fw_kiosk_fb", KLOG_WARNING);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kium-kiosk-fb.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("FAIL: fw_kiosk_fb: mkdtemp\n");
		return 1;
	}
	mkdir("tests/artifacts", 0755);
	mkdir(ARTIFACTS, 0755);
	RUN(every_screen_every_geometry);
	RUN(rotations_show_the_same_picture);
	RUN(raw_pixels_in_the_file);
	RUN(missing_font_falls_back_to_builtin);
	RUN(unsupported_pixel_format_is_refused_and_the_kiosk_carries_on);
	RUN(overlong_and_malformed_text);
	RUN(utf8_decoder);
	RUN(front_on_the_framebuffer);
	rmdir(tmpdir);
	return harness_done();
}
