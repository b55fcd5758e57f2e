/*
 * The uplink transport over mbedTLS 2.28 (replacing libcurl + OpenSSL, whose resident memory
 * alone was over the reader's budget: see firmware/README.md). One TCP connection to the hub
 * is kept between requests; when the hub has closed it, the next request reconnects and
 * resumes the TLS session. TLS 1.2 only, mutual: this device's ECDSA key and certificate, the
 * hub's private CA as the only trust anchor, the hub's name (or IP address) checked against
 * its certificate. Requests are written here; answers are read by uplink_http.c.
 *
 * Memory: the TLS contexts and keys are loaded at the first request, not at open, so a reader
 * that never reaches the point of sending does not pay for them.
 */
#include "firmware/uplink_http.h"
#include "firmware/uplink_transport.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define UPLINK_TLS_HOST_MAX 256
#define UPLINK_TLS_HEADERS                                                                      \
	"User-Agent: kium-reader/" KIUM_VERSION "\r\nAccept: application/json\r\n"            \
	"Connection: keep-alive\r\n"

struct uplink_tls {
	char host[UPLINK_TLS_HOST_MAX]; /* without brackets */
	char port[8];
	char hostport[UPLINK_TLS_HOST_MAX + 10]; /* for the Host header */
	unsigned char ip[16];
	size_t ip_len; /* 4 or 16 when the URL names an address, else 0 */
	char *ca, *cert, *key;
	long connect_timeout_ms, timeout_ms;

	bool ready; /* the contexts below are set up */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca_crt, own_crt;
	mbedtls_pk_context own_key;
	mbedtls_ssl_config conf;

	int fd; /* -1 when not connected */
	bool ssl_live;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_session session;
	bool have_session;
	long long deadline_ms; /* of the step under way (connect+handshake, then the request) */
	bool timed_out;
};

static const int uplink_tls_suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	0,
};

static const mbedtls_ecp_group_id uplink_tls_curves[] = {
	MBEDTLS_ECP_DP_CURVE25519,
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_NONE,
};

static long long uplink_tls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int uplink_tls_left_ms(const struct uplink_tls *u)
{
	long long left = u->deadline_ms - uplink_tls_now_ms();

	return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

static void uplink_tls_error(struct uplink_reply *reply, const char *what, int mret)
{
	char eb[128];

	mbedtls_strerror(mret, eb, sizeof(eb));
	snprintf(reply->error, sizeof(reply->error), "%s: %s", what, eb);
}

/* Waits for the socket until the step's deadline. 1 ready, 0 timed out, -errno. */
static int uplink_tls_wait(struct uplink_tls *u, short events, int cap_ms)
{
	struct pollfd pfd = { .fd = u->fd, .events = events };
	int ms = uplink_tls_left_ms(u), rc;

	if (cap_ms > 0 && cap_ms < ms)
		ms = cap_ms;
	do
		rc = poll(&pfd, 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0 && ms == uplink_tls_left_ms(u))
		u->timed_out = true;
	return rc;
}

static int uplink_tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct uplink_tls *u = ctx;

	for (;;) {
		ssize_t n = send(u->fd, buf, len, MSG_NOSIGNAL);
		int rc;

		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
								      : MBEDTLS_ERR_NET_SEND_FAILED;
		rc = uplink_tls_wait(u, POLLOUT, 0);
		if (rc == 0) {
			u->timed_out = true;
			return MBEDTLS_ERR_SSL_TIMEOUT;
		}
		if (rc < 0)
			return MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

/* mbedTLS's read timeout (timeout_ms, set in the config) capped by the step's deadline. */
static int uplink_tls_bio_recv(void *ctx, unsigned char *buf, size_t len, uint32_t timeout)
{
	struct uplink_tls *u = ctx;

	for (;;) {
		ssize_t n = recv(u->fd, buf, len, 0);
		int rc;

		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
						   : MBEDTLS_ERR_NET_RECV_FAILED;
		rc = uplink_tls_wait(u, POLLIN, (int)timeout);
		if (rc == 0) {
			u->timed_out = true;
			return MBEDTLS_ERR_SSL_TIMEOUT;
		}
		if (rc < 0)
			return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

/* mbedTLS 2.28 matches names only (dNSName, CN): an address in the URL is matched here
 * against the certificate's iPAddress entries. */
static bool uplink_tls_ip_in_cert(const mbedtls_x509_crt *crt, const unsigned char *ip,
				  size_t ip_len)
{
	unsigned char *p = crt->v3_ext.p, *end = p + crt->v3_ext.len, *ext_end;
	size_t len;

	if (!p || mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
							     MBEDTLS_ASN1_SEQUENCE) != 0)
		return false;
	end = p + len;
	while (p < end) {
		mbedtls_x509_buf oid;
		int critical = 0;

		if (mbedtls_asn1_get_tag(&p, end, &len,
					 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return false;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0)
			return false;
		oid.p = p;
		p += oid.len;
		(void)mbedtls_asn1_get_bool(&p, ext_end, &critical); /* optional */
		if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
			return false;
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &oid) == 0) {
			unsigned char *q = p, *san_end;

			if (mbedtls_asn1_get_tag(&q, p + len, &len, MBEDTLS_ASN1_CONSTRUCTED |
								    MBEDTLS_ASN1_SEQUENCE) != 0)
				return false;
			san_end = q + len;
			while (q < san_end) {
				unsigned char tag = *q++;

				if (mbedtls_asn1_get_len(&q, san_end, &len) != 0)
					return false;
				if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == ip_len &&
				    memcmp(q, ip, ip_len) == 0)
					return true;
				q += len;
			}
			return false;
		}
		p = ext_end;
	}
	return false;
}

static int uplink_tls_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const struct uplink_tls *u = ctx;

	if (depth == 0 && u->ip_len && !uplink_tls_ip_in_cert(crt, u->ip, u->ip_len))
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	return 0;
}

static void uplink_tls_disconnect(struct uplink_tls *u, bool polite)
{
	if (u->ssl_live) {
		if (polite && u->fd >= 0) {
			u->deadline_ms = uplink_tls_now_ms() + 100;
			mbedtls_ssl_close_notify(&u->ssl);
		}
		mbedtls_ssl_free(&u->ssl);
		u->ssl_live = false;
	}
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

static void uplink_tls_close(void *priv)
{
	struct uplink_tls *u = priv;

	if (!u)
		return;
	uplink_tls_disconnect(u, true);
	if (u->ready) {
		mbedtls_ssl_config_free(&u->conf);
		mbedtls_pk_free(&u->own_key);
		mbedtls_x509_crt_free(&u->own_crt);
		mbedtls_x509_crt_free(&u->ca_crt);
		mbedtls_ctr_drbg_free(&u->drbg);
		mbedtls_entropy_free(&u->entropy);
	}
	mbedtls_ssl_session_free(&u->session);
	free(u->ca);
	free(u->cert);
	free(u->key);
	free(u);
}

/* https://host:port[/] with host a name, an IPv4 address or [an IPv6 address]. */
static int uplink_tls_parse_url(struct uplink_tls *u, const char *url)
{
	const char *h = url + 8, *hend, *colon;
	char *endp;
	long port;
	size_t n;

	if (strncmp(url, "https://", 8) != 0)
		return -EINVAL;
	if (*h == '[') {
		hend = strchr(++h, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		colon = hend + 1;
	} else {
		colon = strchr(h, ':');
		if (!colon)
			return -EINVAL;
		hend = colon;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n >= sizeof(u->host) || memchr(h, '/', n) || memchr(h, '@', n))
		return -EINVAL;
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	errno = 0;
	port = strtol(colon + 1, &endp, 10);
	if (errno || endp == colon + 1 || port < 1 || port > 65535 ||
	    (*endp && strcmp(endp, "/") != 0))
		return -EINVAL;
	snprintf(u->port, sizeof(u->port), "%ld", port);
	if (inet_pton(AF_INET, u->host, u->ip) == 1)
		u->ip_len = 4;
	else if (inet_pton(AF_INET6, u->host, u->ip) == 1)
		u->ip_len = 16;
	else if (strchr(u->host, ':'))
		return -EINVAL;
	snprintf(u->hostport, sizeof(u->hostport), u->ip_len == 16 ? "[%s]:%s" : "%s:%s", u->host,
		 u->port);
	return 0;
}

/* Checks the configuration only: the TLS contexts wait for the first request. */
static int uplink_tls_open(const struct uplink_transport_config *cfg, void **priv)
{
	struct uplink_tls *u = NULL;
	int ret = -ENOMEM;

	if (!cfg->url || strncmp(cfg->url, "https://", 8) != 0) {
		log_err("uplink: [hub] url must be an https:// URL");
		return -EINVAL;
	}
	if (!cfg->ca || !cfg->cert || !cfg->key) {
		log_err("uplink: [hub] ca, cert and key are all required for mutual TLS");
		return -EINVAL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		goto out;
	u->fd = -1;
	mbedtls_ssl_session_init(&u->session);
	if (uplink_tls_parse_url(u, cfg->url) < 0) {
		log_err("uplink: [hub] url must be https://host:port (a name, an IPv4 address or "
			"[an IPv6 address], and a port), not %s", cfg->url);
		ret = -EINVAL;
		goto out;
	}
	if (!(u->ca = strdup(cfg->ca)) || !(u->cert = strdup(cfg->cert)) ||
	    !(u->key = strdup(cfg->key))) {
		log_err("uplink: out of memory");
		goto out;
	}
	u->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000L;
	u->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000L;
	*priv = u;
	u = NULL;
	ret = 0;
out:
	uplink_tls_close(u);
	return ret;
}

/* Keys, certificates and the TLS configuration, at the first request. A file that does not
 * load is a TLS failure (-EPROTO), like a handshake the hub refuses. */
static int uplink_tls_setup(struct uplink_tls *u, struct uplink_reply *reply)
{
	static const char pers[] = "kium-reader";
	int ret;

	mbedtls_entropy_init(&u->entropy);
	mbedtls_ctr_drbg_init(&u->drbg);
	mbedtls_x509_crt_init(&u->ca_crt);
	mbedtls_x509_crt_init(&u->own_crt);
	mbedtls_pk_init(&u->own_key);
	mbedtls_ssl_config_init(&u->conf);
	u->ready = true;

	ret = mbedtls_ctr_drbg_seed(&u->drbg, mbedtls_entropy_func, &u->entropy,
				    (const unsigned char *)pers, sizeof(pers) - 1);
	if (ret != 0) {
		uplink_tls_error(reply, "random generator", ret);
		goto fail;
	}
	if ((ret = mbedtls_x509_crt_parse_file(&u->ca_crt, u->ca)) != 0) {
		uplink_tls_error(reply, "[hub] ca does not load", ret);
		goto fail;
	}
	if ((ret = mbedtls_x509_crt_parse_file(&u->own_crt, u->cert)) != 0) {
		uplink_tls_error(reply, "[hub] cert does not load", ret);
		goto fail;
	}
	if ((ret = mbedtls_pk_parse_keyfile(&u->own_key, u->key, NULL)) != 0) {
		uplink_tls_error(reply, "[hub] key does not load", ret);
		goto fail;
	}
	if (!mbedtls_pk_can_do(&u->own_key, MBEDTLS_PK_ECDSA)) {
		snprintf(reply->error, sizeof(reply->error), "[hub] key is not ECDSA (P-256)");
		goto fail;
	}
	ret = mbedtls_ssl_config_defaults(&u->conf, MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		uplink_tls_error(reply, "TLS configuration", ret);
		goto fail;
	}
	mbedtls_ssl_conf_rng(&u->conf, mbedtls_ctr_drbg_random, &u->drbg);
	mbedtls_ssl_conf_min_version(&u->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&u->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&u->conf, uplink_tls_suites);
	mbedtls_ssl_conf_curves(&u->conf, uplink_tls_curves);
	mbedtls_ssl_conf_authmode(&u->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&u->conf, &u->ca_crt, NULL);
	mbedtls_ssl_conf_verify(&u->conf, uplink_tls_verify, u);
	mbedtls_ssl_conf_read_timeout(&u->conf, (uint32_t)u->timeout_ms);
	mbedtls_ssl_conf_session_tickets(&u->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
	if ((ret = mbedtls_ssl_conf_own_cert(&u->conf, &u->own_crt, &u->own_key)) != 0) {
		uplink_tls_error(reply, "[hub] cert and key", ret);
		goto fail;
	}
	return 0;
fail:
	log_err("uplink: %s", reply->error);
	mbedtls_ssl_config_free(&u->conf);
	mbedtls_pk_free(&u->own_key);
	mbedtls_x509_crt_free(&u->own_crt);
	mbedtls_x509_crt_free(&u->ca_crt);
	mbedtls_ctr_drbg_free(&u->drbg);
	mbedtls_entropy_free(&u->entropy);
	u->ready = false;
	return -EPROTO;
}

/* TCP to one address within the connect deadline: 0, -ECONNREFUSED, -ETIMEDOUT, -errno. */
static int uplink_tls_tcp(struct uplink_tls *u, const struct addrinfo *ai)
{
	int fd, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	u->fd = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	rc = uplink_tls_wait(u, POLLOUT, 0);
	if (rc == 0) {
		rc = -ETIMEDOUT;
		goto fail;
	}
	if (rc < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr == 0)
		return 0;
	rc = -soerr;
fail:
	close(fd);
	u->fd = -1;
	return rc;
}

/* TCP + TLS handshake within connect_timeout_ms (and what is left of the request's time). */
static int uplink_tls_connect(struct uplink_tls *u, long long request_deadline,
			      struct uplink_reply *reply)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	uint32_t flags;
	int ret, rc = -ECONNREFUSED;

	u->deadline_ms = uplink_tls_now_ms() + u->connect_timeout_ms;
	if (u->deadline_ms > request_deadline)
		u->deadline_ms = request_deadline;
	u->timed_out = false;
	if (u->ip_len)
		hints.ai_flags |= AI_NUMERICHOST;
	ret = getaddrinfo(u->host, u->port, &hints, &res);
	if (ret != 0) {
		snprintf(reply->error, sizeof(reply->error), "cannot resolve the hub's name: %s",
			 gai_strerror(ret));
		return -ECONNREFUSED;
	}
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		rc = uplink_tls_tcp(u, ai);
		if (rc == 0 || rc == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (rc < 0) {
		snprintf(reply->error, sizeof(reply->error), "cannot connect to %.120s: %s", u->hostport,
			 strerror(-rc));
		return rc == -ETIMEDOUT ? rc : -ECONNREFUSED;
	}

	mbedtls_ssl_init(&u->ssl);
	u->ssl_live = true;
	if ((ret = mbedtls_ssl_setup(&u->ssl, &u->conf)) != 0 ||
	    (ret = mbedtls_ssl_set_hostname(&u->ssl, u->ip_len ? NULL : u->host)) != 0) {
		uplink_tls_error(reply, "TLS setup", ret);
		rc = ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EPROTO;
		goto fail;
	}
	mbedtls_ssl_set_bio(&u->ssl, u, uplink_tls_bio_send, NULL, uplink_tls_bio_recv);
	if (u->have_session && mbedtls_ssl_set_session(&u->ssl, &u->session) != 0)
		u->have_session = false; /* a full handshake then */
	ret = mbedtls_ssl_handshake(&u->ssl);
	if (ret != 0) {
		flags = mbedtls_ssl_get_verify_result(&u->ssl);
		if (u->timed_out) {
			snprintf(reply->error, sizeof(reply->error), "TLS handshake timed out");
			rc = -ETIMEDOUT;
		} else if (flags && flags != (uint32_t)-1) {
			char vb[160];

			mbedtls_x509_crt_verify_info(vb, sizeof(vb), "", flags);
			vb[strcspn(vb, "\n")] = '\0';
			snprintf(reply->error, sizeof(reply->error),
				 "the hub's certificate is refused: %s", vb);
			rc = -EPROTO;
		} else {
			uplink_tls_error(reply, "TLS handshake", ret);
			rc = -EPROTO;
		}
		goto fail;
	}
	mbedtls_ssl_session_free(&u->session);
	mbedtls_ssl_session_init(&u->session);
	u->have_session = mbedtls_ssl_get_session(&u->ssl, &u->session) == 0;
	return 0;
fail:
	uplink_tls_disconnect(u, false);
	return rc;
}

/* A kept connection the hub has since closed (or written to unasked) is not reused. */
static bool uplink_tls_still_open(struct uplink_tls *u)
{
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };

	if (u->fd < 0 || !u->ssl_live)
		return false;
	if (mbedtls_ssl_get_bytes_avail(&u->ssl) > 0)
		return false;
	return poll(&pfd, 1, 0) == 0;
}

static int uplink_tls_write_all(struct uplink_tls *u, const unsigned char *p, size_t len)
{
	while (len > 0) {
		int n = mbedtls_ssl_write(&u->ssl, p, len);

		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n < 0)
			return n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One exchange on the connection in place. *sent_any: bytes of the answer arrived (then a
 * failure is not retried on a fresh connection). */
static int uplink_tls_exchange(struct uplink_tls *u, const char *head, size_t head_len,
			       const char *body, size_t body_len, struct uplink_reply *reply,
			       bool *got_any)
{
	struct uplink_http h;
	unsigned char buf[4096];
	int ret, rc;

	uplink_http_init(&h);
	u->timed_out = false;
	ret = uplink_tls_write_all(u, (const unsigned char *)head, head_len);
	if (ret == 0 && body_len)
		ret = uplink_tls_write_all(u, (const unsigned char *)body, body_len);
	if (ret != 0) {
		uplink_tls_error(reply, "sending the request", ret);
		rc = u->timed_out ? -ETIMEDOUT : -EIO;
		goto out;
	}
	for (;;) {
		ret = mbedtls_ssl_read(&u->ssl, buf, sizeof(buf));
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (ret > 0) {
			*got_any = true;
			rc = uplink_http_feed(&h, (const char *)buf, (size_t)ret);
			if (rc != 0)
				break;
			continue;
		}
		if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
		    (ret == MBEDTLS_ERR_NET_CONN_RESET && *got_any)) {
			rc = uplink_http_eof(&h);
			if (rc < 0)
				snprintf(reply->error, sizeof(reply->error),
					 "the hub closed the connection before the answer's end");
			break;
		}
		uplink_tls_error(reply, u->timed_out ? "waiting for the answer (timed out)"
						     : "reading the answer", ret);
		rc = u->timed_out ? -ETIMEDOUT : -EIO;
		goto out;
	}
	if (rc == -EMSGSIZE)
		snprintf(reply->error, sizeof(reply->error), "the answer is over %u bytes",
			 UPLINK_REPLY_MAX);
	else if (rc == -EPROTO)
		snprintf(reply->error, sizeof(reply->error), "the answer is not HTTP/1.1: %s",
			 http_errno_description(HTTP_PARSER_ERRNO(&h.parser)));
	if (rc < 0)
		goto out;
	reply->status = h.status;
	reply->body = uplink_http_take_body(&h, &reply->len);
	rc = reply->body ? 0 : -ENOMEM;
	if (rc == 0 && !h.keep_alive)
		uplink_tls_disconnect(u, true);
out:
	if (rc < 0)
		uplink_tls_disconnect(u, false);
	uplink_http_free(&h);
	return rc;
}

static int uplink_tls_request(void *priv, const char *method, const char *path, const char *body,
			      size_t body_len, struct uplink_reply *reply)
{
	struct uplink_tls *u = priv;
	long long deadline = uplink_tls_now_ms() + u->timeout_ms;
	char *head = NULL;
	int head_len, ret;

	memset(reply, 0, sizeof(*reply));
	if (!u->ready && (ret = uplink_tls_setup(u, reply)) < 0)
		return ret;
	if (body)
		head_len = asprintf(&head,
				    "%s %s HTTP/1.1\r\nHost: %s\r\n" UPLINK_TLS_HEADERS
				    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
				    method, path, u->hostport, body_len);
	else
		head_len = asprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n" UPLINK_TLS_HEADERS "\r\n",
				    method, path, u->hostport);
	if (head_len < 0)
		return -ENOMEM;
	for (int attempt = 0;; attempt++) {
		bool reused = uplink_tls_still_open(u), got_any = false;

		if (!reused) {
			uplink_tls_disconnect(u, false);
			ret = uplink_tls_connect(u, deadline, reply);
			if (ret < 0)
				break;
		}
		u->deadline_ms = deadline;
		ret = uplink_tls_exchange(u, head, (size_t)head_len, body, body_len, reply,
					  &got_any);
		/* A kept connection may die just as it is reused: once more on a fresh one. */
		if (ret == -EIO && reused && !got_any && attempt == 0 &&
		    uplink_tls_left_ms(u) > 0) {
			reply->error[0] = '\0';
			continue;
		}
		break;
	}
	free(head);
	return ret;
}

void uplink_reply_free(struct uplink_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}

const struct uplink_transport_ops uplink_mbedtls_ops = {
	.name = "mbedtls",
	.open = uplink_tls_open,
	.request = uplink_tls_request,
	.close = uplink_tls_close,
};
