/*
 * Fuzz target: the HTTP request path of the hub (hub/net/http.c) as a connection feeds it,
 * without TLS or sockets. The first byte chooses how the input is split into reads, so that
 * requests cut at every place are exercised; each complete request is looked at the way
 * the router does (headers, query parameters) and answered into a response buffer.
 */
#include "hub/net/buf.h"
#include "hub/net/http.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim = { .max_header = 2048, .max_body = 4096 };
	struct http_in *in = NULL;
	struct netbuf out = { .max = 1 << 20 };
	size_t chunk, pos = 0;
	int requests = 0;

	if (size == 0)
		return 0;
	chunk = (data[0] % 32) + 1;
	if (data[0] & 0x80)
		chunk = size; /* all at once */
	data++;
	size--;
	if (http_in_new(&lim, &in) < 0)
		return 0;
	while (pos < size && requests < 64) {
		size_t n = size - pos < chunk ? size - pos : chunk, used = 0;
		enum http_in_status st = http_in_feed(in, (const char *)data + pos, n, &used);

		if (used > n)
			__builtin_trap();
		pos += used;
		if (st == HTTP_IN_READY) {
			const struct http_request *r = http_in_request(in);
			char v[64];

			if (!r || strlen(r->path) > lim.max_header || r->body_len > lim.max_body ||
			    r->body[r->body_len] != '\0')
				__builtin_trap();
			(void)http_request_header(r, "Authorization");
			(void)http_request_header(r, "Content-Type");
			(void)http_query_get(r->query, "since", v, sizeof(v));
			(void)http_query_get(r->query, "date", v, 4);
			http_response_head(&out, 200, "application/json", r->body_len,
					   r->keep_alive ? NULL : "close", NULL);
			requests++;
			if (r->upgrade || !r->keep_alive)
				break;
			http_in_next(in);
			continue;
		}
		if (st == HTTP_IN_ERROR) {
			int s = http_in_error(in);

			if (s != 400 && s != 413 && s != 431 && s != 503)
				__builtin_trap();
			break;
		}
		if (used == 0 && n > 0)
			__builtin_trap(); /* MORE must take everything it was given */
		(void)http_in_take_continue(in);
	}
	netbuf_free(&out);
	http_in_free(in);
	return 0;
}
