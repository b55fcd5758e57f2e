/*
 * The uplink's HTTP/1.1 response reader, apart from TLS and sockets so that it can be fuzzed:
 * bytes go in as they arrive, the status, the body (Content-Length, chunked, or up to the
 * end of the connection) and whether the connection may be kept come out. The body is capped
 * at UPLINK_REPLY_MAX; libhttp-parser does the parsing.
 */
#ifndef KIUM_FIRMWARE_UPLINK_HTTP_H
#define KIUM_FIRMWARE_UPLINK_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>

struct uplink_http {
	http_parser parser;
	long status;
	char *body; /* NUL-terminated once anything arrived; owned here until taken */
	size_t len, cap;
	bool done;       /* one whole response read */
	bool keep_alive; /* the connection may carry the next request (valid once done) */
	int err;         /* -EMSGSIZE over the cap, -EPROTO, -ENOMEM */
};

void uplink_http_init(struct uplink_http *h);
/* Feeds received bytes. Returns 1 when the response is complete (bytes after it make the
 * connection unfit to keep), 0 when more are needed, -EMSGSIZE when the answer is larger
 * than UPLINK_REPLY_MAX, -EPROTO when it is not HTTP (or its status is not 100-599), -ENOMEM. */
int uplink_http_feed(struct uplink_http *h, const char *data, size_t len);
/* The peer closed the connection: 1 when that completes the response (a body that runs to
 * the end of the connection), -EIO when the response was cut short. */
int uplink_http_eof(struct uplink_http *h);
/* Hands the body over (never NULL on success: "" when there is none); caller frees.
 * Returns NULL only when out of memory. */
char *uplink_http_take_body(struct uplink_http *h, size_t *len);
/* NULL-safe; leaves h ready for uplink_http_init. */
void uplink_http_free(struct uplink_http *h);

#endif
