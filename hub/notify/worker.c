/*
 * The delivery worker (worker.h): a thread with its own store handle and one libcurl easy
 * handle (kept for keep-alive). Every store call here is a short autocommit statement, so the
 * event loop's writers wait at most a few milliseconds for the write lock; no lock is held
 * while a request is in flight.
 */
#include "hub/notify/worker.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/store/store_notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KIUM_VERSION
#define KIUM_VERSION "0"
#endif

#define ANSWER_MAX 16384
#define BATCH 16

struct notify_worker {
	struct notify_worker_opts o;
	char *url, *ca, *cert, *key, *auth;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool stop;
	struct store *st;
	CURL *curl;
	char answer[ANSWER_MAX];
	size_t answer_len;
	char retry_after[32];
	atomic_uint_fast64_t delivered, retried, failed, swept;
	atomic_uint_fast64_t rejected, exhausted, expired, unsendable;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct notify_worker *w = arg;
	size_t len = size * n, room = ANSWER_MAX - 1 - w->answer_len;

	if (len > room)
		len = room; /* the rest is ignored, not an error */
	memcpy(w->answer + w->answer_len, p, len);
	w->answer_len += len;
	w->answer[w->answer_len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct notify_worker *w = arg;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		size_t v = len - 12 < sizeof(w->retry_after) - 1 ? len - 12
								 : sizeof(w->retry_after) - 1;

		memcpy(w->retry_after, p + 12, v);
		w->retry_after[v] = '\0';
	}
	return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct notify_worker *w = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&w->stop) ? 1 : 0;
}

/* POSTs body with key; *status 0 when no HTTP answer came. */
static void post(struct notify_worker *w, const char *body, const char *key, long *status)
{
	struct curl_slist *h = NULL;
	char line[160];
	CURLcode rc;

	w->answer_len = 0;
	w->answer[0] = '\0';
	w->retry_after[0] = '\0';
	*status = 0;
	h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
	snprintf(line, sizeof(line), "Idempotency-Key: %s", key);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	if (w->auth) {
		char *a = malloc(strlen(w->auth) + 32);

		if (a) {
			sprintf(a, "Authorization: Bearer %s", w->auth);
			h = curl_slist_append(h, a);
			sodium_memzero(a, strlen(a));
			free(a);
		}
	}
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	rc = curl_easy_perform(w->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, status);
	else
		log_info("notify: provider not reached: %s", curl_easy_strerror(rc));
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
}

static int curl_setup(struct notify_worker *w)
{
	if (!(w->curl = curl_easy_init()))
		return -ENOMEM;
	curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS, w->o.connect_timeout_ms);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, w->o.timeout_ms);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, w);
	curl_easy_setopt(w->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(w->curl, CURLOPT_XFERINFODATA, w);
	curl_easy_setopt(w->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, "kium-hub/" KIUM_VERSION);
	if (w->ca)
		curl_easy_setopt(w->curl, CURLOPT_CAINFO, w->ca);
	if (w->cert)
		curl_easy_setopt(w->curl, CURLOPT_SSLCERT, w->cert);
	if (w->key)
		curl_easy_setopt(w->curl, CURLOPT_SSLKEY, w->key);
	return 0;
}

/* Why a message failed, for /metrics (notify_worker_stats). */
enum fail_kind { FAIL_NONE, FAIL_REJECTED, FAIL_EXHAUSTED, FAIL_EXPIRED, FAIL_UNSENDABLE };

/* A final outcome: the row is done, its secret params scrubbed. */
static void finish(struct notify_worker *w, const struct store_outbox_row *m,
		   const struct notify_template *t, const char *state, int attempts, int status,
		   const char *error, enum fail_kind why, int64_t now)
{
	atomic_uint_fast64_t *by[] = { NULL, &w->rejected, &w->exhausted, &w->expired,
				       &w->unsendable };

	char *scrubbed = t && t->secret[0] ? notify_scrub(t, m->params) : NULL;

	if (store_outbox_mark(w->st, m->id, state, attempts, 0, status, error,
			      scrubbed ? scrubbed : (t && t->secret[0] ? "{}" : NULL), now) < 0)
		log_warn("notify: message %lld stays pending (state not recorded)",
			 (long long)m->id);
	else if (!strcmp(state, "delivered"))
		atomic_fetch_add(&w->delivered, 1);
	else {
		atomic_fetch_add(&w->failed, 1);
		if (by[why])
			atomic_fetch_add(by[why], 1);
	}
	if (strcmp(state, "delivered"))
		log_warn("notify: message %lld (%s) failed: %s", (long long)m->id,
			 m->template_code, error);
	if (scrubbed)
		sodium_memzero(scrubbed, strlen(scrubbed));
	free(scrubbed);
}

/* The request body; NULL with *error set when the row cannot be sent as it is. */
static char *build(struct notify_worker *w, const struct store_outbox_row *m,
		   const struct notify_template *t, const char **error)
{
	struct store_account a;
	char text[NOTIFY_TEXT_MAX + 8];
	const char *to = m->recipient;
	json_t *vars = json_loads(m->params, 0, NULL), *body = NULL;
	char *out = NULL;

	if (!json_is_object(vars)) {
		*error = "bad_params";
		goto out;
	}
	if (notify_enrich(w->st, vars) < 0) {
		*error = "store";
		goto out;
	}
	if (t->to == NOTIFY_TO_ACCOUNT) {
		if (store_account_get(w->st, m->recipient, &a) < 0 || !a.phone[0]) {
			*error = "no_phone";
			goto out;
		}
		sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
		to = a.phone;
	}
	if (notify_render(t, vars, text, sizeof(text)) < 0) {
		*error = "render_failed";
		goto out;
	}
	body = json_pack("{s:s, s:s, s:s, s:o, s:I}", "template", t->code, "to", to, "text", text,
			 "params", notify_template_vars(t, vars), "created_ms",
			 (json_int_t)m->created_ms);
	out = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (!out)
		*error = "no_memory";
out:
	json_decref(vars);
	json_decref(body);
	sodium_memzero(text, sizeof(text));
	return out;
}

/* Tries one message. Returns the wait (ms) before its next try when the provider as a whole
 * is failing (no answer, 429, 502-504), 0 otherwise: the caller then pauses all sending for
 * that long, so an outage costs one write per backoff period rather than one per message. */
static int64_t deliver(struct notify_worker *w, const struct store_outbox_row *m)
{
	const struct notify_template *t = notify_template_find(m->template_code);
	struct notify_answer ans;
	const char *error = NULL;
	int64_t now = clock_wall_ms(), wait;
	int attempts = m->attempts + 1;
	char *body = NULL;
	long status = 0;

	if (!t) {
		finish(w, m, NULL, "failed", m->attempts, 0, "unknown_template", FAIL_UNSENDABLE,
		       now);
		return 0;
	}
	if (now - m->created_ms > w->o.max_age_ms) {
		finish(w, m, t, "failed", m->attempts, 0, "expired", FAIL_EXPIRED, now);
		return 0;
	}
	if (!(body = build(w, m, t, &error))) {
		if (!strcmp(error, "store") || !strcmp(error, "no_memory"))
			return 0; /* try again at the next pass */
		finish(w, m, t, "failed", m->attempts, 0, error, FAIL_UNSENDABLE, now);
		return 0;
	}
	post(w, body, m->idem_key, &status);
	sodium_memzero(body, strlen(body));
	free(body);
	if (atomic_load(&w->stop) && status == 0)
		return 0; /* aborted by the stop: still pending, same key next time */
	notify_answer_parse(status, w->retry_after[0] ? w->retry_after : NULL, w->answer,
			    w->answer_len, &ans);
	now = clock_wall_ms();
	if (ans.verdict == NOTIFY_DELIVERED) {
		finish(w, m, t, "delivered", attempts, (int)status, "", FAIL_NONE, now);
		return 0;
	}
	if (ans.verdict == NOTIFY_FAILED || attempts >= w->o.max_attempts) {
		finish(w, m, t, "failed", attempts, (int)status, ans.error,
		       ans.verdict == NOTIFY_FAILED ? FAIL_REJECTED : FAIL_EXHAUSTED, now);
		return 0;
	}
	wait = notify_backoff_ms(attempts, w->o.backoff_base_ms, w->o.backoff_cap_ms,
				 randombytes_random());
	if (ans.retry_after_ms > wait)
		wait = ans.retry_after_ms < w->o.backoff_cap_ms ? ans.retry_after_ms
								: w->o.backoff_cap_ms;
	if (store_outbox_mark(w->st, m->id, "pending", attempts, now + wait, (int)status,
			      ans.error, NULL, now) == 0)
		atomic_fetch_add(&w->retried, 1);
	log_info("notify: message %lld: %s, try %d again in %lld ms", (long long)m->id, ans.error,
		 attempts + 1, (long long)wait);
	/* Unreachable, rate-limited or overloaded: the provider as a whole, not this message
	 * (a 500 may be about this message alone: the others go on). */
	if (status == 0 || status == 429 || (status >= 502 && status <= 504))
		return wait > 0 ? wait : 1;
	return 0;
}

static void nap(struct notify_worker *w, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	if (!atomic_load(&w->stop))
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	pthread_mutex_unlock(&w->mu);
}

static int64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *run(void *arg)
{
	struct notify_worker *w = arg;
	int64_t next_sweep = 0, next_prune = 0, paused_until = 0;

	while (!atomic_load(&w->stop)) {
		struct store_outbox_row *rows = NULL;
		size_t n = 0, queued = 0;
		int64_t mono = mono_now();

		if (w->o.sweep && mono >= next_sweep) {
			next_sweep = mono + w->o.sweep_interval_ms;
			if (notify_sweep_missing(w->st, clock_wall_ms(), &w->o.sweep_opts,
						 &queued) == 0 && queued) {
				atomic_fetch_add(&w->swept, queued);
				log_notice("notify: %zu missing-departure messages queued", queued);
			}
		}
		if (mono >= next_prune) {
			size_t gone = 0;

			next_prune = mono + 3600 * 1000;
			if (store_outbox_prune(w->st, clock_wall_ms() - w->o.retention_ms, &gone) ==
				    0 && gone)
				log_info("notify: %zu done messages pruned", gone);
		}
		if (w->curl && mono >= paused_until &&
		    store_outbox_due(w->st, clock_wall_ms(), BATCH, &rows, &n) == 0) {
			for (size_t i = 0; i < n && !atomic_load(&w->stop); i++) {
				int64_t wait = deliver(w, &rows[i]);

				if (wait > 0) {
					/* The provider is failing: the rest of the batch waits too. */
					paused_until = mono_now() + wait;
					break;
				}
			}
			store_outbox_rows_free(rows, n);
		}
		mono = mono_now();
		if (mono < paused_until)
			nap(w, paused_until - mono < w->o.poll_ms ? (long)(paused_until - mono)
								   : w->o.poll_ms);
		else if (n < BATCH)
			nap(w, w->o.poll_ms);
	}
	return NULL;
}

static void worker_free(struct notify_worker *w)
{
	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	store_close(w->st);
	free(w->url);
	free(w->ca);
	free(w->cert);
	free(w->key);
	if (w->auth)
		sodium_memzero(w->auth, strlen(w->auth));
	free(w->auth);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static char *dup_opt(const char *s, bool *oom)
{
	char *d;

	if (!s || !*s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = true;
	return d;
}

int notify_worker_start(const struct notify_worker_opts *o, struct notify_worker **out)
{
	struct notify_worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	bool oom = false;
	int r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->o = *o;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->url = dup_opt(o->provider_url, &oom);
	w->ca = dup_opt(o->ca_file, &oom);
	w->cert = dup_opt(o->client_cert, &oom);
	w->key = dup_opt(o->client_key, &oom);
	w->auth = dup_opt(o->auth_token, &oom);
	w->o.provider_url = w->o.ca_file = w->o.client_cert = w->o.client_key = NULL;
	w->o.auth_token = NULL;
	if (oom) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = store_open(o->db_path, &w->st)) < 0)
		goto fail;
	if (w->url && (r = curl_setup(w)) < 0)
		goto fail;
	if ((r = -pthread_create(&w->thread, NULL, run, w)) < 0)
		goto fail;
	log_notice("notify: delivery worker started (%s)", w->url ? "provider set"
								  : "no provider: messages wait");
	*out = w;
	return 0;
fail:
	log_err("notify: cannot start the delivery worker: %s", strerror(-r));
	worker_free(w);
	return r;
}

void notify_worker_stop(struct notify_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	atomic_store(&w->stop, true);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	worker_free(w);
}

void notify_worker_get_stats(struct notify_worker *w, struct notify_worker_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!w)
		return;
	out->delivered = atomic_load(&w->delivered);
	out->retried = atomic_load(&w->retried);
	out->failed = atomic_load(&w->failed);
	out->swept = atomic_load(&w->swept);
	out->rejected = atomic_load(&w->rejected);
	out->exhausted = atomic_load(&w->exhausted);
	out->expired = atomic_load(&w->expired);
	out->unsendable = atomic_load(&w->unsendable);
}
