/* PNG snapshots through libpng's simplified API (png_image): see kiosk_png.h. */
#include "firmware/kiosk_png.h"

#include "common/log.h"

#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kiosk_png_write_rgb(const char *path, const uint32_t *px, int w, int h)
{
	png_image img;
	uint8_t *rgb;
	int rc = 0;

	if (w < 1 || h < 1)
		return -EINVAL;
	rgb = malloc((size_t)w * (size_t)h * 3);
	if (!rgb) {
		log_err("kiosk: out of memory for a %dx%d PNG", w, h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		rgb[i * 3] = (uint8_t)(px[i] >> 16);
		rgb[i * 3 + 1] = (uint8_t)(px[i] >> 8);
		rgb[i * 3 + 2] = (uint8_t)px[i];
	}
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = PNG_FORMAT_RGB;
	if (!png_image_write_to_file(&img, path, 0, rgb, w * 3, NULL)) {
		log_err("kiosk: cannot write %s: %s", path, img.message);
		rc = -EIO;
	}
	free(rgb);
	return rc;
}

int kiosk_png_write_gray(const char *path, const uint8_t *px, int w, int h)
{
	png_image img;

	if (w < 1 || h < 1)
		return -EINVAL;
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = PNG_FORMAT_GRAY;
	if (!png_image_write_to_file(&img, path, 0, px, w, NULL)) {
		log_err("kiosk: cannot write %s: %s", path, img.message);
		return -EIO;
	}
	return 0;
}

int kiosk_png_read_gray(const char *path, uint8_t **px, int *w, int *h)
{
	png_image img;
	uint8_t *buf = NULL;

	*px = NULL;
	*w = *h = 0;
	if (access(path, F_OK) != 0)
		return -ENOENT;
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		log_err("kiosk: cannot read %s: %s", path, img.message);
		return -EINVAL;
	}
	if (img.width < 1 || img.height < 1 || img.width > 4096 || img.height > 4096) {
		log_err("kiosk: %s is %ux%u, not a snapshot", path, img.width, img.height);
		png_image_free(&img);
		return -EINVAL;
	}
	img.format = PNG_FORMAT_GRAY;
	buf = malloc(PNG_IMAGE_SIZE(img));
	if (!buf) {
		png_image_free(&img);
		return -ENOMEM;
	}
	if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		log_err("kiosk: cannot decode %s: %s", path, img.message);
		free(buf);
		return -EINVAL;
	}
	*px = buf;
	*w = (int)img.width;
	*h = (int)img.height;
	return 0;
}
