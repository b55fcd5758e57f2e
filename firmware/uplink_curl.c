/*
 * The uplink transport over libcurl: one easy handle kept for the life of the uplink, so the
 * TCP connection and the TLS session are reused between batches; mutual TLS with this
 * device's key and certificate; the hub's private CA as the only trust anchor (no system CA
 * store); timeouts on connect and on the whole transfer; answers capped in size.
 *
 * Memory: OpenSSL and libcurl are set up at the first request, not at open, so a reader that
 * never reaches the point of sending does not pay for them; OpenSSL skips the system's
 * openssl.cnf (this client's TLS settings are all in the easy handle). See
 * tests/bench/reader.sh for where the reader's resident memory goes.
 */
#include "firmware/uplink_transport.h"
#include "common/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct uplink_curl {
	CURL *easy; /* NULL until the first request */
	struct curl_slist *headers;
	char *base, *ca, *cert, *key;
	long connect_timeout_ms, timeout_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct uplink_curl_sink {
	char *data;
	size_t len, cap;
	int overflow;
};

static pthread_once_t uplink_curl_once = PTHREAD_ONCE_INIT;
static int uplink_curl_global_rc;

static void uplink_curl_global_init(void)
{
	/* First, so that libcurl's own OpenSSL init (which asks for the config file) finds
	 * OpenSSL already initialised without it. */
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		log_warn("uplink: OpenSSL initialisation without its config file failed");
	uplink_curl_global_rc = curl_global_init(CURL_GLOBAL_SSL) == CURLE_OK ? 0 : -ENOMEM;
}

static size_t uplink_curl_write(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct uplink_curl_sink *s = user;
	size_t n = size * nmemb;

	if (s->len + n + 1 > UPLINK_REPLY_MAX) {
		s->overflow = 1;
		return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t ncap = s->cap ? s->cap : 4096;
		char *nd;

		while (ncap < s->len + n + 1)
			ncap *= 2;
		nd = realloc(s->data, ncap);
		if (!nd)
			return 0;
		s->data = nd;
		s->cap = ncap;
	}
	memcpy(s->data + s->len, ptr, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

static void uplink_curl_close(void *priv)
{
	struct uplink_curl *u = priv;

	if (!u)
		return;
	if (u->easy)
		curl_easy_cleanup(u->easy);
	curl_slist_free_all(u->headers);
	free(u->base);
	free(u->ca);
	free(u->cert);
	free(u->key);
	free(u);
}

/* Checks the configuration only: libcurl and OpenSSL wait for the first request. */
static int uplink_curl_open(const struct uplink_transport_config *cfg, void **priv)
{
	struct uplink_curl *u = NULL;
	size_t n;
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
	if (!u || !(u->base = strdup(cfg->url)) || !(u->ca = strdup(cfg->ca)) ||
	    !(u->cert = strdup(cfg->cert)) || !(u->key = strdup(cfg->key))) {
		log_err("uplink: out of memory");
		goto out;
	}
	n = strlen(u->base);
	while (n > 0 && u->base[n - 1] == '/')
		u->base[--n] = '\0';
	u->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000L;
	u->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000L;
	*priv = u;
	u = NULL;
	ret = 0;
out:
	uplink_curl_close(u);
	return ret;
}

/* The easy handle, made at the first request and kept. */
static int uplink_curl_setup(struct uplink_curl *u)
{
	pthread_once(&uplink_curl_once, uplink_curl_global_init);
	if (uplink_curl_global_rc < 0) {
		log_err("uplink: libcurl cannot be initialised");
		return uplink_curl_global_rc;
	}
	u->easy = curl_easy_init();
	u->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (u->headers)
		u->headers = curl_slist_append(u->headers, "Accept: application/json");
	if (!u->easy || !u->headers) {
		log_err("uplink: cannot set up libcurl");
		if (u->easy)
			curl_easy_cleanup(u->easy);
		u->easy = NULL;
		curl_slist_free_all(u->headers);
		u->headers = NULL;
		return -ENOMEM;
	}
	curl_easy_setopt(u->easy, CURLOPT_ERRORBUFFER, u->errbuf);
	curl_easy_setopt(u->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->easy, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(u->easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(u->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(u->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The hub's CA and nothing else: CAINFO replaces the bundle, CAPATH NULL drops the dir. */
	curl_easy_setopt(u->easy, CURLOPT_CAINFO, u->ca);
	curl_easy_setopt(u->easy, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(u->easy, CURLOPT_SSLCERT, u->cert);
	curl_easy_setopt(u->easy, CURLOPT_SSLKEY, u->key);
	curl_easy_setopt(u->easy, CURLOPT_CONNECTTIMEOUT_MS, u->connect_timeout_ms);
	curl_easy_setopt(u->easy, CURLOPT_TIMEOUT_MS, u->timeout_ms);
	curl_easy_setopt(u->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, u->headers);
	curl_easy_setopt(u->easy, CURLOPT_USERAGENT, "kium-reader/" KIUM_VERSION);
	curl_easy_setopt(u->easy, CURLOPT_WRITEFUNCTION, uplink_curl_write);
	/* One hub, one connection: no cache of several. */
	curl_easy_setopt(u->easy, CURLOPT_MAXCONNECTS, 1L);
	return 0;
}

static int uplink_curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPROTO;
	case CURLE_WRITE_ERROR:
		return -EMSGSIZE;
	default:
		return -EIO;
	}
}

static int uplink_curl_request(void *priv, const char *method, const char *path, const char *body,
			       size_t body_len, struct uplink_reply *reply)
{
	struct uplink_curl *u = priv;
	struct uplink_curl_sink sink = { 0 };
	char *url = NULL;
	CURLcode rc;
	int ret;

	memset(reply, 0, sizeof(*reply));
	if (!u->easy && (ret = uplink_curl_setup(u)) < 0) {
		snprintf(reply->error, sizeof(reply->error), "libcurl cannot be set up");
		return ret;
	}
	if (asprintf(&url, "%s%s", u->base, path) < 0)
		return -ENOMEM;
	u->errbuf[0] = '\0';
	curl_easy_setopt(u->easy, CURLOPT_URL, url);
	curl_easy_setopt(u->easy, CURLOPT_WRITEDATA, &sink);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(u->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(u->easy, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(u->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else {
		curl_easy_setopt(u->easy, CURLOPT_HTTPGET, 1L);
	}
	rc = curl_easy_perform(u->easy);
	if (rc != CURLE_OK) {
		ret = sink.overflow ? -EMSGSIZE : uplink_curl_errno(rc);
		snprintf(reply->error, sizeof(reply->error), "%s",
			 u->errbuf[0] ? u->errbuf : curl_easy_strerror(rc));
		free(sink.data);
		goto out;
	}
	curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &reply->status);
	reply->body = sink.data ? sink.data : strdup("");
	reply->len = sink.len;
	ret = reply->body ? 0 : -ENOMEM;
out:
	free(url);
	return ret;
}

void uplink_reply_free(struct uplink_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}

const struct uplink_transport_ops uplink_curl_ops = {
	.name = "curl",
	.open = uplink_curl_open,
	.request = uplink_curl_request,
	.close = uplink_curl_close,
};
