/*
 * PNG snapshots of the door screen (libpng's simplified API): the framebuffer test artifacts,
 * the golden images they are compared with, and `--kiosk-snapshot` style service use.
 */
#ifndef KIUM_FIRMWARE_KIOSK_PNG_H
#define KIUM_FIRMWARE_KIOSK_PNG_H

#include <stdint.h>

/* Writes w x h pixels 0x00RRGGBB (row stride w) as an 8-bit RGB PNG. 0 or -errno (logged). */
int kiosk_png_write_rgb(const char *path, const uint32_t *px, int w, int h);
/* Writes w x h 8-bit gray pixels as a grayscale PNG. 0 or -errno (logged). */
int kiosk_png_write_gray(const char *path, const uint8_t *px, int w, int h);
/* Reads any PNG as 8-bit gray; *px is malloc'd (caller frees). 0, -ENOENT when the file
 * does not exist (not logged), or -EINVAL/-ENOMEM (logged). Images above 4096x4096 are
 * refused. */
int kiosk_png_read_gray(const char *path, uint8_t **px, int *w, int *h);

#endif
