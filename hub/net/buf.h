/*
 * A growable byte buffer with a hard cap, for connection input/output and response bodies:
 * every buffer the network face grows on a peer's behalf has a limit (netbuf.max).
 */
#ifndef KIUM_HUB_NET_BUF_H
#define KIUM_HUB_NET_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct netbuf {
	char *data;
	size_t off;   /* bytes already consumed from the front */
	size_t len;   /* bytes held, including the consumed prefix */
	size_t cap;
	size_t max;   /* hard cap on len - off; 0 means 64 MiB */
};

/* Room for more bytes after len; -ENOBUFS past the cap, -ENOMEM. */
int netbuf_reserve(struct netbuf *b, size_t more);
int netbuf_append(struct netbuf *b, const void *p, size_t n);
int netbuf_printf(struct netbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Unconsumed bytes. */
static inline size_t netbuf_size(const struct netbuf *b) { return b->len - b->off; }
static inline const char *netbuf_head(const struct netbuf *b) { return b->data + b->off; }
void netbuf_consume(struct netbuf *b, size_t n);
/* Forgets the content, keeps the allocation. */
void netbuf_clear(struct netbuf *b);
/* Frees the allocation (NULL-safe); the struct can be reused. */
void netbuf_free(struct netbuf *b);

#endif
