/*
 * The uplink's transport seam: one HTTPS request at a time to the hub, over a connection that
 * is kept and reused. Backends: uplink_mbedtls.c (mbedTLS 2.28, mutual TLS, the hub CA pinned)
 * and an in-process fake in the unit tests.
 *
 * A request either gets an HTTP answer (return 0, any status in reply->status, the body in
 * reply->body) or fails at the transport (a negative errno: -ECONNREFUSED when nothing answers,
 * -ETIMEDOUT for connect or transfer timeouts, -EPROTO for TLS failures (a certificate refused
 * either way, a file that does not load), -EMSGSIZE for an answer over UPLINK_REPLY_MAX,
 * -EIO otherwise).
 * The uplink decides what a status means; the transport never retries on its own.
 */
#ifndef KIUM_FIRMWARE_UPLINK_TRANSPORT_H
#define KIUM_FIRMWARE_UPLINK_TRANSPORT_H

#include <stddef.h>

#define UPLINK_REPLY_MAX (8u << 20) /* the largest answer accepted (a whole roster) */

struct uplink_transport_config {
	const char *url;         /* base URL of the hub, e.g. https://hub.example:8443 */
	const char *ca;          /* the hub's private CA: the only one trusted */
	const char *cert;        /* this device's certificate (CN = device id) */
	const char *key;         /* and its private key */
	long connect_timeout_ms; /* TCP + TLS handshake */
	long timeout_ms;         /* the whole request, from connect to last byte */
};

struct uplink_reply {
	long status;
	char *body;  /* NUL-terminated, owned by the caller after the call: free() */
	size_t len;
	char error[256]; /* transport failure, for logs */
};

struct uplink_transport_ops {
	const char *name;
	int (*open)(const struct uplink_transport_config *cfg, void **priv);
	/* method "GET" or "POST"; path begins with '/'; body may be NULL for GET. */
	int (*request)(void *priv, const char *method, const char *path, const char *body,
		       size_t body_len, struct uplink_reply *reply);
	void (*close)(void *priv);
};

extern const struct uplink_transport_ops uplink_mbedtls_ops;

void uplink_reply_free(struct uplink_reply *reply);

#endif
