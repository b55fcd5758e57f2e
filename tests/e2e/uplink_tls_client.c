/*
 * Test helper for tests/e2e/uplink_tls.sh: drives firmware/uplink_mbedtls.c on its own, one
 * transport opened for all the steps, and prints one line per request:
 * "<errno name or OK> <status> <body length> <first 60 bytes of the body>".
 *
 *   uplink_tls_client URL CA CERT KEY CONNECT_MS TIMEOUT_MS STEP...
 *   STEP: a path (POSTed with a small JSON body), get:PATH, or sleep:MS
 */
#include "firmware/uplink_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *errname(int rc)
{
	switch (rc) {
	case 0: return "OK";
	case -ECONNREFUSED: return "ECONNREFUSED";
	case -ETIMEDOUT: return "ETIMEDOUT";
	case -EPROTO: return "EPROTO";
	case -EMSGSIZE: return "EMSGSIZE";
	case -EIO: return "EIO";
	default: return "OTHER";
	}
}

int main(int argc, char **argv)
{
	struct uplink_transport_config cfg;
	void *t = NULL;
	int rc;

	if (argc < 8) {
		fprintf(stderr, "usage: %s URL CA CERT KEY CONNECT_MS TIMEOUT_MS STEP...\n", argv[0]);
		return 2;
	}
	cfg = (struct uplink_transport_config){ .url = argv[1], .ca = argv[2], .cert = argv[3],
						 .key = argv[4],
						 .connect_timeout_ms = atol(argv[5]),
						 .timeout_ms = atol(argv[6]) };
	rc = uplink_mbedtls_ops.open(&cfg, &t);
	if (rc < 0) {
		printf("open %s\n", errname(rc));
		return 0;
	}
	for (int i = 7; i < argc; i++) {
		struct uplink_reply reply;
		char body[64];
		int n;

		if (strncmp(argv[i], "sleep:", 6) == 0) {
			long ms = atol(argv[i] + 6);
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			continue;
		}
		if (strncmp(argv[i], "get:", 4) == 0) {
			rc = uplink_mbedtls_ops.request(t, "GET", argv[i] + 4, NULL, 0, &reply);
		} else {
			n = snprintf(body, sizeof(body), "{\"step\":%d}", i - 6);
			rc = uplink_mbedtls_ops.request(t, "POST", argv[i], body, (size_t)n, &reply);
		}
		printf("%s %ld %zu %.60s\n", errname(rc), rc == 0 ? reply.status : 0L,
		       rc == 0 ? reply.len : 0, rc == 0 ? reply.body : reply.error);
		fflush(stdout);
		if (rc == 0)
			uplink_reply_free(&reply);
	}
	uplink_mbedtls_ops.close(t);
	return 0;
}
