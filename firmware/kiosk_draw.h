/*
 * The kiosk's off-screen canvas and text: what kiosk_fb.c draws a screen into before one copy
 * to the framebuffer (so the panel never shows a half-drawn screen).
 *
 * The canvas is 0x00RRGGBB, in logical orientation (already portrait when the panel is
 * rotated). Shapes are antialiased and clipped to the canvas; coordinates are in pixels.
 * Text is UTF-8, drawn with FreeType from a TrueType font (regular and bold faces); when
 * the font cannot be loaded, a small built-in bitmap font draws ASCII only (digits, Latin
 * capitals and a few signs), scaled up in blocks, and the caller picks ASCII wording.
 */
#ifndef KIUM_FIRMWARE_KIOSK_DRAW_H
#define KIUM_FIRMWARE_KIOSK_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kiosk_canvas {
	int w, h;
	uint32_t *px; /* w * h, row-major, owned */
};

/* 0 or -ENOMEM / -EINVAL (sizes 1..8192). Caller frees with kiosk_canvas_free. */
int kiosk_canvas_init(struct kiosk_canvas *c, int w, int h);
void kiosk_canvas_free(struct kiosk_canvas *c);

void kiosk_draw_fill(struct kiosk_canvas *c, uint32_t rgb);
void kiosk_draw_rect(struct kiosk_canvas *c, int x, int y, int w, int h, uint32_t rgb);
void kiosk_draw_round_rect(struct kiosk_canvas *c, float x, float y, float w, float h, float r,
			   uint32_t rgb);
void kiosk_draw_circle(struct kiosk_canvas *c, float cx, float cy, float r, uint32_t rgb);
void kiosk_draw_ring(struct kiosk_canvas *c, float cx, float cy, float r, float width,
		     uint32_t rgb);
/* A thick segment with round ends. */
void kiosk_draw_line(struct kiosk_canvas *c, float x0, float y0, float x1, float y1, float width,
		     uint32_t rgb);
void kiosk_draw_triangle(struct kiosk_canvas *c, float x0, float y0, float x1, float y1, float x2,
			 float y2, uint32_t rgb);
/* A ring segment between angles a0 < a1 (radians, 0 = right, clockwise on screen). */
void kiosk_draw_arc(struct kiosk_canvas *c, float cx, float cy, float r, float width, float a0,
		    float a1, uint32_t rgb);

/* Blends rgb over the canvas with the given coverage (0..255). */
void kiosk_draw_blend(struct kiosk_canvas *c, int x, int y, uint32_t rgb, unsigned alpha);

struct kiosk_font;

/* Opens regular_path and a bold face found beside it (…R.ttf → …B.ttf, Regular → Bold, or
 * …Bold.ttf; the regular face when none exists). Never fails for a missing or broken font:
 * it logs once and returns the built-in bitmap font (kiosk_font_is_builtin). Only -ENOMEM.
 * Caller frees with kiosk_font_free. */
int kiosk_font_open(const char *regular_path, struct kiosk_font **out);
void kiosk_font_free(struct kiosk_font *f);
bool kiosk_font_is_builtin(const struct kiosk_font *f);

/* Line metrics at a pixel size: distance from the top of the line box to the baseline, and
 * the full line height. */
void kiosk_font_metrics(struct kiosk_font *f, bool bold, int px, int *ascent, int *height);
/* Width of the text in pixels at px. */
int kiosk_text_width(struct kiosk_font *f, bool bold, int px, const char *utf8);
/* Draws text with its baseline at y, starting at x. */
void kiosk_text_draw(struct kiosk_canvas *c, struct kiosk_font *f, bool bold, int px, int x,
		     int y, uint32_t rgb, const char *utf8);

/* Fitting a line into max_w pixels: the largest size <= max_px that fits, not below min_px;
 * below that the text is cut and ends in an ellipsis. */
struct kiosk_text_fit {
	int px;
	int width;
	bool shrunk;
	bool ellipsized;
	char text[192]; /* what to draw (maybe cut) */
};
void kiosk_text_fit(struct kiosk_font *f, bool bold, int max_px, int min_px, int max_w,
		    const char *utf8, struct kiosk_text_fit *out);

/* Decodes one UTF-8 code point at *p (before end) and advances *p; malformed input gives
 * U+FFFD and advances one byte. */
uint32_t kiosk_utf8_next(const char **p, const char *end);

#endif
