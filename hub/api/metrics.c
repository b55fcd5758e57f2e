/*
 * /metrics in the Prometheus text format: requests by route and status, TLS handshakes,
 * connections and limit refusals, taps ingested by outcome, and the readers as the store
 * knows them (seen, silent, queue depth each reported in its last heartbeat).
 */
#include "hub/api/api.h"
#include "hub/notify/worker.h"

#include "common/clock.h"
#include "hub/net/tls.h"
#include "hub/store/store.h"
#include "hub/store/store_notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int metrics_statuses[] = { 200, 400, 401, 403, 404, 405, 408,
					413, 415, 431, 500, 503, 0 /* other */ };
#define METRICS_NSTATUS (sizeof(metrics_statuses) / sizeof(metrics_statuses[0]))

struct api_metrics {
	size_t nroutes;
	uint64_t *requests;   /* (nroutes + 1) x METRICS_NSTATUS */
	uint64_t taps[3];     /* stored, duplicate, rejected */
	uint64_t ingest_commits, ingest_batches;
};

int api_metrics_new(size_t nroutes, struct api_metrics **out)
{
	struct api_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->nroutes = nroutes;
	m->requests = calloc((nroutes + 1) * METRICS_NSTATUS, sizeof(uint64_t));
	if (!m->requests) {
		free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void api_metrics_free(struct api_metrics *m)
{
	if (!m)
		return;
	free(m->requests);
	free(m);
}

void api_metrics_count(struct api_metrics *m, size_t route, int status)
{
	size_t s = METRICS_NSTATUS - 1;

	if (!m)
		return;
	if (route > m->nroutes)
		route = m->nroutes;
	for (size_t i = 0; i + 1 < METRICS_NSTATUS; i++)
		if (metrics_statuses[i] == status)
			s = i;
	m->requests[route * METRICS_NSTATUS + s]++;
}

void api_metrics_ingest_commit(struct api_metrics *m, uint64_t batches)
{
	m->ingest_commits++;
	m->ingest_batches += batches;
}

void api_metrics_taps(struct api_metrics *m, uint64_t stored, uint64_t duplicate,
		      uint64_t rejected)
{
	m->taps[0] += stored;
	m->taps[1] += duplicate;
	m->taps[2] += rejected;
}

void api_metrics_get(struct api_call *call)
{
	struct api *api = call->api;
	struct api_metrics *m = api_metrics(api);
	struct netbuf *b = &call->reply->body;
	struct server_stats ss = { 0 };
	struct tls_stats ts = { 0 };
	struct store_device *devs = NULL;
	size_t ndev = 0, seen = 0, silent = 0;
	int64_t now = clock_wall_ms(), qsum = 0;
	int err = 0;

	netbuf_clear(b);
	if (api_server(api))
		server_get_stats(api_server(api), &ss);
	if (api_tls(api))
		tls_ctx_stats(api_tls(api), &ts);

	err |= netbuf_printf(b, "# HELP kium_http_requests_total HTTP responses by route and status.\n"
			     "# TYPE kium_http_requests_total counter\n");
	for (size_t r = 0; r <= m->nroutes; r++) {
		for (size_t s = 0; s < METRICS_NSTATUS; s++) {
			uint64_t v = m->requests[r * METRICS_NSTATUS + s];
			char st[8];

			if (!v)
				continue;
			if (metrics_statuses[s])
				snprintf(st, sizeof(st), "%d", metrics_statuses[s]);
			else
				strcpy(st, "other");
			err |= netbuf_printf(b,
				"kium_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
				r < m->nroutes ? api_routes[r].method : "",
				r < m->nroutes ? api_routes[r].pattern : "none", st,
				(unsigned long long)v);
		}
	}
	err |= netbuf_printf(b,
		"# HELP kium_tls_handshakes_total TLS handshakes by outcome.\n"
		"# TYPE kium_tls_handshakes_total counter\n"
		"kium_tls_handshakes_total{kind=\"full\"} %llu\n"
		"kium_tls_handshakes_total{kind=\"resumed\"} %llu\n"
		"kium_tls_handshakes_total{kind=\"failed\"} %llu\n"
		"# HELP kium_tls_crl_stale 1 when the CRL in force is past its nextUpdate.\n"
		"# TYPE kium_tls_crl_stale gauge\n"
		"kium_tls_crl_stale %d\n"
		"# HELP kium_connections_open Connections open now.\n"
		"# TYPE kium_connections_open gauge\n"
		"kium_connections_open %llu\n"
		"# HELP kium_connections_accepted_total Connections accepted.\n"
		"# TYPE kium_connections_accepted_total counter\n"
		"kium_connections_accepted_total %llu\n"
		"# HELP kium_connections_refused_total Connections refused by the connection cap.\n"
		"# TYPE kium_connections_refused_total counter\n"
		"kium_connections_refused_total %llu\n"
		"# HELP kium_http_timeouts_total Handshake, header and body timeouts.\n"
		"# TYPE kium_http_timeouts_total counter\n"
		"kium_http_timeouts_total %llu\n"
		"# HELP kium_http_limit_errors_total Requests refused by a size or syntax limit.\n"
		"# TYPE kium_http_limit_errors_total counter\n"
		"kium_http_limit_errors_total %llu\n"
		"# HELP kium_taps_ingested_total Tap records answered, by outcome.\n"
		"# TYPE kium_taps_ingested_total counter\n"
		"kium_taps_ingested_total{result=\"stored\"} %llu\n"
		"kium_taps_ingested_total{result=\"duplicate\"} %llu\n"
		"kium_taps_ingested_total{result=\"rejected\"} %llu\n",
		(unsigned long long)ts.handshakes_full, (unsigned long long)ts.handshakes_resumed,
		(unsigned long long)ts.handshakes_failed, ts.crl_stale ? 1 : 0,
		(unsigned long long)ss.open,
		(unsigned long long)ss.accepted, (unsigned long long)ss.over_capacity,
		(unsigned long long)ss.timeouts, (unsigned long long)ss.limit_errors,
		(unsigned long long)m->taps[0], (unsigned long long)m->taps[1],
		(unsigned long long)m->taps[2]);

	err |= netbuf_printf(b,
		"# HELP kium_ingest_commits_total Durable commits of tap batches (group commit).\n"
		"# TYPE kium_ingest_commits_total counter\n"
		"kium_ingest_commits_total %llu\n"
		"# HELP kium_ingest_batches_total Tap batches committed by those commits.\n"
		"# TYPE kium_ingest_batches_total counter\n"
		"kium_ingest_batches_total %llu\n",
		(unsigned long long)m->ingest_commits, (unsigned long long)m->ingest_batches);
	if (store_device_list(api_store(api), &devs, &ndev) == 0) {
		err |= netbuf_printf(b,
			"# HELP kium_device_queue_depth Taps waiting on a reader, as its last heartbeat said.\n"
			"# TYPE kium_device_queue_depth gauge\n");
		for (size_t i = 0; i < ndev; i++) {
			const struct store_device *d = &devs[i];

			if (d->revoked)
				continue;
			if (d->last_seen_ms > 0) {
				seen++;
				if (now - d->last_seen_ms > api_silent_ms(api))
					silent++;
			} else if (now - d->created_ms > api_silent_ms(api)) {
				silent++;
			}
			if (d->queue_depth >= 0) {
				qsum += d->queue_depth;
				err |= netbuf_printf(b,
					"kium_device_queue_depth{device=\"%s\",facility=\"%s\"} %lld\n",
					d->id, d->facility, (long long)d->queue_depth);
			}
		}
		err |= netbuf_printf(b,
			"# HELP kium_devices_seen Readers (not revoked) heard from at least once.\n"
			"# TYPE kium_devices_seen gauge\n"
			"kium_devices_seen %zu\n"
			"# HELP kium_devices_silent Readers (not revoked) silent past the threshold.\n"
			"# TYPE kium_devices_silent gauge\n"
			"kium_devices_silent %zu\n"
			"# HELP kium_device_queue_depth_sum Sum of the readers' reported queue depths.\n"
			"# TYPE kium_device_queue_depth_sum gauge\n"
			"kium_device_queue_depth_sum %lld\n",
			seen, silent, (long long)qsum);
		free(devs);
	}
	{
		/* The notification outbox (hub/api/NOTIFY.md): a growing pending count means the
		 * provider is down or slow; failed messages need a look. */
		int64_t c[3];

		if (store_outbox_counts(api_store(api), clock_wall_ms() - 86400000LL, c) == 0)
			err |= netbuf_printf(b,
				"# HELP kium_notify_outbox Notification outbox rows pending, and delivered"
				" or failed in the last 24 hours.\n"
				"# TYPE kium_notify_outbox gauge\n"
				"kium_notify_outbox{state=\"pending\"} %lld\n"
				"kium_notify_outbox{state=\"delivered\"} %lld\n"
				"kium_notify_outbox{state=\"failed\"} %lld\n",
				(long long)c[0], (long long)c[1], (long long)c[2]);
	}
	if (api_notify_worker(api)) {
		/* What this process's delivery worker did since it started. */
		struct notify_worker_stats ns;

		notify_worker_get_stats(api_notify_worker(api), &ns);
		err |= netbuf_printf(b,
			"# HELP kium_notify_messages_total Messages the delivery worker finished since"
			" the hub started: delivered, or failed and why.\n"
			"# TYPE kium_notify_messages_total counter\n"
			"kium_notify_messages_total{outcome=\"delivered\"} %llu\n"
			"kium_notify_messages_total{outcome=\"rejected\"} %llu\n"
			"kium_notify_messages_total{outcome=\"exhausted\"} %llu\n"
			"kium_notify_messages_total{outcome=\"expired\"} %llu\n"
			"kium_notify_messages_total{outcome=\"unsendable\"} %llu\n"
			"# HELP kium_notify_retries_total Tries that failed and were scheduled again.\n"
			"# TYPE kium_notify_retries_total counter\n"
			"kium_notify_retries_total %llu\n"
			"# HELP kium_notify_missing_departure_total Missing-departure messages queued.\n"
			"# TYPE kium_notify_missing_departure_total counter\n"
			"kium_notify_missing_departure_total %llu\n",
			(unsigned long long)ns.delivered, (unsigned long long)ns.rejected,
			(unsigned long long)ns.exhausted, (unsigned long long)ns.expired,
			(unsigned long long)ns.unsendable, (unsigned long long)ns.retried,
			(unsigned long long)ns.swept);
	}
	if (err) {
		api_reply_error(call, 500, "internal_error", NULL);
		return;
	}
	call->reply->status = 200;
	call->reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
