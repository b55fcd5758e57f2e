/*
 * The hub's TLS seam: a neutral interface over one adapter (tls_mbedtls.c is the only file
 * that includes mbedTLS headers), so that mbedTLS 3.6 or another library can replace 2.28
 * without touching the server, the HTTP layer or the routes.
 *
 * Server side only: TLS 1.2, ECDHE-ECDSA AEAD suites, curves X25519 and P-256, session
 * tickets (reconnecting readers resume without a full handshake), optional client
 * certificates verified against the private device CA (and its CRL when one is configured).
 * Whether a route needs a client certificate is decided per route, above this layer.
 *
 * Event-loop contract: one thread drives a context and all its connections. A connection
 * never blocks: operations return -EAGAIN and tls_conn_want_write() says whether to wait for
 * the socket to become writable (otherwise readable).
 */
#ifndef KIUM_HUB_NET_TLS_H
#define KIUM_HUB_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls_ctx;
struct tls_conn;

struct tls_ctx_opts {
	const char *cert;        /* PEM server certificate (chain), ECDSA P-256 */
	const char *key;         /* PEM private key */
	const char *client_ca;   /* PEM CA that issues device certificates */
	const char *crl;         /* PEM/DER CRL of that CA, or NULL */
	long ticket_lifetime_s;  /* session ticket lifetime; 0 disables tickets */
};

/* Counters since start, for /metrics. */
struct tls_stats {
	uint64_t handshakes_full;
	uint64_t handshakes_resumed;
	uint64_t handshakes_failed;
	bool crl_stale;         /* the CRL in force is past its nextUpdate (every device refused) */
};

/* What the peer proved at the handshake. */
struct tls_peer {
	bool cert_present;      /* the client sent a certificate */
	bool cert_verified;     /* it chains to client_ca, is in its validity period, not revoked */
	char cn[64];            /* subject CN when present ("" otherwise) */
	char serial[80];        /* serial number as hex "01:A2..." when present */
	char sha256[65];        /* SHA-256 of the certificate's DER, lower-case hex */
};

/* Loads certificates and keys; logs what failed. Caller frees with tls_ctx_free. */
int tls_ctx_new(const struct tls_ctx_opts *opts, struct tls_ctx **out);
void tls_ctx_free(struct tls_ctx *ctx);
/* Re-reads the CRL file given at creation (SIGHUP). On failure (unparsable, or past its
 * nextUpdate: -ESTALE) the old CRL stays in force. Resumed sessions, and connections
 * established before the reload (at their next request, tls_conn_peer), are verified again
 * against the current CRL. */
int tls_ctx_reload_crl(struct tls_ctx *ctx);
void tls_ctx_stats(const struct tls_ctx *ctx, struct tls_stats *out);

/* A server-side connection over a non-blocking socket fd (not owned: the caller closes it). */
int tls_conn_new(struct tls_ctx *ctx, int fd, struct tls_conn **out);
void tls_conn_free(struct tls_conn *conn);

/* Advances the handshake: 0 when complete, -EAGAIN to wait, -EPROTO/-ECONNRESET/... when it
 * failed (counted; logged at debug level with the library's reason). */
int tls_conn_handshake(struct tls_conn *conn);
/* Plaintext bytes read (> 0), 0 at a clean or unclean end of stream, -EAGAIN, or -errno. */
ssize_t tls_conn_read(struct tls_conn *conn, void *buf, size_t len);
/* Plaintext bytes accepted (> 0), -EAGAIN, or -errno. After -EAGAIN, call again with the
 * same data (a record may be half sent); more may follow it in buf, the adapter retries with
 * the length of the interrupted call (-EINVAL when len is now shorter). */
ssize_t tls_conn_write(struct tls_conn *conn, const void *buf, size_t len);
/* True when the last -EAGAIN waits for the socket to become writable. */
bool tls_conn_want_write(const struct tls_conn *conn);
/* True when decrypted or received bytes are waiting inside the adapter, so that a read
 * would make progress without the socket becoming readable again. */
bool tls_conn_pending(const struct tls_conn *conn);
/* Releases read-ahead memory when none is buffered (idle connections). */
void tls_conn_trim(struct tls_conn *conn);
/* Sends close_notify, best effort. */
void tls_conn_close_notify(struct tls_conn *conn);
/* The peer's identity; valid after the handshake. cert_verified is re-decided against the
 * CRL in force when one was loaded since the last call. */
const struct tls_peer *tls_conn_peer(struct tls_conn *conn);
/* A short description of the library's last error on this connection, for log lines. */
const char *tls_conn_last_error(const struct tls_conn *conn, char *buf, size_t len);
bool tls_conn_resumed(const struct tls_conn *conn);

#endif
