/*
 * The TLS adapter over mbedTLS 2.28: the only file of the hub that includes mbedTLS headers
 * (see tls.h for the contract). Sockets are non-blocking; mbedTLS reaches them only through
 * the bio callbacks below, which read ahead into a small per-connection buffer so that a
 * record costs one recv() rather than two (mbedTLS asks for the 5-byte header, then the rest).
 */
#include "hub/net/tls.h"

#include "common/hex.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#define TLS_RBUF 8192

struct tls_ctx {
	mbedtls_ssl_config conf;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt cert;
	mbedtls_x509_crt ca;
	mbedtls_pk_context key;
	mbedtls_x509_crl *crl; /* NULL when no CRL is configured */
	mbedtls_ssl_ticket_context ticket;
	char *crl_path;
	time_t crl_next_update; /* earliest nextUpdate of the loaded CRL, 0 when none */
	bool crl_stale_logged;
	uint64_t crl_gen;       /* moves at each CRL reload */
	struct tls_stats stats;
};

struct tls_conn {
	struct tls_ctx *ctx;
	mbedtls_ssl_context ssl;
	int fd;
	int last_err;
	bool want_write;
	bool resumed;
	bool done;
	uint64_t crl_gen;       /* the ctx's crl_gen when peer.cert_verified was decided */
	size_t wpending; /* length of a write that returned WANT_WRITE, 0 when none */
	struct tls_peer peer;
	size_t rpos, rlen;
	unsigned char *rbuf; /* TLS_RBUF bytes while in use, NULL when trimmed */
};

static const int tls_suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	0,
};

static const mbedtls_ecp_group_id tls_curves[] = {
	MBEDTLS_ECP_DP_CURVE25519,
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_NONE,
};

static const char *tls_err(int ret, char *buf, size_t len)
{
	mbedtls_strerror(ret, buf, len);
	return buf;
}

static time_t tls_x509_time(const mbedtls_x509_time *t)
{
	struct tm tm = { .tm_year = t->year - 1900, .tm_mon = t->mon - 1, .tm_mday = t->day,
			 .tm_hour = t->hour, .tm_min = t->min, .tm_sec = t->sec };

	return timegm(&tm);
}

/* Loads a CRL that is current: one past its nextUpdate would make mbedTLS refuse every
 * client certificate (BADCRL_EXPIRED), so it is refused here like one that does not parse.
 * *next_update: the earliest nextUpdate of the file's CRLs, 0 when none has one. */
static int tls_load_crl(const char *path, mbedtls_x509_crl **out, time_t *next_update)
{
	mbedtls_x509_crl *crl = calloc(1, sizeof(*crl));
	time_t now = time(NULL), next = 0;
	char eb[128];
	int ret;

	if (!crl)
		return -ENOMEM;
	mbedtls_x509_crl_init(crl);
	ret = mbedtls_x509_crl_parse_file(crl, path);
	if (ret != 0) {
		log_err("tls: cannot load CRL %s: %s", path, tls_err(ret, eb, sizeof(eb)));
		mbedtls_x509_crl_free(crl);
		free(crl);
		return -EINVAL;
	}
	for (const mbedtls_x509_crl *c = crl; c; c = c->next) {
		time_t t;

		if (!c->next_update.year)
			continue;
		t = tls_x509_time(&c->next_update);
		if (t <= now) {
			log_err("tls: CRL %s is stale (nextUpdate %04d-%02d-%02d %02d:%02d:%02d UTC "
				"passed); it would refuse every device: not loaded", path,
				c->next_update.year, c->next_update.mon, c->next_update.day,
				c->next_update.hour, c->next_update.min, c->next_update.sec);
			mbedtls_x509_crl_free(crl);
			free(crl);
			return -ESTALE;
		}
		if (!next || t < next)
			next = t;
	}
	*out = crl;
	*next_update = next;
	return 0;
}

int tls_ctx_new(const struct tls_ctx_opts *opts, struct tls_ctx **out)
{
	static const char pers[] = "kium-hub";
	struct tls_ctx *ctx = calloc(1, sizeof(*ctx));
	char eb[128];
	int ret, err = -EINVAL;

	*out = NULL;
	if (!ctx)
		return -ENOMEM;
	mbedtls_ssl_config_init(&ctx->conf);
	mbedtls_entropy_init(&ctx->entropy);
	mbedtls_ctr_drbg_init(&ctx->drbg);
	mbedtls_x509_crt_init(&ctx->cert);
	mbedtls_x509_crt_init(&ctx->ca);
	mbedtls_pk_init(&ctx->key);
	mbedtls_ssl_ticket_init(&ctx->ticket);

	ret = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
				    (const unsigned char *)pers, sizeof(pers) - 1);
	if (ret != 0) {
		log_err("tls: cannot seed the random generator: %s", tls_err(ret, eb, sizeof(eb)));
		goto out;
	}
	ret = mbedtls_x509_crt_parse_file(&ctx->cert, opts->cert);
	if (ret != 0) {
		log_err("tls: cannot load certificate %s: %s", opts->cert, tls_err(ret, eb, sizeof(eb)));
		goto out;
	}
	ret = mbedtls_pk_parse_keyfile(&ctx->key, opts->key, NULL);
	if (ret != 0) {
		log_err("tls: cannot load key %s: %s", opts->key, tls_err(ret, eb, sizeof(eb)));
		goto out;
	}
	if (!mbedtls_pk_can_do(&ctx->key, MBEDTLS_PK_ECDSA)) {
		log_err("tls: key %s is not an ECDSA key (P-256 expected)", opts->key);
		goto out;
	}
	ret = mbedtls_x509_crt_parse_file(&ctx->ca, opts->client_ca);
	if (ret != 0) {
		log_err("tls: cannot load client CA %s: %s", opts->client_ca,
			tls_err(ret, eb, sizeof(eb)));
		goto out;
	}
	if (opts->crl && opts->crl[0]) {
		ctx->crl_path = strdup(opts->crl);
		if (!ctx->crl_path) {
			err = -ENOMEM;
			goto out;
		}
		err = tls_load_crl(opts->crl, &ctx->crl, &ctx->crl_next_update);
		if (err < 0)
			goto out;
		err = -EINVAL;
	}

	ret = mbedtls_ssl_config_defaults(&ctx->conf, MBEDTLS_SSL_IS_SERVER,
					  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		log_err("tls: config defaults: %s", tls_err(ret, eb, sizeof(eb)));
		goto out;
	}
	mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
	mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&ctx->conf, tls_suites);
	mbedtls_ssl_conf_curves(&ctx->conf, tls_curves);
	mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, ctx->crl);
	ret = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->cert, &ctx->key);
	if (ret != 0) {
		log_err("tls: certificate and key do not go together: %s",
			tls_err(ret, eb, sizeof(eb)));
		goto out;
	}
	if (opts->ticket_lifetime_s > 0) {
		ret = mbedtls_ssl_ticket_setup(&ctx->ticket, mbedtls_ctr_drbg_random, &ctx->drbg,
					       MBEDTLS_CIPHER_AES_256_GCM,
					       (uint32_t)opts->ticket_lifetime_s);
		if (ret != 0) {
			log_err("tls: session tickets: %s", tls_err(ret, eb, sizeof(eb)));
			goto out;
		}
		mbedtls_ssl_conf_session_tickets_cb(&ctx->conf, mbedtls_ssl_ticket_write,
						    mbedtls_ssl_ticket_parse, &ctx->ticket);
	}
	*out = ctx;
	ctx = NULL;
	err = 0;
out:
	tls_ctx_free(ctx);
	return err;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	mbedtls_ssl_ticket_free(&ctx->ticket);
	mbedtls_ssl_config_free(&ctx->conf);
	if (ctx->crl) {
		mbedtls_x509_crl_free(ctx->crl);
		free(ctx->crl);
	}
	mbedtls_pk_free(&ctx->key);
	mbedtls_x509_crt_free(&ctx->ca);
	mbedtls_x509_crt_free(&ctx->cert);
	mbedtls_ctr_drbg_free(&ctx->drbg);
	mbedtls_entropy_free(&ctx->entropy);
	free(ctx->crl_path);
	free(ctx);
}

int tls_ctx_reload_crl(struct tls_ctx *ctx)
{
	mbedtls_x509_crl *crl = NULL, *old = ctx->crl;
	time_t next = 0;
	int err;

	if (!ctx->crl_path)
		return 0;
	err = tls_load_crl(ctx->crl_path, &crl, &next);
	if (err < 0) {
		log_err("tls: the previous CRL stays in force");
		return err;
	}
	/* Single-threaded: no handshake is inside a verification step right now. */
	mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, crl);
	ctx->crl = crl;
	ctx->crl_next_update = next;
	ctx->crl_stale_logged = false;
	ctx->crl_gen++; /* established connections verify their peer again (tls_conn_peer) */
	if (old) {
		mbedtls_x509_crl_free(old);
		free(old);
	}
	log_notice("tls: reloaded CRL %s", ctx->crl_path);
	return 0;
}

static bool tls_crl_stale(const struct tls_ctx *ctx)
{
	return ctx->crl && ctx->crl_next_update && time(NULL) >= ctx->crl_next_update;
}

void tls_ctx_stats(const struct tls_ctx *ctx, struct tls_stats *out)
{
	*out = ctx->stats;
	out->crl_stale = tls_crl_stale(ctx);
}

static int tls_bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = arg;
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	if (errno == EPIPE || errno == ECONNRESET)
		return MBEDTLS_ERR_NET_CONN_RESET;
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int tls_bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct tls_conn *c = arg;
	ssize_t n;

	if (c->rpos == c->rlen) {
		c->rpos = c->rlen = 0;
		if (!c->rbuf) {
			c->rbuf = malloc(TLS_RBUF);
			if (!c->rbuf)
				return MBEDTLS_ERR_SSL_ALLOC_FAILED;
		}
		n = recv(c->fd, c->rbuf, TLS_RBUF, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return MBEDTLS_ERR_SSL_WANT_READ;
			if (errno == ECONNRESET)
				return MBEDTLS_ERR_NET_CONN_RESET;
			return MBEDTLS_ERR_NET_RECV_FAILED;
		}
		if (n == 0)
			return 0;
		c->rlen = (size_t)n;
	}
	n = (ssize_t)(c->rlen - c->rpos);
	if ((size_t)n > len)
		n = (ssize_t)len;
	memcpy(buf, c->rbuf + c->rpos, (size_t)n);
	c->rpos += (size_t)n;
	return (int)n;
}

int tls_conn_new(struct tls_ctx *ctx, int fd, struct tls_conn **out)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	char eb[128];
	int ret;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (!ctx->crl_stale_logged && tls_crl_stale(ctx)) {
		ctx->crl_stale_logged = true;
		log_err("tls: CRL %s passed its nextUpdate: every device certificate is refused "
			"until a current CRL is installed and the hub gets SIGHUP", ctx->crl_path);
	}
	c->ctx = ctx;
	c->fd = fd;
	mbedtls_ssl_init(&c->ssl);
	ret = mbedtls_ssl_setup(&c->ssl, &ctx->conf);
	if (ret != 0) {
		log_err("tls: connection setup: %s", tls_err(ret, eb, sizeof(eb)));
		mbedtls_ssl_free(&c->ssl);
		free(c);
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EIO;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, tls_bio_send, tls_bio_recv, NULL);
	*out = c;
	return 0;
}

void tls_conn_free(struct tls_conn *conn)
{
	if (!conn)
		return;
	mbedtls_ssl_free(&conn->ssl);
	free(conn->rbuf);
	free(conn);
}

void tls_conn_trim(struct tls_conn *conn)
{
	if (conn->rpos == conn->rlen) {
		free(conn->rbuf);
		conn->rbuf = NULL;
		conn->rpos = conn->rlen = 0;
	}
}

/* Maps a library status to the interface's: -EAGAIN (with want_write), or an errno. */
static int tls_status(struct tls_conn *c, int ret)
{
	c->want_write = false;
	switch (ret) {
	case MBEDTLS_ERR_SSL_WANT_READ:
		return -EAGAIN;
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		c->want_write = true;
		return -EAGAIN;
	default:
		break;
	}
	c->last_err = ret;
	if (ret == MBEDTLS_ERR_NET_CONN_RESET)
		return -ECONNRESET;
	if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED)
		return -ENOMEM;
	if (ret == MBEDTLS_ERR_NET_RECV_FAILED || ret == MBEDTLS_ERR_NET_SEND_FAILED)
		return -EIO;
	return -EPROTO;
}

/* The peer's certificate verified now against the CA and the current CRL. */
static bool tls_verify_now(struct tls_conn *c, const mbedtls_x509_crt *crt)
{
	uint32_t flags = 0;

	return mbedtls_x509_crt_verify((mbedtls_x509_crt *)crt, &c->ctx->ca, c->ctx->crl, NULL,
				       &flags, NULL, NULL) == 0;
}

static void tls_fill_peer(struct tls_conn *c)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&c->ssl);
	struct tls_peer *p = &c->peer;
	unsigned char digest[32];

	if (!crt)
		return;
	p->cert_present = true;
	c->crl_gen = c->ctx->crl_gen;
	/* A ticket carries the verification of the full handshake, which may predate the
	 * current CRL or the certificate's expiry: a resumed session is verified again, now. */
	p->cert_verified = c->resumed ? tls_verify_now(c, crt)
				      : mbedtls_ssl_get_verify_result(&c->ssl) == 0;
	for (const mbedtls_x509_name *n = &crt->subject; n; n = n->next) {
		if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
			size_t len = n->val.len;
			bool ok = len > 0 && len < sizeof(p->cn);

			for (size_t i = 0; ok && i < len; i++)
				ok = n->val.p[i] > 0x20 && n->val.p[i] < 0x7f;
			if (ok) {
				memcpy(p->cn, n->val.p, len);
				p->cn[len] = '\0';
			}
			break;
		}
	}
	if (mbedtls_x509_serial_gets(p->serial, sizeof(p->serial), &crt->serial) < 0)
		p->serial[0] = '\0';
	if (mbedtls_sha256_ret(crt->raw.p, crt->raw.len, digest, 0) == 0)
		hex_encode(digest, sizeof(digest), false, p->sha256, sizeof(p->sha256));
}

int tls_conn_handshake(struct tls_conn *c)
{
	int ret = 0;

	if (c->done)
		return 0;
	while (c->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
		ret = mbedtls_ssl_handshake_step(&c->ssl);
		if (c->ssl.handshake && c->ssl.handshake->resume)
			c->resumed = true;
		if (ret != 0)
			break;
	}
	if (ret == 0) {
		c->done = true;
		c->want_write = false;
		tls_fill_peer(c);
		if (c->resumed)
			c->ctx->stats.handshakes_resumed++;
		else
			c->ctx->stats.handshakes_full++;
		return 0;
	}
	ret = tls_status(c, ret);
	if (ret != -EAGAIN)
		c->ctx->stats.handshakes_failed++;
	return ret;
}

ssize_t tls_conn_read(struct tls_conn *c, void *buf, size_t len)
{
	int ret = mbedtls_ssl_read(&c->ssl, buf, len);

	if (ret > 0)
		return ret;
	if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF)
		return 0;
	return tls_status(c, ret);
}

/*
 * After WANT_WRITE, mbedTLS 2.28 must be called again with the same length: it finishes the
 * record it holds and reports that length as written, whatever length the retry passes. The
 * caller's buffer may have grown meanwhile (more responses appended), so the retry uses the
 * remembered length, never more.
 */
ssize_t tls_conn_write(struct tls_conn *c, const void *buf, size_t len)
{
	int ret;

	if (c->wpending) {
		if (len < c->wpending)
			return -EINVAL;
		len = c->wpending;
	}
	ret = mbedtls_ssl_write(&c->ssl, buf, len);
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		c->wpending = len;
	else
		c->wpending = 0;
	if (ret > 0)
		return ret;
	return tls_status(c, ret);
}

bool tls_conn_want_write(const struct tls_conn *c)
{
	return c->want_write;
}

bool tls_conn_pending(const struct tls_conn *c)
{
	return c->rpos < c->rlen || mbedtls_ssl_get_bytes_avail(&c->ssl) > 0 ||
	       mbedtls_ssl_check_pending(&c->ssl);
}

void tls_conn_close_notify(struct tls_conn *c)
{
	if (c->done)
		(void)mbedtls_ssl_close_notify(&c->ssl);
}

const struct tls_peer *tls_conn_peer(struct tls_conn *c)
{
	const mbedtls_x509_crt *crt;

	/* A CRL loaded since the verification: a kept connection of a certificate revoked
	 * (or taken off the list) meanwhile is judged by the CRL in force now. */
	if (c->peer.cert_present && c->crl_gen != c->ctx->crl_gen &&
	    (crt = mbedtls_ssl_get_peer_cert(&c->ssl))) {
		c->peer.cert_verified = tls_verify_now(c, crt);
		c->crl_gen = c->ctx->crl_gen;
	}
	return &c->peer;
}

bool tls_conn_resumed(const struct tls_conn *c)
{
	return c->resumed;
}

const char *tls_conn_last_error(const struct tls_conn *c, char *buf, size_t len)
{
	if (!c->last_err) {
		snprintf(buf, len, "no error");
		return buf;
	}
	return tls_err(c->last_err, buf, len);
}
