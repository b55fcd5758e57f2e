/*
 * HTTP/1.1 requests over libhttp-parser, fed from memory: the server pushes whatever bytes a
 * connection delivered, the parser reports one complete request at a time (pipelined requests
 * wait in the caller's input until http_in_next), and every limit is checked here, so that
 * the fuzz target exercises exactly the path a socket does.
 *
 *   http_in_feed(in, data, len, &used)  -> HTTP_IN_MORE    all of data[0..used) taken
 *                                        -> HTTP_IN_READY   http_in_request() until http_in_next()
 *                                        -> HTTP_IN_ERROR   http_in_error(): 400, 413, 431
 *                                                           (503 when out of memory)
 *
 * Limits: max_header bounds the request line plus all header lines (431), max_body the body,
 * by Content-Length before it arrives or as chunks accumulate (413).
 */
#ifndef KIUM_HUB_NET_HTTP_H
#define KIUM_HUB_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct netbuf;

#define HTTP_MAX_HEADERS 48

struct http_header {
	const char *name;
	const char *value;
};

struct http_request {
	int method;               /* enum http_method (http_parser.h) */
	const char *method_name;  /* "GET", "POST", ... */
	const char *path;         /* request target up to '?' */
	const char *query;        /* after '?', "" when none */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	const char *body;         /* NUL-terminated for convenience; body_len bytes */
	size_t body_len;
	bool keep_alive;          /* HTTP/1.1 without "Connection: close", or 1.0 keep-alive */
	bool upgrade;             /* the parser stopped at an Upgrade/CONNECT: close after it */
	unsigned short http_major, http_minor;
};

struct http_limits {
	size_t max_header;
	size_t max_body;
};

enum http_in_status {
	HTTP_IN_MORE,
	HTTP_IN_READY,
	HTTP_IN_ERROR,
};

struct http_in;

/* Caller frees with http_in_free. */
int http_in_new(const struct http_limits *limits, struct http_in **out);
void http_in_free(struct http_in *in);
enum http_in_status http_in_feed(struct http_in *in, const char *data, size_t len,
				 size_t *used);
/* The complete request after HTTP_IN_READY; valid until http_in_next. */
const struct http_request *http_in_request(const struct http_in *in);
/* After HTTP_IN_READY: resets for the next request of the same connection. */
void http_in_next(struct http_in *in);
/* After HTTP_IN_ERROR: the status to answer (400, 413, 431, 503) and a short reason for logs. */
int http_in_error(const struct http_in *in);
const char *http_in_error_reason(const struct http_in *in);
/* Between requests: releases the head arena and body buffer (idle connections). */
void http_in_trim(struct http_in *in);
/* Some bytes of a request (beyond blank lines) have arrived and it is not complete. */
bool http_in_started(const struct http_in *in);
/* Whether the current request's headers are complete. */
bool http_in_headers_done(const struct http_in *in);
/* True once per request whose headers asked "Expect: 100-continue" and passed the limits. */
bool http_in_take_continue(struct http_in *in);

/* Case-insensitive header lookup; NULL when absent. */
const char *http_request_header(const struct http_request *req, const char *name);
/* Decodes query parameter name (percent and '+' decoding) into out: its length, -ENOENT when
 * absent, -E2BIG when it does not fit, -EINVAL for bad escapes or a NUL byte. */
int http_query_get(const char *query, const char *name, char *out, size_t outlen);

const char *http_status_text(int status);
/* Appends a response head. connection is NULL (nothing said), "close" or "keep-alive";
 * extra is NULL or complete header lines ending in "\r\n". */
int http_response_head(struct netbuf *out, int status, const char *content_type,
		       size_t body_len, const char *connection, const char *extra);

#endif
