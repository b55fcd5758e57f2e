/*
 * Off-screen canvas, antialiased shapes and UTF-8 text for the door screen (kiosk_draw.h).
 *
 * Shapes are signed-distance tests over their bounding box with one pixel of antialiasing,
 * which is plenty for the few large icons a screen has. Text goes through FreeType with a
 * small glyph cache (the idle clock redraws the same digits every minute); the cache is
 * bounded and flushed whole when full. Without a usable font file, the built-in 5x7 bitmap
 * font below draws ASCII so the screen still says something readable.
 */
#include "firmware/kiosk_draw.h"

#include "common/log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#define KIOSK_CACHE_SLOTS 1024     /* power of two */
#define KIOSK_CACHE_MAX_BYTES (6u << 20)
#define KIOSK_MAX_PX 1000

struct kiosk_glyph {
	uint32_t key; /* 0: empty slot */
	int16_t left, top;
	uint16_t w, h;
	int advance;
	uint8_t *bits; /* w * h coverage, owned */
};

struct kiosk_font {
	FT_Library lib;
	FT_Face face[2]; /* regular, bold; NULL when the built-in font is used */
	int face_px[2];  /* size the face is set to */
	struct kiosk_glyph cache[KIOSK_CACHE_SLOTS];
	unsigned cache_used;
	size_t cache_bytes;
};

/* ---- canvas and shapes ---- */

int kiosk_canvas_init(struct kiosk_canvas *c, int w, int h)
{
	c->w = c->h = 0;
	c->px = NULL;
	if (w < 1 || h < 1 || w > 8192 || h > 8192)
		return -EINVAL;
	c->px = calloc((size_t)w * (size_t)h, sizeof(uint32_t));
	if (!c->px)
		return -ENOMEM;
	c->w = w;
	c->h = h;
	return 0;
}

void kiosk_canvas_free(struct kiosk_canvas *c)
{
	if (!c)
		return;
	free(c->px);
	c->px = NULL;
	c->w = c->h = 0;
}

void kiosk_draw_fill(struct kiosk_canvas *c, uint32_t rgb)
{
	size_t n = (size_t)c->w * (size_t)c->h;

	for (size_t i = 0; i < n; i++)
		c->px[i] = rgb;
}

void kiosk_draw_rect(struct kiosk_canvas *c, int x, int y, int w, int h, uint32_t rgb)
{
	int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
	int x1 = x + w > c->w ? c->w : x + w, y1 = y + h > c->h ? c->h : y + h;

	for (int j = y0; j < y1; j++)
		for (int i = x0; i < x1; i++)
			c->px[(size_t)j * c->w + i] = rgb;
}

void kiosk_draw_blend(struct kiosk_canvas *c, int x, int y, uint32_t rgb, unsigned alpha)
{
	uint32_t *d, o;
	unsigned r, g, b;

	if (x < 0 || y < 0 || x >= c->w || y >= c->h || alpha == 0)
		return;
	d = &c->px[(size_t)y * c->w + x];
	if (alpha >= 255) {
		*d = rgb;
		return;
	}
	o = *d;
	r = (((rgb >> 16) & 0xff) * alpha + ((o >> 16) & 0xff) * (255 - alpha) + 127) / 255;
	g = (((rgb >> 8) & 0xff) * alpha + ((o >> 8) & 0xff) * (255 - alpha) + 127) / 255;
	b = ((rgb & 0xff) * alpha + (o & 0xff) * (255 - alpha) + 127) / 255;
	*d = r << 16 | g << 8 | b;
}

/* A shape as a signed distance (negative inside) evaluated at pixel centers. */
typedef float (*kiosk_sdf)(const float *p, float x, float y);

static void kiosk_shape(struct kiosk_canvas *c, kiosk_sdf f, const float *p, float bx0, float by0,
			float bx1, float by1, uint32_t rgb)
{
	int x0 = (int)floorf(bx0) - 1, y0 = (int)floorf(by0) - 1;
	int x1 = (int)ceilf(bx1) + 1, y1 = (int)ceilf(by1) + 1;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > c->w)
		x1 = c->w;
	if (y1 > c->h)
		y1 = c->h;
	for (int j = y0; j < y1; j++) {
		for (int i = x0; i < x1; i++) {
			float d = f(p, (float)i + 0.5f, (float)j + 0.5f);
			float cov = 0.5f - d;

			if (cov <= 0.0f)
				continue;
			kiosk_draw_blend(c, i, j, rgb, cov >= 1.0f ? 255u : (unsigned)(cov * 255.0f));
		}
	}
}

static float sdf_circle(const float *p, float x, float y)
{
	return hypotf(x - p[0], y - p[1]) - p[2];
}

static float sdf_ring(const float *p, float x, float y)
{
	return fabsf(hypotf(x - p[0], y - p[1]) - p[2]) - p[3] / 2.0f;
}

static float sdf_segment(const float *p, float x, float y)
{
	float dx = p[2] - p[0], dy = p[3] - p[1], len2 = dx * dx + dy * dy;
	float t = len2 > 0 ? ((x - p[0]) * dx + (y - p[1]) * dy) / len2 : 0;

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypotf(x - (p[0] + t * dx), y - (p[1] + t * dy)) - p[4] / 2.0f;
}

static float sdf_round_rect(const float *p, float x, float y)
{
	/* p: center x, center y, half w, half h, radius */
	float qx = fabsf(x - p[0]) - (p[2] - p[4]), qy = fabsf(y - p[1]) - (p[3] - p[4]);
	float ox = qx > 0 ? qx : 0, oy = qy > 0 ? qy : 0;
	float in = qx > qy ? qx : qy;

	return hypotf(ox, oy) + (in < 0 ? in : 0) - p[4];
}

static float edge_dist(float ax, float ay, float bx, float by, float x, float y)
{
	/* signed distance to the line a->b, positive on the right of the direction of travel
	 * in screen coordinates (y down) for a clockwise triangle */
	float dx = bx - ax, dy = by - ay, len = hypotf(dx, dy);

	return len > 0 ? ((x - ax) * dy - (y - ay) * dx) / len : 0;
}

static float sdf_triangle(const float *p, float x, float y)
{
	float d0 = edge_dist(p[0], p[1], p[2], p[3], x, y);
	float d1 = edge_dist(p[2], p[3], p[4], p[5], x, y);
	float d2 = edge_dist(p[4], p[5], p[0], p[1], x, y);
	float m = d0 > d1 ? d0 : d1;

	return m > d2 ? m : d2;
}

static float sdf_arc(const float *p, float x, float y)
{
	float a = atan2f(y - p[1], x - p[0]);

	if (a < p[4])
		a += 2.0f * (float)M_PI;
	if (a > p[5])
		return 1e9f;
	return fabsf(hypotf(x - p[0], y - p[1]) - p[2]) - p[3] / 2.0f;
}

void kiosk_draw_circle(struct kiosk_canvas *c, float cx, float cy, float r, uint32_t rgb)
{
	float p[3] = { cx, cy, r };

	kiosk_shape(c, sdf_circle, p, cx - r, cy - r, cx + r, cy + r, rgb);
}

void kiosk_draw_ring(struct kiosk_canvas *c, float cx, float cy, float r, float width, uint32_t rgb)
{
	float p[4] = { cx, cy, r, width }, e = r + width / 2;

	kiosk_shape(c, sdf_ring, p, cx - e, cy - e, cx + e, cy + e, rgb);
}

void kiosk_draw_line(struct kiosk_canvas *c, float x0, float y0, float x1, float y1, float width,
		     uint32_t rgb)
{
	float p[5] = { x0, y0, x1, y1, width }, e = width / 2;

	kiosk_shape(c, sdf_segment, p, fminf(x0, x1) - e, fminf(y0, y1) - e, fmaxf(x0, x1) + e,
		    fmaxf(y0, y1) + e, rgb);
}

void kiosk_draw_round_rect(struct kiosk_canvas *c, float x, float y, float w, float h, float r,
			   uint32_t rgb)
{
	float p[5] = { x + w / 2, y + h / 2, w / 2, h / 2, r };

	if (r > w / 2)
		p[4] = w / 2;
	if (p[4] > h / 2)
		p[4] = h / 2;
	kiosk_shape(c, sdf_round_rect, p, x, y, x + w, y + h, rgb);
}

void kiosk_draw_triangle(struct kiosk_canvas *c, float x0, float y0, float x1, float y1, float x2,
			 float y2, uint32_t rgb)
{
	float p[6] = { x0, y0, x1, y1, x2, y2 };

	/* make it clockwise on screen so that inside is negative for every edge */
	if ((x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0) < 0) {
		p[2] = x2;
		p[3] = y2;
		p[4] = x1;
		p[5] = y1;
	}
	kiosk_shape(c, sdf_triangle, p, fminf(x0, fminf(x1, x2)), fminf(y0, fminf(y1, y2)),
		    fmaxf(x0, fmaxf(x1, x2)), fmaxf(y0, fmaxf(y1, y2)), rgb);
}

void kiosk_draw_arc(struct kiosk_canvas *c, float cx, float cy, float r, float width, float a0,
		    float a1, uint32_t rgb)
{
	float p[6] = { cx, cy, r, width, a0, a1 }, e = r + width / 2;

	kiosk_shape(c, sdf_arc, p, cx - e, cy - e, cx + e, cy + e, rgb);
}

/* ---- UTF-8 ---- */

uint32_t kiosk_utf8_next(const char **pp, const char *end)
{
	const unsigned char *p = (const unsigned char *)*pp;
	size_t left = (size_t)(end - *pp);
	uint32_t cp;
	int n;

	if (left == 0)
		return 0;
	if (p[0] < 0x80) {
		*pp += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 1;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 2;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 3;
		cp = p[0] & 0x07;
	} else {
		goto bad;
	}
	if (left < (size_t)n + 1)
		goto bad;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*pp += n + 1;
	return cp;
bad:
	*pp += 1;
	return 0xfffd;
}

/* ---- the built-in 5x7 font (ASCII subset), one string of 7 rows per glyph ---- */

static const struct {
	char ch;
	const char *rows; /* 7 rows of 5 columns, '#' = ink */
} kiosk_bitmap_glyphs[] = {
	{ 'A', ".###.#...##...#######...##...##...#" },
	{ 'B', "####.#...##...#####.#...##...#####." },
	{ 'C', ".###.#...##....#....#....#...#.###." },
	{ 'D', "####.#...##...##...##...##...#####." },
	{ 'E', "######....#....####.#....#....#####" },
	{ 'F', "######....#....####.#....#....#...." },
	{ 'G', ".###.#...##....#.####...##...#.####" },
	{ 'H', "#...##...##...#######...##...##...#" },
	{ 'I', ".###...#....#....#....#....#...###." },
	{ 'J', "..###...#....#....#....#.#..#..##.." },
	{ 'K', "#...##..#.#.#..##...#.#..#..#.#...#" },
	{ 'L', "#....#....#....#....#....#....#####" },
	{ 'M', "#...###.###.#.##.#.##...##...##...#" },
	{ 'N', "#...###..##.#.##..###...##...##...#" },
	{ 'O', ".###.#...##...##...##...##...#.###." },
	{ 'P', "####.#...##...#####.#....#....#...." },
	{ 'Q', ".###.#...##...##...##.#.##..#..##.#" },
	{ 'R', "####.#...##...#####.#.#..#..#.#...#" },
	{ 'S', ".#####....#.....###.....#....#####." },
	{ 'T', "#####..#....#....#....#....#....#.." },
	{ 'U', "#...##...##...##...##...##...#.###." },
	{ 'V', "#...##...##...##...##...#.#.#...#.." },
	{ 'W', "#...##...##...##.#.##.#.##.#.#.#.#." },
	{ 'X', "#...##...#.#.#...#...#.#.#...##...#" },
	{ 'Y', "#...##...#.#.#...#....#....#....#.." },
	{ 'Z', "#####....#...#...#...#...#....#####" },
	{ '0', ".###.#...##..###.#.###..##...#.###." },
	{ '1', "..#...##....#....#....#....#...###." },
	{ '2', ".###.#...#....#...#...#...#...#####" },
	{ '3', "####.....#....#.###.....#....#####." },
	{ '4', "...#...##..#.#.#..#.#####...#....#." },
	{ '5', "######....####.....#....##...#.###." },
	{ '6', ".###.#....#....####.#...##...#.###." },
	{ '7', "#####....#...#...#...#....#....#..." },
	{ '8', ".###.#...##...#.###.#...##...#.###." },
	{ '9', ".###.#...##...#.####....#....#.###." },
	{ ':', "......##...##........##...##......." },
	{ '-', "................###................" },
	{ '.', "..........................##...##.." },
	{ '/', "....#....#...#...#...#...#....#...." },
	{ '!', "..#....#....#....#....#.........#.." },
	{ '?', ".###.#...#....#...#...#.........#.." },
	{ '*', ".....#.#.#.###.#####.###.#.#.#....." },
	{ '(', "...#...#...#....#....#.....#.....#." },
	{ ')', ".#.....#.....#....#....#...#...#..." },
	{ ',', ".....................##....#...#..." },
};

static const char *kiosk_bitmap_rows(uint32_t cp)
{
	if (cp >= 'a' && cp <= 'z')
		cp -= 'a' - 'A';
	for (size_t i = 0; i < sizeof(kiosk_bitmap_glyphs) / sizeof(kiosk_bitmap_glyphs[0]); i++)
		if ((uint32_t)(unsigned char)kiosk_bitmap_glyphs[i].ch == cp)
			return kiosk_bitmap_glyphs[i].rows;
	return NULL; /* space, and anything it cannot draw, is a blank cell */
}

static int kiosk_bitmap_scale(int px)
{
	return px / 9 > 1 ? px / 9 : 1;
}

/* ---- FreeType ---- */

static FT_Face kiosk_face_load(FT_Library lib, const char *path)
{
	FT_Face face = NULL;

	if (access(path, R_OK) != 0)
		return NULL;
	if (FT_New_Face(lib, path, 0, &face) != 0)
		return NULL;
	/* the screens need Hangul: a font without it is as good as none */
	if (FT_Get_Char_Index(face, 0xd0a4 /* 키 */) == 0) {
		FT_Done_Face(face);
		return NULL;
	}
	return face;
}

/* The bold sibling of a regular face's path, in out. */
static void kiosk_bold_path(const char *reg, char *out, size_t len)
{
	size_t n = strlen(reg);
	const char *ext = strrchr(reg, '.');
	size_t stem = ext ? (size_t)(ext - reg) : n;
	const char *suffix = ext ? ext : "";

	if (stem >= 7 && strncmp(reg + stem - 7, "Regular", 7) == 0)
		snprintf(out, len, "%.*sBold%s", (int)(stem - 7), reg, suffix);
	else if (stem >= 1 && reg[stem - 1] == 'R')
		snprintf(out, len, "%.*sB%s", (int)(stem - 1), reg, suffix);
	else
		snprintf(out, len, "%.*sBold%s", (int)stem, reg, suffix);
}

int kiosk_font_open(const char *regular_path, struct kiosk_font **out)
{
	struct kiosk_font *f;
	char bold[1024];

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (!regular_path || !*regular_path) {
		log_err("kiosk: no font configured; using the built-in ASCII font");
		goto builtin;
	}
	if (FT_Init_FreeType(&f->lib) != 0) {
		log_err("kiosk: FreeType failed to start; using the built-in ASCII font");
		f->lib = NULL;
		goto builtin;
	}
	f->face[0] = kiosk_face_load(f->lib, regular_path);
	if (!f->face[0]) {
		log_err("kiosk: font %s is missing, unreadable or has no Hangul (install "
			"fonts-nanum); using the built-in ASCII font", regular_path);
		goto builtin;
	}
	kiosk_bold_path(regular_path, bold, sizeof(bold));
	f->face[1] = kiosk_face_load(f->lib, bold);
	if (!f->face[1]) {
		log_notice("kiosk: no bold face at %s; using %s for bold text", bold, regular_path);
		f->face[1] = f->face[0];
	}
	*out = f;
	return 0;
builtin:
	if (f->lib)
		FT_Done_FreeType(f->lib);
	f->lib = NULL;
	*out = f;
	return 0;
}

static void kiosk_cache_flush(struct kiosk_font *f)
{
	for (int i = 0; i < KIOSK_CACHE_SLOTS; i++) {
		free(f->cache[i].bits);
		memset(&f->cache[i], 0, sizeof(f->cache[i]));
	}
	f->cache_used = 0;
	f->cache_bytes = 0;
}

void kiosk_font_free(struct kiosk_font *f)
{
	if (!f)
		return;
	kiosk_cache_flush(f);
	if (f->face[1] && f->face[1] != f->face[0])
		FT_Done_Face(f->face[1]);
	if (f->face[0])
		FT_Done_Face(f->face[0]);
	if (f->lib)
		FT_Done_FreeType(f->lib);
	free(f);
}

bool kiosk_font_is_builtin(const struct kiosk_font *f)
{
	return !f || !f->face[0];
}

static int kiosk_clamp_px(int px)
{
	return px < 4 ? 4 : px > KIOSK_MAX_PX ? KIOSK_MAX_PX : px;
}

static FT_Face kiosk_face_at(struct kiosk_font *f, bool bold, int px)
{
	int i = bold ? 1 : 0;
	FT_Face face = f->face[i];

	if (f->face_px[i] != px || (f->face[0] == f->face[1] && f->face_px[1 - i] != px)) {
		if (FT_Set_Pixel_Sizes(face, 0, (FT_UInt)px) != 0)
			return NULL;
		f->face_px[0] = f->face[0] == f->face[1] || i == 0 ? px : f->face_px[0];
		f->face_px[1] = f->face[0] == f->face[1] || i == 1 ? px : f->face_px[1];
	}
	return face;
}

/* The cached rendering of one code point, or NULL when it cannot be drawn. */
static const struct kiosk_glyph *kiosk_glyph(struct kiosk_font *f, bool bold, int px, uint32_t cp)
{
	FT_Face face = kiosk_face_at(f, bold, px);
	FT_UInt gi;
	uint32_t key, h;
	struct kiosk_glyph *g;
	FT_Bitmap *bm;
	size_t bytes;

	if (!face)
		return NULL;
	gi = FT_Get_Char_Index(face, cp);
	if (gi == 0 && cp != '?')
		gi = FT_Get_Char_Index(face, '?');
	key = (uint32_t)(bold ? 1 : 0) << 30 | (uint32_t)px << 20 | (gi & 0xfffff);
	key |= 1u << 31; /* never 0 */
	h = (key * 2654435761u) >> 22; /* 10 bits */
	for (unsigned probe = 0; probe < KIOSK_CACHE_SLOTS; probe++) {
		g = &f->cache[(h + probe) & (KIOSK_CACHE_SLOTS - 1)];
		if (g->key == key)
			return g;
		if (g->key == 0)
			break;
	}
	if (f->cache_used >= KIOSK_CACHE_SLOTS * 3 / 4 || f->cache_bytes > KIOSK_CACHE_MAX_BYTES)
		kiosk_cache_flush(f);
	if (FT_Load_Glyph(face, gi, FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL) != 0)
		return NULL;
	bm = &face->glyph->bitmap;
	if (bm->pixel_mode != FT_PIXEL_MODE_GRAY && bm->width > 0)
		return NULL;
	for (unsigned probe = 0;; probe++) {
		g = &f->cache[(h + probe) & (KIOSK_CACHE_SLOTS - 1)];
		if (g->key == 0)
			break;
	}
	bytes = (size_t)bm->width * bm->rows;
	g->bits = bytes ? malloc(bytes) : NULL;
	if (bytes && !g->bits)
		return NULL;
	for (unsigned r = 0; r < bm->rows; r++)
		memcpy(g->bits + (size_t)r * bm->width, bm->buffer + (ptrdiff_t)r * bm->pitch,
		       bm->width);
	g->key = key;
	g->w = (uint16_t)bm->width;
	g->h = (uint16_t)bm->rows;
	g->left = (int16_t)face->glyph->bitmap_left;
	g->top = (int16_t)face->glyph->bitmap_top;
	g->advance = (int)((face->glyph->advance.x + 32) >> 6);
	f->cache_used++;
	f->cache_bytes += bytes + sizeof(*g);
	return g;
}

void kiosk_font_metrics(struct kiosk_font *f, bool bold, int px, int *ascent, int *height)
{
	FT_Face face;

	px = kiosk_clamp_px(px);
	if (kiosk_font_is_builtin(f) || !(face = kiosk_face_at(f, bold, px))) {
		int s = kiosk_bitmap_scale(px);

		*ascent = 8 * s;
		*height = 10 * s;
		return;
	}
	*ascent = (int)((face->size->metrics.ascender + 63) >> 6);
	*height = (int)((face->size->metrics.ascender - face->size->metrics.descender + 63) >> 6);
}

int kiosk_text_width(struct kiosk_font *f, bool bold, int px, const char *utf8)
{
	const char *p = utf8, *end = utf8 + strlen(utf8);
	int w = 0;

	px = kiosk_clamp_px(px);
	while (p < end) {
		uint32_t cp = kiosk_utf8_next(&p, end);

		if (kiosk_font_is_builtin(f)) {
			w += 6 * kiosk_bitmap_scale(px);
		} else {
			const struct kiosk_glyph *g = kiosk_glyph(f, bold, px, cp);

			w += g ? g->advance : 0;
		}
	}
	return w;
}

static void kiosk_bitmap_char(struct kiosk_canvas *c, int x, int y, int s, uint32_t rgb,
			      uint32_t cp)
{
	const char *rows = kiosk_bitmap_rows(cp);

	if (!rows)
		return;
	for (int r = 0; r < 7; r++)
		for (int col = 0; col < 5; col++)
			if (rows[r * 5 + col] == '#')
				kiosk_draw_rect(c, x + col * s, y - (7 - r) * s, s, s, rgb);
}

void kiosk_text_draw(struct kiosk_canvas *c, struct kiosk_font *f, bool bold, int px, int x,
		     int y, uint32_t rgb, const char *utf8)
{
	const char *p = utf8, *end = utf8 + strlen(utf8);

	px = kiosk_clamp_px(px);
	while (p < end) {
		uint32_t cp = kiosk_utf8_next(&p, end);
		const struct kiosk_glyph *g;

		if (kiosk_font_is_builtin(f)) {
			int s = kiosk_bitmap_scale(px);

			kiosk_bitmap_char(c, x, y, s, rgb, cp);
			x += 6 * s;
			continue;
		}
		g = kiosk_glyph(f, bold, px, cp);
		if (!g)
			continue;
		for (int r = 0; r < g->h; r++) {
			int yy = y - g->top + r;

			if (yy < 0 || yy >= c->h)
				continue;
			for (int col = 0; col < g->w; col++)
				kiosk_draw_blend(c, x + g->left + col, yy, rgb,
						 g->bits[(size_t)r * g->w + col]);
		}
		x += g->advance;
	}
}

void kiosk_text_fit(struct kiosk_font *f, bool bold, int max_px, int min_px, int max_w,
		    const char *utf8, struct kiosk_text_fit *out)
{
	const char *ell = kiosk_font_is_builtin(f) ? "..." : "\xe2\x80\xa6";
	size_t n;
	int w, px;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", utf8 ? utf8 : "");
	if (max_w < 1)
		max_w = 1;
	max_px = kiosk_clamp_px(max_px);
	min_px = kiosk_clamp_px(min_px > max_px ? max_px : min_px);
	px = max_px;
	w = kiosk_text_width(f, bold, px, out->text);
	if (w > max_w) {
		/* width scales about linearly with size: jump there, then step down */
		px = (int)((long long)px * max_w / w);
		if (px < min_px)
			px = min_px;
		while ((w = kiosk_text_width(f, bold, px, out->text)) > max_w && px > min_px)
			px -= 1 + px / 32;
		if (px < min_px)
			px = min_px;
		out->shrunk = true;
	}
	if (w > max_w) {
		/* cut whole code points off the end until text + ellipsis fits */
		char buf[sizeof(out->text)];

		n = strlen(out->text);
		out->ellipsized = true;
		while (n > 0) {
			n--;
			while (n > 0 && ((unsigned char)out->text[n] & 0xc0) == 0x80)
				n--;
			snprintf(buf, sizeof(buf), "%.*s%s", (int)n, out->text, ell);
			if ((w = kiosk_text_width(f, bold, px, buf)) <= max_w)
				break;
		}
		if (n == 0) {
			snprintf(buf, sizeof(buf), "%s", ell);
			w = kiosk_text_width(f, bold, px, buf);
		}
		memcpy(out->text, buf, sizeof(buf));
	}
	out->px = px;
	out->width = w;
}
