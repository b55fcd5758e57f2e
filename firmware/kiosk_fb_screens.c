/*
 * The door screens' layout and look (kiosk_fb_render): one function for every screen state,
 * orientation and size, so that 800x480 landscape and 600x1024 portrait come from the same
 * proportions.
 *
 * Every screen is a band at the top (center name, offline badge), an icon drawn from simple
 * shapes, and a stack of large lines. Meaning never rests on color alone: each screen has
 * its own icon shape (check, door with arrow, double check, question mark, warning triangle,
 * no-entry bar, card) and its own words, and stays distinguishable in grayscale. Text sizes
 * come from the screen height; a line that is too wide is shrunk, then cut with an ellipsis.
 * Without a Hangul font the words are short English capitals in the built-in font.
 */
#include "firmware/kiosk_fb.h"

#include "common/clock.h"
#include "firmware/kiosk.h"
#include "firmware/kiosk_draw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define KIOSK_MAX_LINES 5

enum kiosk_icon {
	ICON_NONE,
	ICON_CARD,
	ICON_CHECK,
	ICON_DOOR,
	ICON_DOUBLE_CHECK,
	ICON_QUESTION,
	ICON_WARNING,
	ICON_NO_ENTRY,
};

struct kiosk_look {
	uint32_t bg, bar, fg, accent, icon_bg, icon_fg;
	enum kiosk_icon icon;
};

struct kiosk_line {
	char text[160];
	bool bold;
	float weight; /* relative size */
	uint32_t color;
};

struct kiosk_layout {
	struct kiosk_canvas *c;
	struct kiosk_font *f;
	struct kiosk_fb_stats *stats;
	bool builtin;
};

static const struct kiosk_look kiosk_looks[KIOSK_SCREEN_COUNT] = {
	[KIOSK_IDLE] = { 0xfff6e5, 0xffe0b2, 0x2b2b2b, 0xe8590c, 0xff8a3d, 0xffffff, ICON_CARD },
	[KIOSK_ARRIVAL] = { 0x1f9d55, 0x17804a, 0xffffff, 0xeaffea, 0xffffff, 0x1f9d55,
			    ICON_CHECK },
	[KIOSK_DEPARTURE] = { 0x2f6fdb, 0x255bb5, 0xffffff, 0xe6efff, 0xffffff, 0x2f6fdb,
			      ICON_DOOR },
	[KIOSK_DUPLICATE] = { 0xf6c343, 0xe0ab26, 0x222222, 0x3a3000, 0x222222, 0xf6c343,
			      ICON_DOUBLE_CHECK },
	[KIOSK_UNKNOWN_CARD] = { 0xd9402b, 0xb83222, 0xffffff, 0xffe9e4, 0xffffff, 0xd9402b,
				 ICON_QUESTION },
	[KIOSK_READER_FAULT] = { 0x3a3f47, 0x2c3036, 0xffffff, 0xffd166, 0xffc83d, 0x2b2b2b,
				 ICON_WARNING },
	[KIOSK_JOURNAL_FULL] = { 0x7a1f3d, 0x621830, 0xffffff, 0xffd6e2, 0xffffff, 0x7a1f3d,
				 ICON_NO_ENTRY },
	[KIOSK_BLANK] = { 0x000000, 0x000000, 0x000000, 0x000000, 0x000000, 0x000000, ICON_NONE },
};

static int64_t kiosk_ms_of_day(int64_t wall_ms)
{
	int64_t t = (wall_ms + CLOCK_SEOUL_OFFSET_MS) % CLOCK_DAY_MS;

	return t < 0 ? t + CLOCK_DAY_MS : t;
}

/* "오후 3:02" (or "15:02" in the built-in font). */
static void kiosk_time_text(int64_t wall_ms, bool builtin, char *buf, size_t len)
{
	int m = (int)(kiosk_ms_of_day(wall_ms) / 60000), h = m / 60, h12 = h % 12;

	if (builtin)
		snprintf(buf, len, "%02d:%02d", h, m % 60);
	else
		snprintf(buf, len, "%s %d:%02d", h < 12 ? "오전" : "오후", h12 ? h12 : 12, m % 60);
}

/* "11월 23일 월요일" (or "2026-11-23"). */
static void kiosk_date_text(int64_t wall_ms, bool builtin, char *buf, size_t len)
{
	static const char *const wd[7] = { "일", "월", "화", "수", "목", "금", "토" };
	int64_t day = clock_seoul_day(wall_ms);
	char iso[16];
	int mon, mday;

	clock_day_format(day, iso, sizeof(iso));
	if (builtin || sscanf(iso, "%*d-%d-%d", &mon, &mday) != 2) {
		snprintf(buf, len, "%s", iso);
		return;
	}
	/* 1970-01-01 was a Thursday */
	snprintf(buf, len, "%d월 %d일 %s요일", mon, mday, wd[(((day + 4) % 7) + 7) % 7]);
}

static bool kiosk_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void kiosk_add(struct kiosk_line *lines, int *n, const char *text, bool bold, float weight,
		      uint32_t color)
{
	if (*n >= KIOSK_MAX_LINES || !text || !*text)
		return;
	snprintf(lines[*n].text, sizeof(lines[*n].text), "%s", text);
	lines[*n].bold = bold;
	lines[*n].weight = weight;
	lines[*n].color = color;
	(*n)++;
}

/* One line, shrunk to fit max_w, with its baseline at y; returns the size used. */
static int kiosk_put(struct kiosk_layout *L, const char *text, bool bold, int px, int x, int y,
		     int max_w, int box_x0, int box_x1, bool center, uint32_t color)
{
	struct kiosk_text_fit fit;
	int asc, height, min_px = px * 45 / 100;

	kiosk_text_fit(L->f, bold, px, min_px < 12 ? 12 : min_px, max_w, text, &fit);
	if (center)
		x += (max_w - fit.width) / 2;
	kiosk_font_metrics(L->f, bold, fit.px, &asc, &height);
	kiosk_text_draw(L->c, L->f, bold, fit.px, x, y, color, fit.text);
	if (L->stats) {
		L->stats->texts++;
		L->stats->shrunk += fit.shrunk;
		L->stats->ellipsized += fit.ellipsized;
		if (x < box_x0 || x + fit.width > box_x1 || y - asc < 0 ||
		    y - asc + height > L->c->h + height / 4)
			L->stats->outside++;
	}
	return fit.px;
}

/* A stack of lines centered in the box; sizes from the box height and each line's weight. */
static void kiosk_stack(struct kiosk_layout *L, const struct kiosk_line *lines, int n, int bx,
			int by, int bw, int bh, int max_unit, int *headline_px)
{
	float wsum = 0, unit;
	int px[KIOSK_MAX_LINES], asc[KIOSK_MAX_LINES], lh[KIOSK_MAX_LINES], total = 0, y;
	struct kiosk_text_fit fit;

	if (n == 0)
		return;
	for (int i = 0; i < n; i++)
		wsum += lines[i].weight * 1.3f;
	unit = (float)bh / wsum;
	if (unit > (float)max_unit)
		unit = (float)max_unit;
	for (int i = 0; i < n; i++) {
		int want = (int)(lines[i].weight * unit);
		int min_px = want * 45 / 100;

		/* the size the line will really be drawn at, to center the stack truly */
		kiosk_text_fit(L->f, lines[i].bold, want, min_px < 12 ? 12 : min_px, bw,
			       lines[i].text, &fit);
		px[i] = want;
		kiosk_font_metrics(L->f, lines[i].bold, fit.px, &asc[i], &lh[i]);
		lh[i] = (int)((float)lh[i] * (i + 1 < n ? 1.12f : 1.0f));
		total += lh[i];
	}
	y = by + (bh - total) / 2;
	for (int i = 0; i < n; i++) {
		int used = kiosk_put(L, lines[i].text, lines[i].bold, px[i], bx, y + asc[i], bw, bx,
				     bx + bw, true, lines[i].color);

		if (headline_px && used > *headline_px)
			*headline_px = used;
		y += lh[i];
	}
}

static void kiosk_check_mark(struct kiosk_canvas *c, float cx, float cy, float s, uint32_t rgb)
{
	float w = s * 0.11f;

	kiosk_draw_line(c, cx - 0.22f * s, cy + 0.0f * s, cx - 0.07f * s, cy + 0.16f * s, w, rgb);
	kiosk_draw_line(c, cx - 0.07f * s, cy + 0.16f * s, cx + 0.24f * s, cy - 0.17f * s, w, rgb);
}

static void kiosk_icon(struct kiosk_layout *L, const struct kiosk_look *look, float cx, float cy,
		       float s)
{
	struct kiosk_canvas *c = L->c;
	float r = s * 0.46f;

	switch (look->icon) {
	case ICON_CARD: {
		/* a card held up to the reader, with radio waves */
		float cw = s * 0.56f, ch = s * 0.38f, x = cx - s * 0.42f, y = cy - s * 0.02f;

		kiosk_draw_round_rect(c, x + s * 0.03f, y + s * 0.03f, cw, ch, s * 0.06f,
				      look->bar);
		kiosk_draw_round_rect(c, x, y, cw, ch, s * 0.06f, look->icon_bg);
		kiosk_draw_round_rect(c, x + cw * 0.12f, y + ch * 0.22f, cw * 0.2f, ch * 0.26f,
				      s * 0.015f, look->icon_fg);
		kiosk_draw_rect(c, (int)(x + cw * 0.12f), (int)(y + ch * 0.68f), (int)(cw * 0.6f),
				(int)(s * 0.03f), look->icon_fg);
		for (int i = 0; i < 3; i++)
			kiosk_draw_arc(c, cx + s * 0.14f, cy - s * 0.06f, s * (0.12f + 0.11f * i),
				       s * 0.045f, -1.25f, -0.25f, look->accent);
		break;
	}
	case ICON_CHECK:
		kiosk_draw_circle(c, cx, cy, r, look->icon_bg);
		kiosk_check_mark(c, cx, cy, s, look->icon_fg);
		break;
	case ICON_DOUBLE_CHECK:
		kiosk_draw_circle(c, cx, cy, r, look->icon_bg);
		kiosk_check_mark(c, cx - s * 0.13f, cy + s * 0.03f, s * 0.68f, look->icon_fg);
		kiosk_check_mark(c, cx + s * 0.12f, cy + s * 0.03f, s * 0.68f, look->icon_fg);
		break;
	case ICON_DOOR: {
		/* an open door frame and an arrow walking out of it */
		float dx = cx - s * 0.25f, dy = cy - s * 0.27f, dw = s * 0.26f, dh = s * 0.54f;

		kiosk_draw_circle(c, cx, cy, r, look->icon_bg);
		kiosk_draw_round_rect(c, dx, dy, dw, dh, s * 0.03f, look->icon_fg);
		kiosk_draw_round_rect(c, dx + s * 0.045f, dy + s * 0.045f, dw - s * 0.09f,
				      dh - s * 0.045f, s * 0.015f, look->icon_bg);
		kiosk_draw_line(c, cx - s * 0.09f, cy, cx + s * 0.26f, cy, s * 0.08f, look->icon_fg);
		kiosk_draw_line(c, cx + s * 0.26f, cy, cx + s * 0.14f, cy - s * 0.12f, s * 0.08f,
				look->icon_fg);
		kiosk_draw_line(c, cx + s * 0.26f, cy, cx + s * 0.14f, cy + s * 0.12f, s * 0.08f,
				look->icon_fg);
		break;
	}
	case ICON_QUESTION: {
		int px = (int)(s * 0.62f), asc, h, w;

		kiosk_draw_circle(c, cx, cy, r, look->icon_bg);
		w = kiosk_text_width(L->f, true, px, "?");
		kiosk_font_metrics(L->f, true, px, &asc, &h);
		/* the glyph's ink sits between the baseline and about 0.72 px above it */
		kiosk_text_draw(c, L->f, true, px, (int)(cx - (float)w / 2),
				(int)(cy + (float)px * 0.36f), look->icon_fg, "?");
		break;
	}
	case ICON_WARNING:
		kiosk_draw_triangle(c, cx, cy - s * 0.44f, cx + s * 0.48f, cy + s * 0.38f,
				    cx - s * 0.48f, cy + s * 0.38f, look->icon_bg);
		kiosk_draw_line(c, cx, cy - s * 0.16f, cx, cy + s * 0.12f, s * 0.09f, look->icon_fg);
		kiosk_draw_circle(c, cx, cy + s * 0.26f, s * 0.05f, look->icon_fg);
		break;
	case ICON_NO_ENTRY:
		kiosk_draw_circle(c, cx, cy, r, look->icon_bg);
		kiosk_draw_ring(c, cx, cy, r * 0.8f, s * 0.06f, look->icon_fg);
		kiosk_draw_round_rect(c, cx - s * 0.26f, cy - s * 0.07f, s * 0.52f, s * 0.14f,
				      s * 0.03f, look->icon_fg);
		break;
	case ICON_NONE:
		break;
	}
}

/* The offline badge, a pill ih high with its top at y: at the right of the top band
 * (landscape) or centered at the bottom (portrait). Returns its left edge. */
static int kiosk_badge(struct kiosk_layout *L, const struct kiosk_state *st, int ih, int y, int m,
		       bool centered)
{
	struct kiosk_canvas *c = L->c;
	char text[64];
	struct kiosk_text_fit fit;
	int px = ih * 57 / 100, pad = ih * 28 / 100, icon = ih * 60 / 100;
	int max_w = (centered ? c->w - 2 * m : c->w / 2) - icon - 3 * pad, asc, h, w, x;

	if (L->builtin)
		snprintf(text, sizeof(text), "OFFLINE %u", st->waiting);
	else if (st->waiting)
		snprintf(text, sizeof(text), "오프라인 · 대기 %u건", st->waiting);
	else
		snprintf(text, sizeof(text), "오프라인");
	kiosk_text_fit(L->f, true, px, px * 6 / 10, max_w, text, &fit);
	w = fit.width + icon + 3 * pad;
	x = centered ? (c->w - w) / 2 : c->w - m - w;
	kiosk_draw_round_rect(L->c, (float)x, (float)y, (float)w, (float)ih, (float)ih / 2,
			      0x1c1c1c);
	/* a broken link: a ring crossed out */
	kiosk_draw_ring(c, (float)(x + pad + icon / 2), (float)(y + ih / 2), (float)icon * 0.36f,
			(float)icon * 0.14f, 0xffb020);
	kiosk_draw_line(c, (float)(x + pad), (float)(y + ih / 2 + icon / 2),
			(float)(x + pad + icon), (float)(y + ih / 2 - icon / 2), (float)icon * 0.14f,
			0xffb020);
	kiosk_font_metrics(L->f, true, fit.px, &asc, &h);
	kiosk_put(L, fit.text, true, fit.px, x + 2 * pad + icon, y + (ih - h) / 2 + asc,
		  fit.width, 0, c->w, false, 0xffffff);
	return x;
}

static void kiosk_lines_for(const struct kiosk_state *st, const struct kiosk_look *look,
			    bool builtin, struct kiosk_line *lines, int *n)
{
	char t[64];
	const char *name = st->name[0] && (!builtin || kiosk_is_ascii(st->name)) ? st->name : NULL;

	*n = 0;
	switch (st->screen) {
	case KIOSK_IDLE:
		kiosk_date_text(st->now_wall_ms, builtin, t, sizeof(t));
		kiosk_add(lines, n, t, false, 0.42f, look->fg);
		kiosk_time_text(st->now_wall_ms, builtin, t, sizeof(t));
		kiosk_add(lines, n, t, true, 1.15f, look->fg);
		kiosk_add(lines, n, builtin ? "TAP YOUR CARD" : "카드를 대 주세요", true, 0.55f,
			  look->accent);
		break;
	case KIOSK_ARRIVAL:
	case KIOSK_DEPARTURE: {
		bool in = st->screen == KIOSK_ARRIVAL;

		kiosk_add(lines, n, name, true, 0.7f, look->fg);
		kiosk_add(lines, n, builtin ? (in ? "IN" : "OUT") : (in ? "등원" : "하원"), true,
			  1.2f, look->fg);
		kiosk_add(lines, n, builtin ? (in ? "WELCOME!" : "SEE YOU!")
					    : (in ? "어서 와요! 반가워요" : "잘 가요! 내일 또 만나요"),
			  false, 0.42f, look->accent);
		kiosk_time_text(st->tap_wall_ms, builtin, t, sizeof(t));
		kiosk_add(lines, n, t, false, 0.42f, look->fg);
		break;
	}
	case KIOSK_DUPLICATE:
		kiosk_add(lines, n, name, true, 0.6f, look->fg);
		kiosk_add(lines, n, builtin ? "ALREADY" : "이미", true, 1.0f, look->fg);
		kiosk_add(lines, n, builtin ? "TAPPED" : "찍었어요", true, 1.0f, look->fg);
		kiosk_add(lines, n, builtin ? "ONCE IS ENOUGH" : "한 번만 찍으면 돼요", false, 0.4f,
			  look->accent);
		break;
	case KIOSK_UNKNOWN_CARD:
		kiosk_add(lines, n, builtin ? "UNKNOWN" : "등록되지 않은", true, 0.8f, look->fg);
		kiosk_add(lines, n, builtin ? "CARD" : "카드입니다", true, 0.8f, look->fg);
		kiosk_add(lines, n, builtin ? "TELL A TEACHER" : "선생님께 알려주세요", true, 0.5f,
			  look->accent);
		break;
	case KIOSK_READER_FAULT:
		kiosk_add(lines, n, builtin ? "CARD READER" : "카드 리더기", true, 0.8f, look->fg);
		kiosk_add(lines, n, builtin ? "NOT WORKING" : "점검 중이에요", true, 0.8f, look->fg);
		kiosk_add(lines, n, builtin ? "TELL A TEACHER" : "선생님께 알려주세요", true, 0.5f,
			  look->accent);
		break;
	case KIOSK_JOURNAL_FULL:
		kiosk_add(lines, n, builtin ? "CANNOT RECORD" : "출결을 기록할", true, 0.8f,
			  look->fg);
		kiosk_add(lines, n, builtin ? "TAPS" : "수 없어요", true, 0.8f, look->fg);
		kiosk_add(lines, n, builtin ? "TELL A TEACHER" : "선생님께 알려주세요", true, 0.5f,
			  look->accent);
		break;
	default:
		break;
	}
}

void kiosk_fb_render(struct kiosk_canvas *c, struct kiosk_font *f, const struct kiosk_state *st,
		     struct kiosk_fb_stats *stats)
{
	struct kiosk_layout L = { .c = c, .f = f, .stats = stats, .builtin = kiosk_font_is_builtin(f) };
	enum kiosk_screen s = st->screen;
	const struct kiosk_look *look;
	struct kiosk_line lines[KIOSK_MAX_LINES];
	int n, W = c->w, H = c->h, u = W < H ? W : H, m = u / 24, bar_h, right, badge_h, headline = 0;
	bool landscape = W >= H;

	if (stats) {
		int64_t keep_r = stats->render_us, keep_c = stats->copy_us;

		memset(stats, 0, sizeof(*stats));
		stats->render_us = keep_r;
		stats->copy_us = keep_c;
		stats->builtin_font = L.builtin;
	}
	if ((int)s < 0 || s >= KIOSK_SCREEN_COUNT)
		s = KIOSK_IDLE;
	look = &kiosk_looks[s];
	kiosk_draw_fill(c, look->bg);
	if (s == KIOSK_BLANK)
		return;

	/* the top band: center name, offline badge */
	bar_h = landscape ? H * 13 / 100 : H * 8 / 100;
	kiosk_draw_rect(c, 0, 0, W, bar_h, look->bar);
	right = W - m;
	badge_h = 0;
	if (st->offline && landscape) {
		right = kiosk_badge(&L, st, bar_h * 70 / 100, bar_h * 15 / 100, m, false) - m;
	} else if (st->offline) {
		badge_h = bar_h * 85 / 100;
		kiosk_badge(&L, st, badge_h, H - m - badge_h, m, true);
		badge_h += m;
	}
	if (st->center_name[0] && (!L.builtin || kiosk_is_ascii(st->center_name))) {
		int px = bar_h * 44 / 100, asc, h;

		kiosk_font_metrics(f, false, px, &asc, &h);
		kiosk_put(&L, st->center_name, false, px, m, (bar_h - h) / 2 + asc, right - 2 * m,
			  m, right, false, look->fg);
	}

	kiosk_lines_for(st, look, L.builtin, lines, &n);
	if (landscape) {
		int col = W * 36 / 100, body = H - bar_h, isz = col - 2 * m;

		if (isz > body - 2 * m)
			isz = body - 2 * m;
		kiosk_icon(&L, look, (float)(m + col) / 2.0f + (float)m / 2.0f,
			   (float)bar_h + (float)body / 2.0f, (float)isz * 0.9f);
		kiosk_stack(&L, lines, n, col + m, bar_h + m, W - col - 2 * m, body - 2 * m,
			    u * 30 / 100, &headline);
	} else {
		int icon_h = H * 30 / 100, isz = icon_h - m;

		if (isz > W - 4 * m)
			isz = W - 4 * m;
		kiosk_icon(&L, look, (float)W / 2.0f, (float)(bar_h + m + icon_h / 2),
			   (float)isz * 0.92f);
		kiosk_stack(&L, lines, n, m, bar_h + icon_h + 2 * m, W - 2 * m,
			    H - bar_h - icon_h - 3 * m - badge_h, u * 30 / 100, &headline);
	}
	if (stats)
		stats->headline_px = headline;
}
