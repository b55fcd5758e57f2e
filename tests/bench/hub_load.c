/*
 * Load driver for `make bench` (tests/bench/hub.sh): an mbedTLS client with keep-alive
 * connections, one thread per connection, speaking to kium-hub or to nginx on loopback.
 * It uses the same curve (X25519, P-256 offered for the ECDSA certificate) and cipher (ECDHE-ECDSA-AES128-GCM-SHA256) whichever
 * server it measures, so that the two figures compare the servers.
 *
 *   hub_load get PORT CA SECONDS CONNS PATH              -> "get_req_per_s N"
 *   hub_load taps PORT CA DIR DEVICES BATCHES BATCH [P]  -> "batch_ms median M p99 P" and
 *                                                           "taps_per_s N" (device certs
 *                                                           DIR/<P><i>.{crt,key}, CN <P><i>,
 *                                                           P is "B" unless given)
 *   hub_load handshakes PORT CA SECONDS full|resumed     -> "handshakes_per_s N"
 *   hub_load idle PORT CA DIR CONNS                      -> opens CONNS device connections
 *          (DIR/B1), one roster request each, prints "ready", holds them until stdin closes
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

static const int load_suites[] = { MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0 };
static const mbedtls_ecp_group_id load_curves[] = { MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
						    MBEDTLS_ECP_DP_NONE };

struct client_cfg {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
};

static mbedtls_entropy_context load_entropy;
static mbedtls_ctr_drbg_context load_drbg;
static const char *load_port;
static atomic_long load_count;
static atomic_int load_stop;
static atomic_int load_errors;

static double load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load_cfg(struct client_cfg *c, const char *ca, const char *cert, const char *key)
{
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->cert);
	mbedtls_pk_init(&c->key);
	if (mbedtls_x509_crt_parse_file(&c->ca, ca) != 0)
		return -1;
	if (mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT))
		return -1;
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &load_drbg);
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	mbedtls_ssl_conf_ciphersuites(&c->conf, load_suites);
	mbedtls_ssl_conf_curves(&c->conf, load_curves);
	mbedtls_ssl_conf_min_version(&c->conf, 3, 3);
	mbedtls_ssl_conf_max_version(&c->conf, 3, 3);
	mbedtls_ssl_conf_session_tickets(&c->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
	if (cert) {
		if (mbedtls_x509_crt_parse_file(&c->cert, cert) != 0 ||
		    mbedtls_pk_parse_keyfile(&c->key, key, NULL) != 0 ||
		    mbedtls_ssl_conf_own_cert(&c->conf, &c->cert, &c->key) != 0)
			return -1;
	}
	return 0;
}

struct client {
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	char buf[65536];
	size_t len;
};

static int client_open(struct client *cl, struct client_cfg *cfg, mbedtls_ssl_session *resume)
{
	int ret, one = 1;

	mbedtls_net_init(&cl->net);
	mbedtls_ssl_init(&cl->ssl);
	cl->len = 0;
	if (mbedtls_net_connect(&cl->net, "127.0.0.1", load_port, MBEDTLS_NET_PROTO_TCP) != 0)
		return -1;
	/* As curl and browsers do: no Nagle delay between handshake records. */
	setsockopt(cl->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (mbedtls_ssl_setup(&cl->ssl, &cfg->conf) != 0 ||
	    mbedtls_ssl_set_hostname(&cl->ssl, "localhost") != 0)
		return -1;
	if (resume && mbedtls_ssl_set_session(&cl->ssl, resume) != 0)
		return -1;
	mbedtls_ssl_set_bio(&cl->ssl, &cl->net, mbedtls_net_send, mbedtls_net_recv, NULL);
	while ((ret = mbedtls_ssl_handshake(&cl->ssl)) != 0) {
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
			char eb[128];

			mbedtls_strerror(ret, eb, sizeof(eb));
			fprintf(stderr, "hub_load: handshake: %s\n", eb);
			return -1;
		}
	}
	return 0;
}

static void client_close(struct client *cl)
{
	mbedtls_ssl_free(&cl->ssl);
	mbedtls_net_free(&cl->net);
}

/* Sends req and reads one response; returns the status or -1. */
static int client_rt(struct client *cl, const char *req, size_t reqlen)
{
	size_t off = 0;

	while (off < reqlen) {
		int n = mbedtls_ssl_write(&cl->ssl, (const unsigned char *)req + off, reqlen - off);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	for (;;) {
		char *end = memmem(cl->buf, cl->len, "\r\n\r\n", 4);

		if (end) {
			size_t head = (size_t)(end - cl->buf) + 4, clen = 0;
			char *cl_hdr = memmem(cl->buf, head, "Content-Length:", 15);
			int status = atoi(cl->buf + 9);

			if (!cl_hdr)
				cl_hdr = memmem(cl->buf, head, "content-length:", 15);
			if (cl_hdr)
				clen = strtoul(cl_hdr + 15, NULL, 10);
			if (cl->len >= head + clen) {
				memmove(cl->buf, cl->buf + head + clen, cl->len - head - clen);
				cl->len -= head + clen;
				return status;
			}
		}
		if (cl->len == sizeof(cl->buf))
			return -1;
		int n = mbedtls_ssl_read(&cl->ssl, (unsigned char *)cl->buf + cl->len,
					 sizeof(cl->buf) - cl->len);
		if (n <= 0)
			return -1;
		cl->len += (size_t)n;
	}
}

struct job {
	struct client_cfg *cfg;
	const char *path;
	char device[32];
	int batches, batch;
	double *rtt;      /* taps: each batch's round trip in ms */
	int nrtt;
};

static int load_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *get_thread(void *arg)
{
	struct job *j = arg;
	struct client *cl = calloc(1, sizeof(*cl));
	char req[256];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", j->path);

	if (client_open(cl, j->cfg, NULL) != 0) {
		atomic_fetch_add(&load_errors, 1);
		goto out;
	}
	while (!atomic_load(&load_stop)) {
		if (client_rt(cl, req, (size_t)n) != 200) {
			atomic_fetch_add(&load_errors, 1);
			break;
		}
		atomic_fetch_add(&load_count, 1);
	}
out:
	client_close(cl);
	free(cl);
	return NULL;
}

static void *taps_thread(void *arg)
{
	struct job *j = arg;
	struct client *cl = calloc(1, sizeof(*cl));
	size_t cap = (size_t)j->batch * 256 + 1024;
	char *body = malloc(cap), *req = malloc(cap + 512);
	long seq = 1;

	if (client_open(cl, j->cfg, NULL) != 0) {
		atomic_fetch_add(&load_errors, 1);
		goto out;
	}
	for (int b = 0; b < j->batches; b++) {
		size_t o = 0;
		long long wall = 1795000000000LL + seq;

		o += (size_t)snprintf(body + o, cap - o,
			"{\"device\":\"%s\",\"boot_id\":\"6f1c2a3e-0000-4000-8000-00000000b001\","
			"\"mono_ms\":900000000,\"wall_ms\":%lld,\"clock\":\"synced\",\"taps\":[",
			j->device, wall);
		for (int i = 0; i < j->batch; i++, seq++)
			o += (size_t)snprintf(body + o, cap - o,
				"%s{\"seq\":%ld,\"uid\":\"04%06lx\",\"wall_ms\":%lld,"
				"\"boot_id\":\"6f1c2a3e-0000-4000-8000-00000000b001\",\"mono_ms\":%ld,"
				"\"clock\":\"synced\",\"dir\":\"%s\",\"result\":\"%s\"}",
				i ? "," : "", seq, seq % 4096, 1795000000000LL + seq * 1000, seq,
				seq % 2 ? "in" : "out", seq % 2 ? "arrival" : "departure");
		o += (size_t)snprintf(body + o, cap - o, "]}");
		int n = snprintf(req, cap + 512,
				 "POST /api/v1/device/taps HTTP/1.1\r\nHost: localhost\r\n"
				 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
				 o, body);
		double t0 = load_now();
		int st = client_rt(cl, req, (size_t)n);

		if (j->rtt)
			j->rtt[j->nrtt++] = (load_now() - t0) * 1000;
		if (st != 200) {
			fprintf(stderr, "hub_load: taps answered %d\n", st);
			atomic_fetch_add(&load_errors, 1);
			break;
		}
		atomic_fetch_add(&load_count, j->batch);
	}
out:
	client_close(cl);
	free(cl);
	free(body);
	free(req);
	return NULL;
}

static int load_threads(void *(*fn)(void *), struct job *jobs, int n, double seconds)
{
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	double t0 = load_now(), dt;

	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, fn, &jobs[i]);
	if (seconds > 0) {
		usleep((useconds_t)(seconds * 1e6));
		atomic_store(&load_stop, 1);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	dt = load_now() - t0;
	free(t);
	return (int)((double)atomic_load(&load_count) / dt);
}

static int load_handshakes(struct client_cfg *cfg, double seconds, int resumed)
{
	mbedtls_ssl_session sess;
	struct client *cl = calloc(1, sizeof(*cl));
	double t0, dt;
	long n = 0;

	mbedtls_ssl_session_init(&sess);
	if (resumed) {
		if (client_open(cl, cfg, NULL) != 0 || mbedtls_ssl_get_session(&cl->ssl, &sess) != 0)
			return -1;
		client_close(cl);
	}
	t0 = load_now();
	while (load_now() - t0 < seconds) {
		if (client_open(cl, cfg, resumed ? &sess : NULL) != 0) {
			client_close(cl);
			atomic_fetch_add(&load_errors, 1);
			break;
		}
		mbedtls_ssl_close_notify(&cl->ssl);
		client_close(cl);
		n++;
	}
	dt = load_now() - t0;
	mbedtls_ssl_session_free(&sess);
	free(cl);
	return (int)((double)n / dt);
}

static int load_idle(struct client_cfg *cfg, int conns)
{
	struct client **cls = calloc((size_t)conns, sizeof(*cls));
	static const char req[] = "GET /api/v1/device/roster HTTP/1.1\r\nHost: localhost\r\n\r\n";
	char sink[64];
	int ok = 0;

	for (int i = 0; i < conns; i++) {
		cls[i] = calloc(1, sizeof(struct client));
		if (client_open(cls[i], cfg, NULL) != 0 ||
		    client_rt(cls[i], req, sizeof(req) - 1) != 200) {
			fprintf(stderr, "hub_load: idle connection %d failed\n", i);
			break;
		}
		ok++;
	}
	printf("ready %d\n", ok);
	fflush(stdout);
	while (read(0, sink, sizeof(sink)) > 0)
		;
	for (int i = 0; i < conns; i++) {
		if (cls[i])
			client_close(cls[i]);
		free(cls[i]);
	}
	free(cls);
	return ok == conns ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct client_cfg cfg;
	char cert[512], key[512];
	int r = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: see the comment at the top of hub_load.c\n");
		return 2;
	}
	load_port = argv[2];
	mbedtls_entropy_init(&load_entropy);
	mbedtls_ctr_drbg_init(&load_drbg);
	mbedtls_ctr_drbg_seed(&load_drbg, mbedtls_entropy_func, &load_entropy,
			      (const unsigned char *)"hub_load", 8);
	if (strcmp(argv[1], "get") == 0 && argc == 7) {
		int conns = atoi(argv[5]);
		struct job *jobs = calloc((size_t)conns, sizeof(*jobs));

		if (load_cfg(&cfg, argv[3], NULL, NULL) != 0)
			return 1;
		for (int i = 0; i < conns; i++) {
			jobs[i].cfg = &cfg;
			jobs[i].path = argv[6];
		}
		r = load_threads(get_thread, jobs, conns, atof(argv[4]));
		printf("get_req_per_s %d\n", r);
		free(jobs);
		r = 0;
	} else if (strcmp(argv[1], "taps") == 0 && (argc == 8 || argc == 9)) {
		const char *prefix = argc == 9 ? argv[8] : "B";
		int devs = atoi(argv[5]);
		struct job *jobs = calloc((size_t)devs, sizeof(*jobs));
		struct client_cfg *cfgs = calloc((size_t)devs, sizeof(*cfgs));

		for (int i = 0; i < devs; i++) {
			snprintf(cert, sizeof(cert), "%s/%s%d.crt", argv[4], prefix, i + 1);
			snprintf(key, sizeof(key), "%s/%s%d.key", argv[4], prefix, i + 1);
			if (load_cfg(&cfgs[i], argv[3], cert, key) != 0) {
				fprintf(stderr, "hub_load: cannot load %s\n", cert);
				return 1;
			}
			jobs[i].cfg = &cfgs[i];
			snprintf(jobs[i].device, sizeof(jobs[i].device), "%s%d", prefix, i + 1);
			jobs[i].batches = atoi(argv[6]);
			jobs[i].batch = atoi(argv[7]);
			jobs[i].rtt = calloc((size_t)jobs[i].batches + 1, sizeof(double));
		}
		r = load_threads(taps_thread, jobs, devs, 0);
		{
			double *all = calloc((size_t)devs * (size_t)atoi(argv[6]) + 1, sizeof(double));
			int n = 0;

			for (int i = 0; all && i < devs; i++)
				for (int k = 0; k < jobs[i].nrtt; k++)
					all[n++] = jobs[i].rtt[k];
			if (n > 0) {
				qsort(all, (size_t)n, sizeof(double), load_cmp_double);
				printf("batch_ms median %.2f p99 %.2f\n", all[n / 2],
				       all[(size_t)((n - 1) * 0.99)]);
			}
			for (int i = 0; i < devs; i++)
				free(jobs[i].rtt);
			free(all);
		}
		printf("taps_per_s %d\n", r);
		r = 0;
		free(jobs);
		free(cfgs);
	} else if (strcmp(argv[1], "handshakes") == 0 && argc == 6) {
		if (load_cfg(&cfg, argv[3], NULL, NULL) != 0)
			return 1;
		r = load_handshakes(&cfg, atof(argv[4]), strcmp(argv[5], "resumed") == 0);
		printf("handshakes_per_s %d\n", r);
		r = 0;
	} else if (strcmp(argv[1], "idle") == 0 && argc == 6) {
		snprintf(cert, sizeof(cert), "%s/B1.crt", argv[4]);
		snprintf(key, sizeof(key), "%s/B1.key", argv[4]);
		if (load_cfg(&cfg, argv[3], cert, key) != 0)
			return 1;
		r = load_idle(&cfg, atoi(argv[5]));
	} else {
		fprintf(stderr, "hub_load: bad arguments\n");
		return 2;
	}
	if (atomic_load(&load_errors))
		fprintf(stderr, "hub_load: %d errors\n", atomic_load(&load_errors));
	return atomic_load(&load_errors) ? 1 : r;
}
