/*
 * The framebuffer door screen (kiosk_fb_ops, declared in kiosk.h): what it exposes beyond
 * the backend table, for tests, the benchmark and service tools.
 *
 * kiosk_fb.c owns the device: /dev/fbN (geometry and pixel format from the kernel) or a
 * regular file of fb_width x fb_height x fb_bpp (tests; the same drawing and copy path).
 * kiosk_fb_screens.c lays out each screen into an off-screen canvas in logical orientation;
 * one copy then converts it to the panel's pixel format and rotation.
 */
#ifndef KIUM_FIRMWARE_KIOSK_FB_H
#define KIUM_FIRMWARE_KIOSK_FB_H

#include <stdbool.h>
#include <stdint.h>

struct kiosk_canvas;
struct kiosk_font;
struct kiosk_state;

/* What the last render did, to check that text fits and to measure. */
struct kiosk_fb_stats {
	int texts;        /* lines of text drawn */
	int shrunk;       /* lines drawn smaller than planned so that they fit */
	int ellipsized;   /* lines cut with an ellipsis (too long even at the smallest size) */
	int outside;      /* lines whose box left the canvas or their column (must stay 0) */
	int headline_px;  /* pixel size of the screen's main line */
	bool builtin_font; /* drawn with the built-in ASCII font (font missing) */
	int64_t render_us; /* layout and drawing into the canvas */
	int64_t copy_us;   /* conversion and copy to the framebuffer */
};

/* Lays out and draws one screen state into c (logical orientation). Never fails: whatever
 * cannot be drawn is left out. stats may be NULL. */
void kiosk_fb_render(struct kiosk_canvas *c, struct kiosk_font *f, const struct kiosk_state *st,
		     struct kiosk_fb_stats *stats);

/* For a priv returned by kiosk_fb_ops.open: */
void kiosk_fb_last_stats(void *priv, struct kiosk_fb_stats *out);
/* The logical (as seen by a person) size of the screen. */
void kiosk_fb_logical_size(void *priv, int *w, int *h);
/* Reads the framebuffer back (not the canvas), undoes rotation and pixel format, and writes
 * what a person sees as a PNG. 0 or -errno (logged). */
int kiosk_fb_snapshot_png(void *priv, const char *path);
/* The same read-back as 8-bit gray, box-filtered down by scale (1..16); *px is malloc'd,
 * caller frees. 0 or -errno. */
int kiosk_fb_snapshot_gray(void *priv, int scale, uint8_t **px, int *w, int *h);

#endif
