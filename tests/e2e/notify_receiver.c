/*
 * A stand-in 알림톡 provider for the notification tests: an HTTPS server (the hub's own
 * server and TLS layers) that records every request it gets, one line each in the log file:
 *
 *   <Idempotency-Key>\t<status answered>\t<body as received (one line of JSON)>
 *
 * and answers 200 {"id":"r-N"}, or, while its script lasts, the scripted statuses in order
 * (--script 500,429,503), or holds each request for --hang-ms before answering (a provider
 * that hangs; the hub's timeout gives up first). "Down" is the test killing it.
 *
 *   notify_receiver --cert C --key K --ca CA --listen 127.0.0.1:0 --port-file F --log L
 *                   [--script S1,S2,...] [--hang-ms MS] [--retry-after S]
 */
#include "hub/net/server.h"
#include "hub/net/tls.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static FILE *rlog;
static int script[64];
static size_t nscript, used;
static long hang_ms;
static const char *retry_after;
static unsigned long served;

static void handle(void *arg, const struct http_request *req, const struct tls_peer *peer,
		   const char *remote, struct server_reply *reply)
{
	const char *key = http_request_header(req, "Idempotency-Key");
	int status = used < nscript ? script[used++] : 200;

	(void)arg, (void)peer, (void)remote;
	if (strcmp(req->method_name, "POST")) {
		reply->status = 405;
		netbuf_printf(&reply->body, "{\"error\":{\"code\":\"method\"}}");
		return;
	}
	fprintf(rlog, "%s\t%d\t%.*s\n", key ? key : "-", hang_ms ? 0 : status, (int)req->body_len,
		req->body);
	fflush(rlog);
	if (hang_ms) {
		struct timespec ts = { hang_ms / 1000, (hang_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	reply->status = status;
	if (status == 200) {
		netbuf_printf(&reply->body, "{\"id\":\"r-%lu\"}", ++served);
	} else {
		netbuf_printf(&reply->body, "{\"error\":{\"code\":\"scripted_%d\"}}", status);
		if (retry_after)
			snprintf(reply->extra, sizeof(reply->extra), "Retry-After: %s\r\n",
				 retry_after);
	}
}

static void on_error(void *arg, int status, struct server_reply *reply)
{
	(void)arg;
	reply->status = status;
	netbuf_printf(&reply->body, "{\"error\":{\"code\":\"server\"}}");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cert", required_argument, NULL, 'c' },   { "key", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'a' },     { "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' }, { "log", required_argument, NULL, 'g' },
		{ "script", required_argument, NULL, 's' }, { "hang-ms", required_argument, NULL, 'h' },
		{ "retry-after", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
	};
	struct tls_ctx_opts to = { 0 };
	struct server_opts so = { 0 };
	struct tls_ctx *tls = NULL;
	struct server *srv = NULL;
	const char *logp = NULL;
	int c, rc = 1;

	so.listen = "127.0.0.1:0";
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': to.cert = optarg; break;
		case 'k': to.key = optarg; break;
		case 'a': to.client_ca = optarg; break;
		case 'l': so.listen = optarg; break;
		case 'p': so.port_file = optarg; break;
		case 'g': logp = optarg; break;
		case 'h': hang_ms = atol(optarg); break;
		case 'r': retry_after = optarg; break;
		case 's':
			for (char *t = strtok(optarg, ","); t && nscript < 64; t = strtok(NULL, ","))
				script[nscript++] = atoi(t);
			break;
		default:
			return 2;
		}
	}
	if (!to.cert || !to.key || !to.client_ca || !logp) {
		fprintf(stderr, "usage: notify_receiver --cert --key --ca --log [...]\n");
		return 2;
	}
	if (!(rlog = fopen(logp, "a")))
		return 1;
	if (tls_ctx_new(&to, &tls) < 0)
		goto out;
	so.max_conns = 64;
	so.header_timeout_ms = 10000;
	so.body_timeout_ms = 10000;
	so.idle_timeout_ms = 60000;
	so.drain_timeout_ms = 1000;
	so.limits.max_header = 16384;
	so.limits.max_body = 1 << 20;
	so.tls = tls;
	so.handler = handle;
	so.error = on_error;
	if (server_new(&so, &srv) < 0)
		goto out;
	rc = server_run(srv) == 0 ? 0 : 1;
out:
	server_free(srv);
	tls_ctx_free(tls);
	fclose(rlog);
	return rc;
}
