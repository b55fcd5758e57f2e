/*
 * HTTP/1.1 request parsing over libhttp-parser (see http.h). The request line and headers are
 * collected into one arena of max_header bytes, which is the header limit itself: a request
 * whose head does not fit is a 431. Each complete message pauses the parser, so that
 * pipelined requests are handed out one by one, in order, with the rest left unparsed.
 */
#include "hub/net/http.h"

#include "hub/net/buf.h"

#include "common/hex.h"

#include <errno.h>
#include <http_parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum http_piece { PIECE_NONE, PIECE_URL, PIECE_FIELD, PIECE_VALUE };

struct http_in {
	http_parser parser;
	struct http_limits limits;
	char *arena;              /* max_header + 1 bytes, allocated when a request begins */
	size_t arena_len;
	enum http_piece piece;
	size_t name_off[HTTP_MAX_HEADERS];
	size_t value_off[HTTP_MAX_HEADERS];
	size_t nheaders;
	struct netbuf body;
	bool started;
	bool headers_done;
	bool ready;
	bool want_continue;
	int error;
	const char *error_reason;
	struct http_request req;
};

static const http_parser_settings http_settings;

static int http_fail(struct http_in *in, int status, const char *why)
{
	if (!in->error) {
		in->error = status;
		in->error_reason = why;
	}
	return -1;
}

static int http_arena_add(struct http_in *in, enum http_piece piece, const char *at, size_t n)
{
	if (!in->arena) {
		in->arena = malloc(in->limits.max_header + 1);
		if (!in->arena)
			return http_fail(in, 503, "out of memory");
	}
	if (in->piece != piece && in->piece != PIECE_NONE) {
		/* The previous piece ends: NUL-terminate it. */
		if (in->arena_len + 1 > in->limits.max_header)
			return http_fail(in, 431, "request head too large");
		in->arena[in->arena_len++] = '\0';
	}
	if (piece == PIECE_FIELD && in->piece != PIECE_FIELD) {
		if (in->nheaders == HTTP_MAX_HEADERS)
			return http_fail(in, 431, "too many header lines");
		in->name_off[in->nheaders] = in->arena_len;
		in->value_off[in->nheaders] = SIZE_MAX;
		in->nheaders++;
	} else if (piece == PIECE_VALUE && in->piece != PIECE_VALUE) {
		if (in->nheaders == 0)
			return http_fail(in, 400, "header value without name");
		in->value_off[in->nheaders - 1] = in->arena_len;
	}
	in->piece = piece;
	if (n > in->limits.max_header || in->arena_len + n + 1 > in->limits.max_header)
		return http_fail(in, 431, "request head too large");
	memcpy(in->arena + in->arena_len, at, n);
	in->arena_len += n;
	return 0;
}

static int http_on_begin(http_parser *p)
{
	struct http_in *in = p->data;

	in->started = true;
	return 0;
}

static int http_on_url(http_parser *p, const char *at, size_t n)
{
	return http_arena_add(p->data, PIECE_URL, at, n);
}

static int http_on_field(http_parser *p, const char *at, size_t n)
{
	return http_arena_add(p->data, PIECE_FIELD, at, n);
}

static int http_on_value(http_parser *p, const char *at, size_t n)
{
	return http_arena_add(p->data, PIECE_VALUE, at, n);
}

static int http_on_headers_complete(http_parser *p)
{
	struct http_in *in = p->data;
	struct http_request *r = &in->req;
	const char *expect;
	char *q;

	if (in->piece == PIECE_NONE || !in->arena)
		return http_fail(in, 400, "no request target");
	in->arena[in->arena_len] = '\0';
	r->method = p->method;
	r->method_name = http_method_str((enum http_method)p->method);
	r->path = in->arena;
	q = strchr(in->arena, '?');
	if (q) {
		*q = '\0';
		r->query = q + 1;
	} else {
		r->query = "";
	}
	if (r->path[0] != '/' && !(p->method == HTTP_OPTIONS && strcmp(r->path, "*") == 0)) {
		/* Absolute-form and authority-form targets are for proxies. */
		if (p->method != HTTP_CONNECT)
			return http_fail(in, 400, "request target is not a path");
	}
	r->nheaders = 0;
	for (size_t i = 0; i < in->nheaders; i++) {
		r->headers[r->nheaders].name = in->arena + in->name_off[i];
		r->headers[r->nheaders].value =
			in->value_off[i] == SIZE_MAX ? "" : in->arena + in->value_off[i];
		r->nheaders++;
	}
	r->http_major = p->http_major;
	r->http_minor = p->http_minor;
	if (p->http_major != 1)
		return http_fail(in, 400, "unsupported HTTP version");
	if (p->content_length != UINT64_MAX && p->content_length > in->limits.max_body)
		return http_fail(in, 413, "declared body too large");
	in->headers_done = true;
	expect = http_request_header(r, "Expect");
	if (expect) {
		if (strcasecmp(expect, "100-continue") != 0)
			return http_fail(in, 400, "unsupported Expect");
		in->want_continue = true;
	}
	return 0;
}

static int http_on_body(http_parser *p, const char *at, size_t n)
{
	struct http_in *in = p->data;

	if (netbuf_size(&in->body) + n > in->limits.max_body)
		return http_fail(in, 413, "body too large");
	if (netbuf_append(&in->body, at, n) < 0)
		return http_fail(in, 413, "body too large");
	return 0;
}

static int http_on_complete(http_parser *p)
{
	struct http_in *in = p->data;
	struct http_request *r = &in->req;

	if (netbuf_append(&in->body, "", 1) < 0)
		return http_fail(in, 413, "body too large");
	r->body = netbuf_head(&in->body);
	r->body_len = netbuf_size(&in->body) - 1;
	r->keep_alive = http_should_keep_alive(p) != 0;
	in->ready = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings http_settings = {
	.on_message_begin = http_on_begin,
	.on_url = http_on_url,
	.on_header_field = http_on_field,
	.on_header_value = http_on_value,
	.on_headers_complete = http_on_headers_complete,
	.on_body = http_on_body,
	.on_message_complete = http_on_complete,
};

static void http_in_reset(struct http_in *in)
{
	in->arena_len = 0;
	in->piece = PIECE_NONE;
	in->nheaders = 0;
	netbuf_clear(&in->body);
	in->started = false;
	in->headers_done = false;
	in->ready = false;
	in->want_continue = false;
	memset(&in->req, 0, sizeof(in->req));
}

int http_in_new(const struct http_limits *limits, struct http_in **out)
{
	struct http_in *in = calloc(1, sizeof(*in));

	*out = NULL;
	if (!in)
		return -ENOMEM;
	in->limits = *limits;
	if (in->limits.max_header < 64)
		in->limits.max_header = 64;
	in->body.max = in->limits.max_body + 1;
	http_parser_init(&in->parser, HTTP_REQUEST);
	in->parser.data = in;
	http_in_reset(in);
	*out = in;
	return 0;
}

void http_in_free(struct http_in *in)
{
	if (!in)
		return;
	netbuf_free(&in->body);
	free(in->arena);
	free(in);
}

enum http_in_status http_in_feed(struct http_in *in, const char *data, size_t len, size_t *used)
{
	size_t n;
	enum http_errno e;

	*used = 0;
	if (in->error)
		return HTTP_IN_ERROR;
	if (in->ready)
		return HTTP_IN_READY;
	if (len == 0)
		return HTTP_IN_MORE;
	n = http_parser_execute(&in->parser, &http_settings, data, len);
	*used = n;
	e = HTTP_PARSER_ERRNO(&in->parser);
	if (in->ready) {
		in->req.upgrade = in->parser.upgrade;
		if (in->req.upgrade)
			in->req.keep_alive = false;
		return HTTP_IN_READY;
	}
	if (in->error)
		return HTTP_IN_ERROR;
	if (e != HPE_OK) {
		if (e == HPE_HEADER_OVERFLOW)
			http_fail(in, 431, "request head too large");
		else
			http_fail(in, 400, http_errno_description(e));
		return HTTP_IN_ERROR;
	}
	if (n != len) {
		http_fail(in, 400, "unparsed bytes");
		return HTTP_IN_ERROR;
	}
	return HTTP_IN_MORE;
}

const struct http_request *http_in_request(const struct http_in *in)
{
	return in->ready ? &in->req : NULL;
}

void http_in_next(struct http_in *in)
{
	if (in->body.cap > 4096)
		netbuf_free(&in->body);
	http_in_reset(in);
	if (HTTP_PARSER_ERRNO(&in->parser) == HPE_PAUSED)
		http_parser_pause(&in->parser, 0);
}

int http_in_error(const struct http_in *in)
{
	return in->error;
}

const char *http_in_error_reason(const struct http_in *in)
{
	return in->error_reason ? in->error_reason : "";
}

void http_in_trim(struct http_in *in)
{
	if (in->started || in->ready)
		return;
	free(in->arena);
	in->arena = NULL;
	netbuf_free(&in->body);
}

bool http_in_started(const struct http_in *in)
{
	return in->started && !in->ready;
}

bool http_in_headers_done(const struct http_in *in)
{
	return in->headers_done;
}

bool http_in_take_continue(struct http_in *in)
{
	bool c = in->want_continue && !in->error && !in->ready;

	in->want_continue = false;
	return c;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}


int http_query_get(const char *query, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t seglen = end ? (size_t)(end - p) : strlen(p);

		if (seglen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t o = 0;

			for (size_t i = nlen + 1; i < seglen; i++) {
				char c = p[i];

				if (c == '%') {
					int hi, lo;

					if (i + 2 >= seglen)
						return -EINVAL;
					hi = hex_digit(p[i + 1]);
					lo = hex_digit(p[i + 2]);
					if (hi < 0 || lo < 0)
						return -EINVAL;
					c = (char)(hi * 16 + lo);
					i += 2;
				} else if (c == '+') {
					c = ' ';
				}
				if (c == '\0')
					return -EINVAL;
				if (o + 1 >= outlen)
					return -E2BIG;
				out[o++] = c;
			}
			if (outlen == 0)
				return -E2BIG;
			out[o] = '\0';
			return (int)o;
		}
		if (seglen == nlen && strncmp(p, name, nlen) == 0) {
			if (outlen == 0)
				return -E2BIG;
			out[0] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

const char *http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

int http_response_head(struct netbuf *out, int status, const char *content_type,
		       size_t body_len, const char *connection, const char *extra)
{
	return netbuf_printf(out,
			     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			     "%s%s%s%s\r\n",
			     status, http_status_text(status), content_type, body_len,
			     connection ? "Connection: " : "", connection ? connection : "",
			     connection ? "\r\n" : "", extra ? extra : "");
}
