/*
 * The notification delivery worker: one thread of kium-hub with its own store handle, off
 * the event loop, so a dead or hanging provider never slows a tap (the ingest only inserts
 * outbox rows). It takes due rows oldest first, renders them (hub/domain/notify.h), POSTs each
 * as JSON with libcurl to the provider with the row's idempotency key, and records the
 * outcome: 2xx delivered; 408/425/429/5xx or no answer retried with exponential backoff and
 * jitter up to max_attempts (a provider-wide failure pauses all sending for that wait);
 * any other status failed. Done rows lose their secret params and
 * are pruned after the retention period. The same thread runs the missing-departure sweep.
 *
 * Crash safety: state lives only in SQLite. A crash between a provider's 2xx and the
 * "delivered" update leaves the row pending; it is sent again with the same key, which the
 * provider drops as a repeat (hub/api/NOTIFY.md).
 */
#ifndef KIUM_HUB_NOTIFY_WORKER_H
#define KIUM_HUB_NOTIFY_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "hub/domain/notify.h"

struct notify_worker;

struct notify_worker_opts {
	const char *db_path;          /* the hub's database (the worker opens its own handle) */
	const char *provider_url;     /* https://...; NULL or "": nothing is sent (rows wait) */
	const char *ca_file;          /* NULL: the system's CAs */
	const char *client_cert;      /* PEM client certificate for the provider, or NULL */
	const char *client_key;
	const char *auth_token;       /* sent as "Authorization: Bearer ...", or NULL */
	long connect_timeout_ms, timeout_ms;
	int max_attempts;
	int64_t backoff_base_ms, backoff_cap_ms;
	int64_t retention_ms;         /* delivered/failed rows older than this are deleted */
	int64_t max_age_ms;           /* a message not sent within this is failed "expired" */
	long poll_ms;                 /* how often to look for due rows when idle */
	bool sweep;                   /* run the missing-departure sweep */
	long sweep_interval_ms;
	struct notify_sweep_opts sweep_opts;
};

/* Since the worker started. failed = rejected + exhausted + expired + unsendable:
 * rejected the provider refused the message (a 4xx other than 408/425/429), exhausted
 * max_attempts tries without a final answer, expired not sent within max_age_s,
 * unsendable the row itself cannot be sent (unknown template, missing recipient data).
 * swept: missing-departure messages the sweep queued. */
struct notify_worker_stats {
	uint64_t delivered, retried, failed, swept;
	uint64_t rejected, exhausted, expired, unsendable;
};

/* Starts the thread (curl_global_init must have run). Caller stops with notify_worker_stop. */
int notify_worker_start(const struct notify_worker_opts *o, struct notify_worker **out);
/* Asks the thread to finish (an in-flight request is aborted; its row stays pending), joins
 * it and frees. NULL-safe. */
void notify_worker_stop(struct notify_worker *w);
void notify_worker_get_stats(struct notify_worker *w, struct notify_worker_stats *out);

#endif
