/* UTF-8 names: see text.h. */
#include "common/text.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

size_t text_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool text_valid(const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!s || n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n;) {
		size_t l = text_utf8_len(u + i, n - i);

		if (l == 0 || (l == 1 && (u[i] < 0x20 || u[i] == 0x7f)))
			return false;
		i += l;
	}
	return true;
}

int text_name_mask(const char *name, char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t n = name ? strlen(name) : 0, count = 0, o = 0;

	if (!text_valid(name, n, n + 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i += text_utf8_len(u + i, n - i))
		count++;
	for (size_t i = 0, c = 0; i < n; c++) {
		size_t l = text_utf8_len(u + i, n - i);
		bool keep = count > 1 && (c == 0 || (count >= 3 && c == count - 1));
		size_t w = keep ? l : 1;

		if (o + w >= outlen)
			return -ENOSPC;
		memcpy(out + o, keep ? name + i : "*", w);
		o += w;
		i += l;
	}
	out[o] = '\0';
	return 0;
}
