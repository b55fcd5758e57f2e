/*
 * The uplink: store-and-forward from the journal to the hub, in its own thread, so that a tap
 * at the door is never slowed by a slow or dead network.
 *
 * What it promises:
 *   - batches are sent in sequence order, bounded in size; the journal's acknowledged mark
 *     moves only on the hub's answer ("acked_seq"), so nothing the hub has not confirmed is
 *     ever deleted, and nothing is sent out of order;
 *   - transport failures and 5xx/503 answers back off exponentially with jitter up to a cap;
 *     uplink_network_changed() (a link or address change) retries at once;
 *   - a record the hub refuses for its content comes back "rejected" with a reason while the
 *     hub's acked_seq passes it: the uplink reports it to on_rejected (which sets it aside in
 *     the journal) and goes on; a whole-batch refusal (401/403 identity, 400) is never retried
 *     in a hot loop: it waits the backoff cap and is reported in the state;
 *   - the roster is fetched by version delta at start and periodically, and a heartbeat with
 *     queue depth and clock state is posted periodically.
 *
 * Threads: uplink_start spawns one thread that owns the transport. uplink_kick,
 * uplink_network_changed and uplink_get_state may be called from any thread. The callbacks
 * (roster_apply, on_rejected) run on the uplink thread.
 */
#ifndef KIUM_FIRMWARE_UPLINK_H
#define KIUM_FIRMWARE_UPLINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "firmware/uplink_transport.h"

struct journal;

struct uplink_config {
	const struct uplink_transport_ops *ops; /* &uplink_mbedtls_ops, or a fake in tests */
	struct uplink_transport_config transport;
	struct journal *journal;  /* the uplink's own handle (not the tap loop's) */
	const char *device_id;
	const char *version;      /* software version for the heartbeat */
	long batch_max;           /* records per upload (default 500, at most TAP_BATCH_MAX) */
	long backoff_min_ms;      /* first retry delay (default 500) */
	long backoff_max_ms;      /* cap (default 60000) */
	long status_interval_ms;  /* heartbeat (default 60000) */
	long roster_interval_ms;  /* roster delta (default 300000) */
	/* Applies a roster delta as the hub sends it; returns 0 or negative errno. */
	int (*roster_apply)(void *ctx, const json_t *delta);
	/* The roster version held now (0: none). */
	int64_t (*roster_version)(void *ctx);
	void *roster_ctx;
	/* A record the hub refused for its content (held there as rejected). */
	void (*on_rejected)(void *ctx, uint64_t seq, const char *reason);
	void *rejected_ctx;
};

struct uplink_state {
	bool online;            /* the last request got an HTTP answer from the hub */
	bool refused;           /* the hub refuses this device or its batches (4xx) */
	uint64_t acked_seq;     /* the hub holds every tap up to here */
	uint64_t pending;       /* journaled and not yet acknowledged */
	uint64_t rejected;      /* records the hub refused, set aside, since start */
	uint64_t sent_batches;
	int64_t last_ok_mono_ms;
	long backoff_ms;        /* current delay after failures, 0 when healthy */
	int64_t roster_version;
	char last_error[160];
};

struct uplink;

/* Starts the thread. 0 and *out, or a negative errno (transport cannot be set up). */
int uplink_start(const struct uplink_config *cfg, struct uplink **out);
/* Stops the thread (waits for an in-flight request up to the transport's timeout). NULL-safe. */
void uplink_stop(struct uplink *u);
/* New taps are in the journal: upload soon, unless backing off after failures. */
void uplink_kick(struct uplink *u);
/* The network changed (link up, address added): forget the backoff and try now. */
void uplink_network_changed(struct uplink *u);
void uplink_get_state(struct uplink *u, struct uplink_state *st);

/* The thread's body, one round, for unit tests with a fake transport and a pinned clock:
 * does whatever is due at now_mono_ms and returns the delay until something is next due. */
struct uplink *uplink_new_for_test(const struct uplink_config *cfg);
long uplink_step(struct uplink *u, int64_t now_mono_ms);
void uplink_free_for_test(struct uplink *u);

#endif
