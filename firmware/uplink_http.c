/*
 * The uplink's HTTP/1.1 response reader over libhttp-parser (see uplink_http.h): the hub's
 * answers are JSON with a Content-Length or chunked; anything else that parses as HTTP is
 * taken too, within the same cap.
 */
#include "firmware/uplink_http.h"
#include "firmware/uplink_transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int uplink_http_on_headers(http_parser *p)
{
	struct uplink_http *h = p->data;

	h->status = (long)p->status_code;
	if (h->status < 100 || h->status > 599) {
		h->err = -EPROTO;
		return -1;
	}
	if (p->content_length != UINT64_MAX && p->content_length >= UPLINK_REPLY_MAX) {
		h->err = -EMSGSIZE;
		return -1;
	}
	return 0;
}

static int uplink_http_on_body(http_parser *p, const char *at, size_t n)
{
	struct uplink_http *h = p->data;

	if (n >= UPLINK_REPLY_MAX - h->len) {
		h->err = -EMSGSIZE;
		return -1;
	}
	if (h->len + n + 1 > h->cap) {
		size_t ncap = h->cap ? h->cap : 4096;
		char *nb;

		while (ncap < h->len + n + 1)
			ncap *= 2;
		nb = realloc(h->body, ncap);
		if (!nb) {
			h->err = -ENOMEM;
			return -1;
		}
		h->body = nb;
		h->cap = ncap;
	}
	memcpy(h->body + h->len, at, n);
	h->len += n;
	h->body[h->len] = '\0';
	return 0;
}

static int uplink_http_on_complete(http_parser *p)
{
	struct uplink_http *h = p->data;

	h->done = true;
	h->keep_alive = http_should_keep_alive(p) != 0;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings uplink_http_settings = {
	.on_headers_complete = uplink_http_on_headers,
	.on_body = uplink_http_on_body,
	.on_message_complete = uplink_http_on_complete,
};

void uplink_http_init(struct uplink_http *h)
{
	memset(h, 0, sizeof(*h));
	http_parser_init(&h->parser, HTTP_RESPONSE);
	h->parser.data = h;
}

int uplink_http_feed(struct uplink_http *h, const char *data, size_t len)
{
	size_t used;
	enum http_errno e;

	if (h->err)
		return h->err;
	if (h->done) {
		h->keep_alive = false; /* bytes nobody asked for */
		return 1;
	}
	used = http_parser_execute(&h->parser, &uplink_http_settings, data, len);
	e = HTTP_PARSER_ERRNO(&h->parser);
	if (h->err)
		return h->err;
	if (h->done) {
		if (used < len)
			h->keep_alive = false;
		return 1;
	}
	if (e != HPE_OK)
		return -EPROTO;
	return 0;
}

int uplink_http_eof(struct uplink_http *h)
{
	if (h->err)
		return h->err;
	if (!h->done) {
		http_parser_execute(&h->parser, &uplink_http_settings, NULL, 0);
		if (h->err)
			return h->err;
	}
	if (!h->done)
		return -EIO;
	h->keep_alive = false;
	return 1;
}

char *uplink_http_take_body(struct uplink_http *h, size_t *len)
{
	char *b = h->body ? h->body : strdup("");

	*len = h->body ? h->len : 0;
	h->body = NULL;
	h->len = h->cap = 0;
	return b;
}

void uplink_http_free(struct uplink_http *h)
{
	if (!h)
		return;
	free(h->body);
	h->body = NULL;
	h->len = h->cap = 0;
}
