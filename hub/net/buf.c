/* The capped growable buffer: see buf.h. */
#include "hub/net/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETBUF_DEFAULT_MAX (64u << 20)

int netbuf_reserve(struct netbuf *b, size_t more)
{
	size_t max = b->max ? b->max : NETBUF_DEFAULT_MAX;
	size_t need, cap;
	char *p;

	if (more > max || netbuf_size(b) > max - more)
		return -ENOBUFS;
	if (b->off > 0 && b->len + more > b->cap) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int netbuf_append(struct netbuf *b, const void *p, size_t n)
{
	int err = netbuf_reserve(b, n);

	if (err < 0)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int netbuf_printf(struct netbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = netbuf_reserve(b, (size_t)n + 1);
	if (err < 0)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void netbuf_consume(struct netbuf *b, size_t n)
{
	if (n >= netbuf_size(b)) {
		b->off = b->len = 0;
		return;
	}
	b->off += n;
}

void netbuf_clear(struct netbuf *b)
{
	b->off = b->len = 0;
}

void netbuf_free(struct netbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
