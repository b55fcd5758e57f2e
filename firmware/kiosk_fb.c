/*
 * The framebuffer backend of the kiosk (kiosk_fb_ops): the door screen without X11, Wayland
 * or a browser.
 *
 * open:  /dev/fbN (FBIOGET_VSCREENINFO / FBIOGET_FSCREENINFO: size, line_length, channel
 *        layout) or a regular file sized fb_width x fb_height x fb_bpp/8 (tests, same path
 *        from here on); 16 bpp (5-6-5) and 32 bpp (8-8-8, any channel offsets) only; mmap.
 * draw:  render the whole screen into the off-screen canvas (kiosk_fb_screens.c), then one
 *        pass converts it to the native pixel format and rotation into a shadow buffer and
 *        copies it to the mapping row by row, so the panel never shows a half-drawn screen.
 *        The blank screen is drawn black and, on a real device, FBIOBLANK powers the panel
 *        down where the driver supports it.
 * Rotation R (0/90/180/270) turns the content R degrees clockwise on the panel, like
 * fbcon=rotate:R/90; at 90 and 270 the logical canvas is the panel's height x width.
 */
#include "firmware/kiosk_fb.h"

#include "common/log.h"
#include "firmware/kiosk.h"
#include "firmware/kiosk_draw.h"
#include "firmware/kiosk_png.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KIOSK_FB_DEFAULT_DEVICE "/dev/fb0"
#define KIOSK_FB_DEFAULT_FONT "/usr/share/fonts/truetype/nanum/NanumSquareRoundR.ttf"
#define KIOSK_FB_MAX_SIDE 4096

struct kiosk_fb_chan {
	unsigned off, len;
};

struct kiosk_fb {
	int fd;
	bool is_dev;
	bool blanked;
	uint8_t *map;
	size_t map_len;
	uint8_t *base; /* first visible pixel inside map */
	int pw, ph;    /* panel (physical) size */
	int bytespp;
	size_t line_length;
	struct kiosk_fb_chan r, g, b;
	int rotation;
	struct kiosk_canvas canvas; /* logical */
	uint8_t *shadow;            /* ph rows of pw * bytespp */
	struct kiosk_font *font;
	struct kiosk_fb_stats stats;
	char path[128];
};

static int64_t kiosk_fb_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void kiosk_fb_close(void *priv)
{
	struct kiosk_fb *fb = priv;

	if (!fb)
		return;
	if (fb->map && fb->map != MAP_FAILED)
		munmap(fb->map, fb->map_len);
	if (fb->fd >= 0)
		close(fb->fd);
	kiosk_canvas_free(&fb->canvas);
	free(fb->shadow);
	kiosk_font_free(fb->font);
	free(fb);
}

static int kiosk_fb_format(struct kiosk_fb *fb, int bpp)
{
	if (bpp == 16 && fb->r.len == 5 && fb->g.len == 6 && fb->b.len == 5) {
		fb->bytespp = 2;
		return 0;
	}
	if (bpp == 32 && fb->r.len == 8 && fb->g.len == 8 && fb->b.len == 8) {
		fb->bytespp = 4;
		return 0;
	}
	log_err("kiosk: %s has an unsupported pixel format: %d bpp (red %u, green %u, blue %u "
		"bits); the door screen draws 16 bpp RGB565 or 32 bpp XRGB8888 only",
		fb->path, bpp, fb->r.len, fb->g.len, fb->b.len);
	return -ENOTSUP;
}

static int kiosk_fb_probe_dev(struct kiosk_fb *fb)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	int rc;

	if (ioctl(fb->fd, FBIOGET_VSCREENINFO, &var) < 0 ||
	    ioctl(fb->fd, FBIOGET_FSCREENINFO, &fix) < 0) {
		rc = -errno;
		log_err("kiosk: %s is not a framebuffer: %s", fb->path, strerror(-rc));
		return rc;
	}
	fb->pw = (int)var.xres;
	fb->ph = (int)var.yres;
	fb->r = (struct kiosk_fb_chan){ var.red.offset, var.red.length };
	fb->g = (struct kiosk_fb_chan){ var.green.offset, var.green.length };
	fb->b = (struct kiosk_fb_chan){ var.blue.offset, var.blue.length };
	if (fix.type != FB_TYPE_PACKED_PIXELS ||
	    (fix.visual != FB_VISUAL_TRUECOLOR && fix.visual != FB_VISUAL_DIRECTCOLOR)) {
		log_err("kiosk: %s is not a packed true-color framebuffer (type %u, visual %u)",
			fb->path, fix.type, fix.visual);
		return -ENOTSUP;
	}
	rc = kiosk_fb_format(fb, (int)var.bits_per_pixel);
	if (rc < 0)
		return rc;
	fb->line_length = fix.line_length;
	fb->map_len = fix.smem_len;
	if (fb->pw < 1 || fb->ph < 1 || fb->pw > KIOSK_FB_MAX_SIDE || fb->ph > KIOSK_FB_MAX_SIDE ||
	    fb->line_length < (size_t)fb->pw * fb->bytespp ||
	    (size_t)(var.yoffset + var.yres) * fb->line_length > fb->map_len) {
		log_err("kiosk: %s reports an impossible geometry (%dx%d, line %zu, memory %zu)",
			fb->path, fb->pw, fb->ph, fb->line_length, fb->map_len);
		return -EINVAL;
	}
	/* the visible area starts at the panning offset */
	fb->map = mmap(NULL, fb->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fb->fd, 0);
	if (fb->map == MAP_FAILED) {
		rc = -errno;
		fb->map = NULL;
		log_err("kiosk: cannot map %s: %s", fb->path, strerror(-rc));
		return rc;
	}
	fb->base = fb->map + (size_t)var.yoffset * fb->line_length + (size_t)var.xoffset * fb->bytespp;
	return 0;
}

static int kiosk_fb_probe_file(struct kiosk_fb *fb, const struct kiosk_config *cfg, off_t size)
{
	int rc;

	fb->pw = cfg->fb_width;
	fb->ph = cfg->fb_height;
	if (fb->pw < 1 || fb->ph < 1 || fb->pw > KIOSK_FB_MAX_SIDE || fb->ph > KIOSK_FB_MAX_SIDE) {
		log_err("kiosk: %s is a regular file: fb_width and fb_height (1..%d) are needed, "
			"got %dx%d", fb->path, KIOSK_FB_MAX_SIDE, fb->pw, fb->ph);
		return -EINVAL;
	}
	if (cfg->fb_bpp == 16) {
		fb->r = (struct kiosk_fb_chan){ 11, 5 };
		fb->g = (struct kiosk_fb_chan){ 5, 6 };
		fb->b = (struct kiosk_fb_chan){ 0, 5 };
	} else if (cfg->fb_bpp == 32) {
		fb->r = (struct kiosk_fb_chan){ 16, 8 };
		fb->g = (struct kiosk_fb_chan){ 8, 8 };
		fb->b = (struct kiosk_fb_chan){ 0, 8 };
	}
	rc = kiosk_fb_format(fb, cfg->fb_bpp);
	if (rc < 0)
		return rc;
	fb->line_length = (size_t)fb->pw * fb->bytespp;
	fb->map_len = fb->line_length * fb->ph;
	if (size < (off_t)fb->map_len && ftruncate(fb->fd, (off_t)fb->map_len) < 0) {
		rc = -errno;
		log_err("kiosk: cannot size %s to %zu bytes: %s", fb->path, fb->map_len,
			strerror(-rc));
		return rc;
	}
	fb->map = mmap(NULL, fb->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fb->fd, 0);
	if (fb->map == MAP_FAILED) {
		rc = -errno;
		fb->map = NULL;
		log_err("kiosk: cannot map %s: %s", fb->path, strerror(-rc));
		return rc;
	}
	fb->base = fb->map;
	return 0;
}

static int kiosk_fb_open(const struct kiosk_config *cfg, void **priv)
{
	const char *path = cfg->fb_device && *cfg->fb_device ? cfg->fb_device
							      : KIOSK_FB_DEFAULT_DEVICE;
	struct kiosk_fb *fb;
	struct stat sb;
	int rc, lw, lh;

	*priv = NULL;
	fb = calloc(1, sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	fb->fd = -1;
	snprintf(fb->path, sizeof(fb->path), "%s", path);
	fb->fd = open(path, O_RDWR | O_CLOEXEC);
	if (fb->fd < 0) {
		rc = -errno;
		log_err("kiosk: cannot open framebuffer %s: %s", path, strerror(-rc));
		goto out;
	}
	if (fstat(fb->fd, &sb) < 0) {
		rc = -errno;
		log_err("kiosk: cannot stat %s: %s", path, strerror(-rc));
		goto out;
	}
	if (S_ISCHR(sb.st_mode)) {
		fb->is_dev = true;
		rc = kiosk_fb_probe_dev(fb);
	} else if (S_ISREG(sb.st_mode)) {
		rc = kiosk_fb_probe_file(fb, cfg, sb.st_size);
	} else {
		log_err("kiosk: %s is neither a framebuffer device nor a regular file", path);
		rc = -ENODEV;
	}
	if (rc < 0)
		goto out;

	fb->rotation = cfg->rotation;
	if (fb->rotation != 0 && fb->rotation != 90 && fb->rotation != 180 && fb->rotation != 270) {
		log_warn("kiosk: rotation %d is not 0, 90, 180 or 270; drawing unrotated",
			 cfg->rotation);
		fb->rotation = 0;
	}
	lw = fb->rotation % 180 ? fb->ph : fb->pw;
	lh = fb->rotation % 180 ? fb->pw : fb->ph;
	rc = kiosk_canvas_init(&fb->canvas, lw, lh);
	if (rc < 0)
		goto oom;
	fb->shadow = malloc((size_t)fb->pw * fb->bytespp * fb->ph);
	if (!fb->shadow) {
		rc = -ENOMEM;
		goto oom;
	}
	rc = kiosk_font_open(cfg->font && *cfg->font ? cfg->font : KIOSK_FB_DEFAULT_FONT,
			     &fb->font);
	if (rc < 0)
		goto oom;
	log_info("kiosk: framebuffer %s %dx%d, %d bpp, rotation %d%s", path, fb->pw, fb->ph,
		 fb->bytespp * 8, fb->rotation,
		 kiosk_font_is_builtin(fb->font) ? ", built-in ASCII font" : "");
	*priv = fb;
	return 0;
oom:
	log_err("kiosk: out of memory for a %dx%d screen", fb->pw, fb->ph);
out:
	kiosk_fb_close(fb);
	return rc;
}

static inline uint32_t kiosk_fb_pack(const struct kiosk_fb *fb, uint32_t rgb)
{
	uint32_t r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

	if (fb->bytespp == 2) {
		r >>= 3;
		g >>= 2;
		b >>= 3;
	}
	return r << fb->r.off | g << fb->g.off | b << fb->b.off;
}

static inline uint32_t kiosk_fb_unpack(const struct kiosk_fb *fb, uint32_t v)
{
	uint32_t r = (v >> fb->r.off) & ((1u << fb->r.len) - 1);
	uint32_t g = (v >> fb->g.off) & ((1u << fb->g.len) - 1);
	uint32_t b = (v >> fb->b.off) & ((1u << fb->b.len) - 1);

	if (fb->bytespp == 2) {
		r = r << 3 | r >> 2;
		g = g << 2 | g >> 4;
		b = b << 3 | b >> 2;
	}
	return r << 16 | g << 8 | b;
}

/* The logical pixel shown at physical (x, y). */
static inline uint32_t kiosk_fb_logical_at(const struct kiosk_fb *fb, int x, int y)
{
	const struct kiosk_canvas *c = &fb->canvas;

	switch (fb->rotation) {
	case 90:
		return c->px[(size_t)(fb->pw - 1 - x) * c->w + y];
	case 180:
		return c->px[(size_t)(fb->ph - 1 - y) * c->w + (fb->pw - 1 - x)];
	case 270:
		return c->px[(size_t)x * c->w + (fb->ph - 1 - y)];
	default:
		return c->px[(size_t)y * c->w + x];
	}
}

/* Physical position of logical (x, y). */
static inline void kiosk_fb_phys(const struct kiosk_fb *fb, int x, int y, int *px, int *py)
{
	switch (fb->rotation) {
	case 90:
		*px = fb->pw - 1 - y;
		*py = x;
		break;
	case 180:
		*px = fb->pw - 1 - x;
		*py = fb->ph - 1 - y;
		break;
	case 270:
		*px = y;
		*py = fb->ph - 1 - x;
		break;
	default:
		*px = x;
		*py = y;
	}
}

static void kiosk_fb_copy(struct kiosk_fb *fb)
{
	size_t row = (size_t)fb->pw * fb->bytespp;

	for (int y = 0; y < fb->ph; y++) {
		uint8_t *s = fb->shadow + row * y;

		if (fb->bytespp == 4) {
			uint32_t *d = (uint32_t *)(void *)s;

			for (int x = 0; x < fb->pw; x++)
				d[x] = kiosk_fb_pack(fb, kiosk_fb_logical_at(fb, x, y));
		} else {
			uint16_t *d = (uint16_t *)(void *)s;

			for (int x = 0; x < fb->pw; x++)
				d[x] = (uint16_t)kiosk_fb_pack(fb, kiosk_fb_logical_at(fb, x, y));
		}
	}
	/* the only writes to the panel: whole rows of a finished screen */
	for (int y = 0; y < fb->ph; y++)
		memcpy(fb->base + fb->line_length * y, fb->shadow + row * y, row);
}

static void kiosk_fb_power(struct kiosk_fb *fb, bool on)
{
	if (!fb->is_dev || fb->blanked == !on)
		return;
	/* not every driver can blank; a failure only leaves a black screen lit */
	if (ioctl(fb->fd, FBIOBLANK, on ? FB_BLANK_UNBLANK : FB_BLANK_POWERDOWN) < 0)
		log_debug("kiosk: FBIOBLANK on %s: %s", fb->path, strerror(errno));
	fb->blanked = !on;
}

static int kiosk_fb_draw(void *priv, const struct kiosk_state *st)
{
	struct kiosk_fb *fb = priv;
	int64_t t0, t1;

	if (!fb)
		return -EINVAL;
	if (st->screen != KIOSK_BLANK)
		kiosk_fb_power(fb, true);
	t0 = kiosk_fb_us();
	kiosk_fb_render(&fb->canvas, fb->font, st, &fb->stats);
	t1 = kiosk_fb_us();
	kiosk_fb_copy(fb);
	fb->stats.render_us = t1 - t0;
	fb->stats.copy_us = kiosk_fb_us() - t1;
	if (st->screen == KIOSK_BLANK)
		kiosk_fb_power(fb, false);
	return 0;
}

void kiosk_fb_last_stats(void *priv, struct kiosk_fb_stats *out)
{
	const struct kiosk_fb *fb = priv;

	memset(out, 0, sizeof(*out));
	if (fb)
		*out = fb->stats;
}

void kiosk_fb_logical_size(void *priv, int *w, int *h)
{
	const struct kiosk_fb *fb = priv;

	*w = fb ? fb->canvas.w : 0;
	*h = fb ? fb->canvas.h : 0;
}

/* What a person sees at logical (x, y), read back from the framebuffer memory. */
static uint32_t kiosk_fb_read(const struct kiosk_fb *fb, int x, int y)
{
	const uint8_t *p;
	int px, py;

	kiosk_fb_phys(fb, x, y, &px, &py);
	p = fb->base + fb->line_length * py + (size_t)px * fb->bytespp;
	if (fb->bytespp == 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		return kiosk_fb_unpack(fb, v);
	} else {
		uint16_t v;

		memcpy(&v, p, 2);
		return kiosk_fb_unpack(fb, v);
	}
}

int kiosk_fb_snapshot_png(void *priv, const char *path)
{
	struct kiosk_fb *fb = priv;
	uint32_t *img;
	int w, h, rc;

	if (!fb)
		return -EINVAL;
	w = fb->canvas.w;
	h = fb->canvas.h;
	img = malloc((size_t)w * h * sizeof(*img));
	if (!img) {
		log_err("kiosk: out of memory for a snapshot");
		return -ENOMEM;
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			img[(size_t)y * w + x] = kiosk_fb_read(fb, x, y);
	rc = kiosk_png_write_rgb(path, img, w, h);
	free(img);
	return rc;
}

int kiosk_fb_snapshot_gray(void *priv, int scale, uint8_t **px, int *w, int *h)
{
	struct kiosk_fb *fb = priv;
	int ow, oh;
	uint8_t *out;

	*px = NULL;
	*w = *h = 0;
	if (!fb || scale < 1 || scale > 16)
		return -EINVAL;
	ow = fb->canvas.w / scale;
	oh = fb->canvas.h / scale;
	if (ow < 1 || oh < 1)
		return -EINVAL;
	out = malloc((size_t)ow * oh);
	if (!out)
		return -ENOMEM;
	for (int y = 0; y < oh; y++) {
		for (int x = 0; x < ow; x++) {
			unsigned sum = 0;

			for (int j = 0; j < scale; j++) {
				for (int i = 0; i < scale; i++) {
					uint32_t v = kiosk_fb_read(fb, x * scale + i, y * scale + j);

					/* integer Rec. 601 luma */
					sum += (((v >> 16) & 0xff) * 299 + ((v >> 8) & 0xff) * 587 +
						(v & 0xff) * 114) / 1000;
				}
			}
			out[(size_t)y * ow + x] = (uint8_t)(sum / (unsigned)(scale * scale));
		}
	}
	*px = out;
	*w = ow;
	*h = oh;
	return 0;
}

const struct kiosk_backend_ops kiosk_fb_ops = {
	.name = "framebuffer",
	.open = kiosk_fb_open,
	.draw = kiosk_fb_draw,
	.close = kiosk_fb_close,
};
