/*
 * The uplink thread: journal -> hub, roster hub -> reader, heartbeat. See uplink.h for the
 * promises. One round (uplink_step) does at most one of each thing that is due, in this order:
 * roster (so feedback stays right), taps (the backlog), heartbeat. Between rounds the thread
 * sleeps on a condition variable until the next due time or a kick.
 *
 * Hub answers this module relies on (hub/README.md):
 *   POST /api/v1/device/taps   200 {"acked_seq":N,"results":[{"seq":S,"status":"stored"|
 *                                  "duplicate"|"rejected","reason":"..."}],"hub_ms":T}
 *   GET  /api/v1/device/roster?since=V   200 {"version":V2,"full":bool,"cards":[...],
 *                                            "removed":[...]}
 *   POST /api/v1/device/status 200
 *   errors: {"error":{"code":"...","message":"..."}} with 4xx/5xx
 */
#include "firmware/uplink.h"
#include "firmware/journal.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct uplink {
	struct uplink_config cfg;
	void *transport;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool kicked, stop, net_changed;
	struct uplink_state st; /* under lock */

	/* Thread-owned scheduling state. */
	int failures;
	int64_t retry_at;   /* mono ms: no upload before this after failures */
	int64_t status_at;  /* next heartbeat */
	int64_t roster_at;  /* next roster delta */
	long batch_max;     /* shrinks on 413 */
	uint64_t rng;
	struct tap *buf;
};

static uint64_t uplink_rand(struct uplink *u)
{
	/* xorshift64*: jitter only, nothing secret. */
	u->rng ^= u->rng >> 12;
	u->rng ^= u->rng << 25;
	u->rng ^= u->rng >> 27;
	return u->rng * 2685821657736338717ULL;
}

/* Exponential backoff with "equal jitter": half the delay fixed, half random. */
static long uplink_backoff(struct uplink *u)
{
	long d = u->cfg.backoff_min_ms;

	for (int i = 1; i < u->failures && d < u->cfg.backoff_max_ms; i++)
		d *= 2;
	if (d > u->cfg.backoff_max_ms)
		d = u->cfg.backoff_max_ms;
	return d / 2 + (long)(uplink_rand(u) % (uint64_t)(d / 2 + 1));
}

static void uplink_set_error(struct uplink *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void uplink_set_error(struct uplink *u, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&u->lock);
	va_start(ap, fmt);
	vsnprintf(u->st.last_error, sizeof(u->st.last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&u->lock);
}

static void uplink_failed(struct uplink *u, int64_t now, bool online, bool refused)
{
	long delay;

	u->failures++;
	delay = refused ? u->cfg.backoff_max_ms : uplink_backoff(u);
	if (u->failures == 1 && !online) {
		pthread_mutex_lock(&u->lock);
		log_warn("uplink: hub unreachable (%s); taps stay in the journal, retrying with backoff",
			 u->st.last_error);
		pthread_mutex_unlock(&u->lock);
	}
	u->retry_at = now + delay;
	pthread_mutex_lock(&u->lock);
	u->st.online = online;
	u->st.refused = refused;
	u->st.backoff_ms = delay;
	pthread_mutex_unlock(&u->lock);
}

static void uplink_succeeded(struct uplink *u, int64_t now)
{
	if (u->failures)
		log_notice("uplink: hub reachable again after %d failed attempts", u->failures);
	u->failures = 0;
	u->retry_at = 0;
	pthread_mutex_lock(&u->lock);
	u->st.online = true;
	u->st.refused = false;
	u->st.backoff_ms = 0;
	u->st.last_ok_mono_ms = now;
	u->st.last_error[0] = '\0';
	pthread_mutex_unlock(&u->lock);
}

/* The error code of a hub error body, or "" */
static const char *uplink_error_code(const json_t *body)
{
	const char *code = json_string_value(json_object_get(json_object_get(body, "error"), "code"));

	return code ? code : "";
}

/* Sends one request; on a transport failure records it and returns the negative errno. */
static int uplink_request(struct uplink *u, const char *method, const char *path, json_t *body,
			  struct uplink_reply *reply, json_t **answer)
{
	char *text = NULL;
	int rc;

	*answer = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return -ENOMEM;
	}
	rc = u->cfg.ops->request(u->transport, method, path, text, text ? strlen(text) : 0, reply);
	free(text);
	if (rc < 0) {
		uplink_set_error(u, "%s %s: %s", method, path, reply->error[0] ? reply->error : strerror(-rc));
		return rc;
	}
	*answer = json_loadb(reply->body, reply->len, 0, NULL);
	return 0;
}

static void uplink_refresh_counts(struct uplink *u)
{
	struct journal_usage usage;

	if (journal_usage(u->cfg.journal, &usage) < 0)
		return;
	pthread_mutex_lock(&u->lock);
	u->st.acked_seq = usage.acked_seq;
	u->st.pending = usage.pending;
	pthread_mutex_unlock(&u->lock);
}

/* One upload. Returns 1 when a batch was acknowledged (more may follow at once), 0 when
 * there was nothing to send, a negative errno when it failed (backoff set). */
static int uplink_send_taps(struct uplink *u, int64_t now)
{
	struct journal_usage usage;
	struct tap_batch batch = { 0 };
	struct uplink_reply reply = { 0 };
	json_t *body = NULL, *answer = NULL, *results;
	size_t n = 0, idx;
	json_t *r;
	uint64_t acked;
	int ret;

	ret = journal_usage(u->cfg.journal, &usage);
	if (ret < 0)
		return ret;
	ret = journal_pending(u->cfg.journal, usage.acked_seq, u->buf, (size_t)u->batch_max, &n);
	if (ret < 0 || n == 0)
		return ret;

	snprintf(batch.device, sizeof(batch.device), "%s", u->cfg.device_id);
	clock_boot_id(batch.boot_id, sizeof(batch.boot_id));
	batch.mono_ms = clock_mono_ms();
	batch.wall_ms = clock_wall_ms();
	batch.clock_synced = clock_is_synced();
	batch.n = n;
	batch.taps = u->buf;
	body = tap_batch_to_json(&batch);
	if (!body)
		return -ENOMEM;
	ret = uplink_request(u, "POST", "/api/v1/device/taps", body, &reply, &answer);
	json_decref(body);
	if (ret < 0) {
		uplink_failed(u, now, false, false);
		goto out;
	}
	if (reply.status == 413 && u->batch_max > 1) {
		u->batch_max /= 2;
		log_warn("uplink: the hub finds batches too large; sending %ld at a time", u->batch_max);
		ret = -EMSGSIZE;
		goto out;
	}
	if (reply.status != 200 || !json_is_integer(json_object_get(answer, "acked_seq")) ||
	    json_integer_value(json_object_get(answer, "acked_seq")) < 0) {
		bool refused = reply.status >= 400 && reply.status < 500 && reply.status != 408 &&
			       reply.status != 429;

		uplink_set_error(u, "hub answered %ld %s to taps %llu..%llu", reply.status,
				 uplink_error_code(answer), (unsigned long long)u->buf[0].seq,
				 (unsigned long long)u->buf[n - 1].seq);
		log_warn("uplink: hub answered %ld %s to %zu taps from seq %llu%s", reply.status,
			 uplink_error_code(answer), n, (unsigned long long)u->buf[0].seq,
			 refused ? "; waiting the full backoff before trying again" : "");
		uplink_failed(u, now, true, refused);
		ret = -EPROTO;
		goto out;
	}

	acked = (uint64_t)json_integer_value(json_object_get(answer, "acked_seq"));
	results = json_object_get(answer, "results");
	json_array_foreach(results, idx, r) {
		const char *status = json_string_value(json_object_get(r, "status"));
		const char *reason = json_string_value(json_object_get(r, "reason"));
		json_int_t seq = json_integer_value(json_object_get(r, "seq"));

		if (!status || strcmp(status, "rejected") != 0 || seq < 1 || (uint64_t)seq > acked)
			continue; /* only records the hub holds as rejected are set aside */
		log_warn("uplink: the hub refused tap %lld: %s; set aside", (long long)seq,
			 reason ? reason : "?");
		if (u->cfg.on_rejected)
			u->cfg.on_rejected(u->cfg.rejected_ctx, (uint64_t)seq, reason ? reason : "unknown");
		pthread_mutex_lock(&u->lock);
		u->st.rejected++;
		pthread_mutex_unlock(&u->lock);
	}
	if (acked < u->buf[0].seq) {
		/* The hub holds nothing new of this batch: a gap on its side or a restore. Never
		 * hot-loop on it. */
		log_err("uplink: hub acknowledged only up to %llu while sending from %llu",
			(unsigned long long)acked, (unsigned long long)u->buf[0].seq);
		uplink_set_error(u, "hub holds taps only up to %llu", (unsigned long long)acked);
		uplink_failed(u, now, true, true);
		ret = -EPROTO;
		goto out;
	}
	if (acked > u->buf[n - 1].seq)
		acked = u->buf[n - 1].seq; /* never ack what we have not sent */
	ret = journal_ack(u->cfg.journal, acked);
	if (ret < 0)
		goto out;
	pthread_mutex_lock(&u->lock);
	u->st.sent_batches++;
	pthread_mutex_unlock(&u->lock);
	uplink_succeeded(u, now);
	ret = 1;
out:
	json_decref(answer);
	uplink_reply_free(&reply);
	uplink_refresh_counts(u);
	return ret;
}

static int uplink_sync_roster(struct uplink *u, int64_t now)
{
	struct uplink_reply reply = { 0 };
	json_t *answer = NULL;
	char path[96];
	int64_t have = u->cfg.roster_version ? u->cfg.roster_version(u->cfg.roster_ctx) : 0;
	int ret;

	snprintf(path, sizeof(path), "/api/v1/device/roster?since=%lld", (long long)have);
	ret = uplink_request(u, "GET", path, NULL, &reply, &answer);
	if (ret < 0) {
		uplink_failed(u, now, false, false);
		goto out;
	}
	if (reply.status != 200 || !json_is_object(answer)) {
		log_warn("uplink: roster: hub answered %ld %s", reply.status, uplink_error_code(answer));
		uplink_set_error(u, "roster: hub answered %ld", reply.status);
		ret = -EPROTO;
		goto out;
	}
	uplink_succeeded(u, now); /* the hub answered: it is reachable */
	ret = u->cfg.roster_apply ? u->cfg.roster_apply(u->cfg.roster_ctx, answer) : 0;
	if (ret == 0) {
		int64_t v = u->cfg.roster_version ? u->cfg.roster_version(u->cfg.roster_ctx) : 0;

		pthread_mutex_lock(&u->lock);
		u->st.roster_version = v;
		pthread_mutex_unlock(&u->lock);
		if (v != have)
			log_info("uplink: roster now at version %lld", (long long)v);
	}
out:
	json_decref(answer);
	uplink_reply_free(&reply);
	return ret;
}

static int uplink_send_status(struct uplink *u, int64_t now)
{
	struct uplink_reply reply = { 0 };
	json_t *body, *answer = NULL;
	char boot[TAP_BOOT_ID_MAX];
	struct uplink_state st;
	int ret;

	uplink_refresh_counts(u);
	uplink_get_state(u, &st);
	clock_boot_id(boot, sizeof(boot));
	body = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:I}", "device", u->cfg.device_id,
			 "version", u->cfg.version ? u->cfg.version : "", "queue_depth",
			 (json_int_t)st.pending, "rejected", (json_int_t)st.rejected, "clock",
			 clock_is_synced() ? "synced" : "unsynced", "boot_id", boot, "mono_ms",
			 (json_int_t)clock_mono_ms(), "wall_ms", (json_int_t)clock_wall_ms());
	if (!body)
		return -ENOMEM;
	ret = uplink_request(u, "POST", "/api/v1/device/status", body, &reply, &answer);
	json_decref(body);
	if (ret < 0) {
		uplink_failed(u, now, false, false);
	} else if (reply.status != 200) {
		log_warn("uplink: status: hub answered %ld %s", reply.status, uplink_error_code(answer));
		ret = -EPROTO;
	} else if (!u->failures) {
		uplink_succeeded(u, now);
	}
	json_decref(answer);
	uplink_reply_free(&reply);
	return ret;
}

long uplink_step(struct uplink *u, int64_t now)
{
	bool backing_off = u->retry_at && now < u->retry_at;
	int64_t next;
	int rc;

	if (!backing_off && now >= u->roster_at) {
		if (uplink_sync_roster(u, now) == 0)
			u->roster_at = now + u->cfg.roster_interval_ms;
		else if (!(u->retry_at && now < u->retry_at))
			u->roster_at = now + u->cfg.backoff_max_ms; /* answered but refused: not a hot loop */
		backing_off = u->retry_at && now < u->retry_at;
	}
	if (!backing_off) {
		rc = uplink_send_taps(u, now);
		if (rc == 1 || rc == -EMSGSIZE)
			return 0; /* more may be waiting: go again at once */
		backing_off = u->retry_at && now < u->retry_at;
	}
	if (!backing_off && now >= u->status_at) {
		uplink_send_status(u, now);
		u->status_at = now + u->cfg.status_interval_ms;
		backing_off = u->retry_at && now < u->retry_at;
	}
	next = u->status_at < u->roster_at ? u->status_at : u->roster_at;
	if (backing_off && u->retry_at < next)
		next = u->retry_at;
	if (backing_off && next < u->retry_at)
		next = u->retry_at; /* nothing at all before the retry time */
	return next > now ? (long)(next - now) : 0;
}

static void *uplink_thread(void *arg)
{
	struct uplink *u = arg;

	for (;;) {
		int64_t now = clock_mono_ms();
		long delay = uplink_step(u, now);
		struct timespec ts;

		pthread_mutex_lock(&u->lock);
		if (u->net_changed) {
			u->net_changed = false;
			u->failures = 0;
			u->retry_at = 0;
			delay = 0;
		}
		/* A kick counts once: during a backoff it is dropped, so it can never spin. */
		if (u->kicked) {
			u->kicked = false;
			if (!(u->retry_at && clock_mono_ms() < u->retry_at))
				delay = 0;
		}
		if (!u->stop && delay > 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += delay / 1000;
			ts.tv_nsec += (delay % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			while (!u->stop && !u->kicked && !u->net_changed &&
			       pthread_cond_timedwait(&u->wake, &u->lock, &ts) != ETIMEDOUT)
				;
		}
		if (u->stop) {
			pthread_mutex_unlock(&u->lock);
			break;
		}
		pthread_mutex_unlock(&u->lock);
	}
	return NULL;
}

struct uplink *uplink_new_for_test(const struct uplink_config *cfg)
{
	struct uplink *u = calloc(1, sizeof(*u));
	pthread_condattr_t ca;

	if (!u)
		return NULL;
	u->cfg = *cfg;
	if (u->cfg.batch_max <= 0 || u->cfg.batch_max > TAP_BATCH_MAX)
		u->cfg.batch_max = 500;
	if (u->cfg.backoff_min_ms <= 0)
		u->cfg.backoff_min_ms = 500;
	if (u->cfg.backoff_max_ms < u->cfg.backoff_min_ms)
		u->cfg.backoff_max_ms = u->cfg.backoff_min_ms > 60000 ? u->cfg.backoff_min_ms : 60000;
	if (u->cfg.status_interval_ms <= 0)
		u->cfg.status_interval_ms = 60000;
	if (u->cfg.roster_interval_ms <= 0)
		u->cfg.roster_interval_ms = 300000;
	u->batch_max = u->cfg.batch_max;
	u->buf = calloc((size_t)u->batch_max, sizeof(*u->buf));
	if (!u->buf || u->cfg.ops->open(&u->cfg.transport, &u->transport) < 0) {
		free(u->buf);
		free(u);
		return NULL;
	}
	if (getrandom(&u->rng, sizeof(u->rng), 0) != sizeof(u->rng) || u->rng == 0)
		u->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)clock_mono_ms();
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->wake, &ca);
	pthread_condattr_destroy(&ca);
	uplink_refresh_counts(u);
	return u;
}

void uplink_free_for_test(struct uplink *u)
{
	if (!u)
		return;
	u->cfg.ops->close(u->transport);
	pthread_cond_destroy(&u->wake);
	pthread_mutex_destroy(&u->lock);
	free(u->buf);
	free(u);
}

int uplink_start(const struct uplink_config *cfg, struct uplink **out)
{
	struct uplink *u = uplink_new_for_test(cfg);
	int rc;

	*out = NULL;
	if (!u)
		return -EINVAL;
	rc = pthread_create(&u->thread, NULL, uplink_thread, u);
	if (rc != 0) {
		uplink_free_for_test(u);
		return -rc;
	}
	u->running = true;
	*out = u;
	return 0;
}

void uplink_stop(struct uplink *u)
{
	if (!u)
		return;
	if (u->running) {
		pthread_mutex_lock(&u->lock);
		u->stop = true;
		pthread_cond_signal(&u->wake);
		pthread_mutex_unlock(&u->lock);
		pthread_join(u->thread, NULL);
	}
	uplink_free_for_test(u);
}

void uplink_kick(struct uplink *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->kicked = true;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uplink_network_changed(struct uplink *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->net_changed = true;
	pthread_cond_signal(&u->wake);
	pthread_mutex_unlock(&u->lock);
}

void uplink_get_state(struct uplink *u, struct uplink_state *st)
{
	pthread_mutex_lock(&u->lock);
	*st = u->st;
	pthread_mutex_unlock(&u->lock);
}
