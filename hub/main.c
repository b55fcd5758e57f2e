/*
 * kium-hub: the city hub daemon. Reads an INI configuration (--help lists every key), opens
 * the store, loads the TLS material and serves HTTPS until SIGTERM (see hub/README.md).
 */
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "hub/api/api.h"
#include "hub/net/server.h"
#include "hub/net/tls.h"
#include "hub/notify/notify_config.h"
#include "hub/store/store.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KIUM_VERSION
#define KIUM_VERSION "0"
#endif

static const struct config_key main_keys[] = {
	{ "hub", "listen", NULL, "ADDR:PORT to listen on (required), e.g. 0.0.0.0:8443 or [::]:8443; port 0 picks a free port" },
	{ "hub", "port_file", NULL, "write the bound port to this file (useful with port 0)" },
	{ "hub", "max_connections", "1024", "connections served at once; more get 503 or are closed" },
	{ "hub", "header_timeout_ms", "10000", "TLS handshake plus request head must arrive within this (else 408)" },
	{ "hub", "body_timeout_ms", "30000", "request body must arrive within this after the head (else 408)" },
	{ "hub", "idle_timeout_ms", "75000", "keep-alive connections idle this long are closed" },
	{ "hub", "drain_timeout_ms", "10000", "on SIGTERM, how long in-flight requests may take" },
	{ "hub", "max_header_bytes", "16384", "request line plus headers (else 431)" },
	{ "hub", "max_body_bytes", "1048576", "request body (else 413); a batch of 1000 taps is ~200 KB" },
	{ "hub", "silent_after_s", "600", "a reader not heard from for this long is reported silent" },
	{ "hub", "touch_interval_s", "30", "refresh a reader's last-seen at most this often on roster fetches" },
	{ "tls", "cert", NULL, "PEM server certificate (chain), ECDSA P-256 (required)" },
	{ "tls", "key", NULL, "PEM private key of the server certificate (required)" },
	{ "tls", "client_ca", NULL, "PEM CA certificate that issues device certificates (required)" },
	{ "tls", "crl", NULL, "PEM/DER CRL of the device CA, reloaded on SIGHUP (optional)" },
	{ "tls", "ticket_lifetime_s", "86400", "TLS session ticket lifetime; 0 disables resumption" },
	{ "store", "path", NULL, "SQLite database file (required)" },
	{ "store", "busy_timeout_ms", "100", "wait this long for a lock held by kiumctl, then answer 503" },
	{ "log", "level", "info", "error, warning, notice, info or debug" },
	{ "log", "file", NULL, "append log lines to this file (reopened on SIGHUP) instead of stderr" },
	{ "metrics", "public", "false", "serve /metrics without a token (otherwise an admin or metrics token)" },
	/* ---- notifications (issue 7): hub/notify/notify_config.c reads these ---- */
	{ "notify", "provider_url", NULL, "https URL the 알림톡 provider takes messages at (POST, JSON; hub/api/NOTIFY.md); none: messages wait in the outbox" },
	{ "notify", "ca_file", NULL, "PEM CA bundle to verify the provider with (default: the system's)" },
	{ "notify", "client_cert", NULL, "PEM client certificate for the provider (optional)" },
	{ "notify", "client_key", NULL, "PEM key of client_cert" },
	{ "notify", "auth_token_file", NULL, "file holding a token sent as Authorization: Bearer (optional)" },
	{ "notify", "connect_timeout_ms", "3000", "connecting to the provider, TLS included" },
	{ "notify", "timeout_ms", "10000", "a whole request; past it the try counts as failed and is retried" },
	{ "notify", "max_attempts", "10", "tries of a message before it is failed" },
	{ "notify", "backoff_base_ms", "2000", "wait after the first failed try; doubles per try, with jitter" },
	{ "notify", "backoff_cap_ms", "600000", "longest wait between tries (also caps Retry-After)" },
	{ "notify", "max_age_s", "86400", "a message not sent within this after it was queued is failed (expired)" },
	{ "notify", "retention_days", "30", "delivered and failed messages are deleted after this" },
	{ "notify", "poll_ms", "1000", "how often the worker looks for due messages when idle" },
	{ "notify", "missing_departure", "true", "after closing time, tell guardians of children with an arrival and no departure" },
	{ "notify", "closing_time", "19:00", "closing time (Seoul, HH:MM) of days no term covers" },
	{ "notify", "grace_min", "30", "minutes after closing time before a missing departure is announced" },
	{ "notify", "sweep_interval_s", "300", "how often the missing-departure sweep runs" },
	{ "notify", "missing_departure_window_min", "360", "a missing departure is announced only within this many minutes after closing time + grace (a hub started the next morning does not send yesterday's)" },
	{ "notify", "tap_max_age_min", "120", "an arrival or departure tap received more than this many minutes after it was made is stored but not announced (a reader offline for hours does not send the afternoon's arrivals in the evening)" },
	{ "web", "root", NULL, "the web portal's static files, read at start and on SIGHUP (default: ../share/kium/web beside the kium-hub binary, i.e. PREFIX/share/kium/web)" },
	{ NULL, NULL, NULL, NULL },
};

static const char *main_log_file;
static struct tls_ctx *main_tls;

static void main_usage(FILE *out)
{
	fprintf(out,
		"usage: kium-hub --config FILE\n"
		"       kium-hub --help | --version\n\n"
		"The city hub: HTTPS API for door readers (client certificates of the hub's\n"
		"private CA) and for people (API tokens for now). Logs go to stderr (journald\n"
		"friendly). SIGTERM drains in-flight requests and exits; SIGHUP reopens the log\n"
		"file, reads the web portal's files again and reloads the CRL.\n\n"
		"Configuration keys (INI):\n");
	config_print_help(out, main_keys);
}

static void main_hup(void *arg)
{
	struct api *api = arg;

	if (main_log_file) {
		int err = log_reopen(main_log_file);

		if (err < 0)
			log_err("main: cannot reopen log file %s: %s", main_log_file,
				strerror(-err));
		else
			log_notice("main: log file reopened");
	}
	if (main_tls)
		(void)tls_ctx_reload_crl(main_tls);
	if (api)
		(void)api_web_reload(api);
}

/* [web] root's default: PREFIX/share/kium/web, found from the binary's own place. */
static void main_web_default(char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	snprintf(out, outlen, "/usr/local/share/kium/web");
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(out, outlen, "%.*s/../share/kium/web", (int)(outlen - 20), exe);
}

static int main_int(const struct config *cfg, const char *sec, const char *key, long min,
		    long max, long *out)
{
	return config_get_int(cfg, sec, key, 0, min, max, out);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *level, *listen, *cert, *key, *ca, *db, *web;
	char web_default[PATH_MAX];
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct api *api = NULL;
	struct server *srv = NULL;
	struct notify_worker *notifier = NULL;
	struct tls_ctx_opts to = { 0 };
	struct api_opts ao = { 0 };
	struct server_opts so = { 0 };
	long maxc, ht, bt, it, dt, mh, mb, silent, touch, ticket, busy;
	bool mpublic = false;
	int c, lvl, rc = 1;

	log_init("kium-hub", KLOG_INFO);
	while ((c = getopt_long(argc, argv, "c:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("kium-hub %s\n", KIUM_VERSION);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (!cfg_path || optind != argc) {
		main_usage(stderr);
		return 2;
	}
	if (config_load(cfg_path, main_keys, &cfg) < 0)
		goto out;
	level = config_get(cfg, "log", "level");
	lvl = log_level_parse(level);
	if (lvl < 0) {
		log_err("main: [log] level = %s is not a level", level);
		goto out;
	}
	log_set_level(lvl);
	main_log_file = config_get(cfg, "log", "file");
	if (main_log_file && main_log_file[0]) {
		int err = log_reopen(main_log_file);

		if (err < 0) {
			log_err("main: cannot open log file %s: %s", main_log_file, strerror(-err));
			goto out;
		}
	} else {
		main_log_file = NULL;
	}
	listen = config_require(cfg, "hub", "listen");
	cert = config_require(cfg, "tls", "cert");
	key = config_require(cfg, "tls", "key");
	ca = config_require(cfg, "tls", "client_ca");
	db = config_require(cfg, "store", "path");
	if (!listen || !cert || !key || !ca || !db)
		goto out;
	if (main_int(cfg, "hub", "max_connections", 1, 1000000, &maxc) < 0 ||
	    main_int(cfg, "hub", "header_timeout_ms", 10, 3600000, &ht) < 0 ||
	    main_int(cfg, "hub", "body_timeout_ms", 10, 3600000, &bt) < 0 ||
	    main_int(cfg, "hub", "idle_timeout_ms", 10, 86400000, &it) < 0 ||
	    main_int(cfg, "hub", "drain_timeout_ms", 0, 3600000, &dt) < 0 ||
	    main_int(cfg, "hub", "max_header_bytes", 256, 1 << 20, &mh) < 0 ||
	    main_int(cfg, "hub", "max_body_bytes", 0, 64L << 20, &mb) < 0 ||
	    main_int(cfg, "hub", "silent_after_s", 1, 365L * 86400, &silent) < 0 ||
	    main_int(cfg, "store", "busy_timeout_ms", 0, 60000, &busy) < 0 ||
	    main_int(cfg, "hub", "touch_interval_s", 0, 86400, &touch) < 0 ||
	    main_int(cfg, "tls", "ticket_lifetime_s", 0, 7L * 86400, &ticket) < 0 ||
	    config_get_bool(cfg, "metrics", "public", false, &mpublic) < 0)
		goto out;
	/* Past a file size limit a write fails (EFBIG), the store reports it and devices get
	 * 503 to retry later; the default action would kill the hub instead. */
	signal(SIGXFSZ, SIG_IGN);
	if (clock_pin_from_env())
		log_notice("main: clock pinned by KIUM_PINNED_CLOCK");

	if (store_open(db, &st) < 0) {
		log_err("main: cannot open store %s", db);
		goto out;
	}
	/* Migrations above may wait long; the loop must not. */
	store_set_busy_timeout(st, (int)busy);
	to.cert = cert;
	to.key = key;
	to.client_ca = ca;
	to.crl = config_get(cfg, "tls", "crl");
	to.ticket_lifetime_s = ticket;
	if (tls_ctx_new(&to, &main_tls) < 0)
		goto out;
	ao.store = st;
	ao.tls = main_tls;
	ao.metrics_public = mpublic;
	ao.silent_ms = (int64_t)silent * 1000;
	ao.touch_ms = (int64_t)touch * 1000;
	web = config_get(cfg, "web", "root");
	if (!web || !web[0]) {
		main_web_default(web_default, sizeof(web_default));
		web = web_default;
	}
	ao.web_root = web;
	if (api_new(&ao, &api) < 0)
		goto out;
	so.listen = listen;
	so.port_file = config_get(cfg, "hub", "port_file");
	so.max_conns = (size_t)maxc;
	so.header_timeout_ms = ht;
	so.body_timeout_ms = bt;
	so.idle_timeout_ms = it;
	so.drain_timeout_ms = dt;
	so.limits.max_header = (size_t)mh;
	so.limits.max_body = (size_t)mb;
	so.tls = main_tls;
	so.handler = api_handle;
	so.error = api_error;
	so.on_hup = main_hup;
	so.on_tick = api_tick;
	so.on_round = api_round;
	so.arg = api;
	if (server_new(&so, &srv) < 0)
		goto out;
	if (notify_config_start(cfg, db, &notifier) < 0)
		goto out;
	api_set_server(api, srv);
	api_set_notify_worker(api, notifier);
	log_notice("main: kium-hub %s started", KIUM_VERSION);
	if (server_run(srv) == 0)
		rc = 0;
out:
	notify_worker_stop(notifier);
	server_free(srv);
	api_free(api);
	tls_ctx_free(main_tls);
	store_close(st);
	config_free(cfg);
	if (rc == 0)
		log_notice("main: exiting");
	log_reopen(NULL);
	return rc;
}
