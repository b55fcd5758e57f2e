/*
 * Fuzz target: the reader's HTTP answer reader (firmware/uplink_http.c) as the uplink feeds
 * it from TLS records, without TLS or sockets. The first byte chooses how the input is split
 * into reads; after the input, the connection's end is signalled. Whatever comes in, the body
 * stays within UPLINK_REPLY_MAX and NUL-terminated, and a complete answer has a status.
 */
#include "firmware/uplink_http.h"
#include "firmware/uplink_transport.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uplink_http h;
	size_t chunk, pos = 0, len;
	int rc = 0;
	char *body;

	if (size == 0)
		return 0;
	chunk = (data[0] % 32) + 1;
	if (data[0] & 0x80)
		chunk = size; /* all at once */
	data++;
	size--;
	uplink_http_init(&h);
	while (pos < size && rc == 0) {
		size_t n = size - pos < chunk ? size - pos : chunk;

		rc = uplink_http_feed(&h, (const char *)data + pos, n);
		pos += n;
	}
	if (rc == 0)
		rc = uplink_http_eof(&h);
	if (h.len >= UPLINK_REPLY_MAX || (h.body && h.body[h.len] != '\0'))
		abort();
	if (rc == 1) {
		if (!h.done || h.status < 100 || h.status > 999)
			abort();
		body = uplink_http_take_body(&h, &len);
		if (!body || strlen(body) > len)
			abort();
		free(body);
	}
	uplink_http_free(&h);
	return 0;
}
