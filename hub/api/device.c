/*
 * Device routes: tap upload, roster delta, heartbeat. The caller is a reader proven by its
 * client certificate (routes.c); call->id.device is its CN, call->id.facility its facility.
 * Contracts of the answers are in hub/README.md.
 *
 * Group commit: a tap batch is decoded and checked at once, then deferred (api_defer) and
 * queued; at the end of the loop round (api_round -> api_device_flush) every queued batch
 * is ingested with attendance_ingest_tx in one transaction with one durable commit, and
 * only then is each answered, so nothing is acknowledged before it is on disk (the reader
 * deletes what the hub acknowledged). A batch refused before writing (unknown or revoked
 * device, mismatch) gets its own answer; any other failure rolls the group back and each
 * batch is retried alone, so one bad batch fails only itself.
 */
#include "hub/api/api.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A store failure the reader should retry later: nothing was half stored. */
static void device_store_error(struct api_call *call, int err, const char *what)
{
	log_warn("api: %s for %s failed: %s", what, call->id.device, strerror(-err));
	api_reply_error(call, 503, "store_unavailable", NULL);
	snprintf(call->reply->extra, sizeof(call->reply->extra), "Retry-After: 5\r\n");
}

/* Refreshes last_seen when the store's value is older than touch_ms (roster fetches). */
static void device_touch(struct api_call *call)
{
	int64_t now = clock_wall_ms();

	if (now - call->id.device_last_seen_ms < api_touch_ms(call->api))
		return;
	if (store_device_touch(api_store(call->api), call->id.device, now) < 0)
		log_info("api: could not record that %s was seen", call->id.device);
}

/* A stable code as it may appear in a JSON string without escaping. */
static const char *device_code(const char *code)
{
	if (!code || !*code)
		return "rejected";
	for (const char *p = code; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return "rejected";
	return code;
}

/* {"acked_seq":N,"results":[{"seq":S,"status":"..."[,"reason":"..."]},...],"hub_ms":T} */
static int device_taps_answer(struct server_reply *reply, uint64_t high,
			      const struct tap_batch *batch, const struct attendance_result *res,
			      uint64_t cnt[3])
{
	struct netbuf *b = &reply->body;
	int err;

	netbuf_clear(b);
	err = netbuf_printf(b, "{\"acked_seq\":%llu,\"results\":[", (unsigned long long)high);
	for (size_t i = 0; !err && i < batch->n; i++) {
		enum attendance_outcome o = res[i].outcome;

		err = netbuf_printf(b, "%s{\"seq\":%llu,\"status\":\"%s\"", i ? "," : "",
				    (unsigned long long)batch->taps[i].seq,
				    device_code(attendance_outcome_name(o)));
		if (!err && o == ATTENDANCE_REJECTED)
			err = netbuf_printf(b, ",\"reason\":\"%s\"", device_code(res[i].reason));
		if (!err)
			err = netbuf_append(b, "}", 1);
		if ((unsigned)o <= ATTENDANCE_REJECTED)
			cnt[o]++;
	}
	if (!err)
		err = netbuf_printf(b, "],\"hub_ms\":%lld}", (long long)clock_wall_ms());
	reply->status = 200;
	reply->content_type = "application/json";
	return err;
}

#define DEVICE_GROUP_MAX 64   /* batches per transaction */
#define DEVICE_QUEUE_MAX 4096 /* batches waiting; beyond it a batch is ingested alone */
#define DEVICE_GROUP_WAIT_MS 2 /* the longest a batch waits for others still being decoded */

/* One taps request: its body is parsed and decoded on a worker thread (jansson's parse of a
 * hundred records costs about as much as storing them), then it waits for the group commit. */
struct taps_job {
	struct server_work work;
	struct api_call *call;          /* the deferred copy, or the live call when inline */
	bool deferred;
	char *text;                     /* the request body, until decoded */
	size_t text_len;
	int status;                     /* a refusal found while decoding: HTTP status */
	const char *code;
	char detail[160];
	bool decoded;
	struct tap_batch batch;
	const char **why;
	struct attendance_result *res;
	int64_t received;
	int64_t queued_ms;              /* CLOCK_MONOTONIC when queued for the commit */
	uint64_t high;
	int err;
	bool refused;                   /* refused before writing: err is final */
	struct taps_job *next;
};

static struct taps_job *taps_queue, **taps_tail = &taps_queue;
static size_t taps_queued;
static size_t taps_decoding;    /* on worker threads now */

static int64_t taps_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Answers the job's call (sending it when deferred) and frees the job. */
static void taps_end(struct taps_job *j)
{
	if (j->deferred)
		api_finish(j->call);
	free(j->text);
	if (j->decoded)
		tap_batch_free(&j->batch, j->why);
	free(j->res);
	free(j);
}

static bool taps_refusal(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM || err == -EINVAL;
}

/* Fills call's reply for an ingest outcome. */
static void taps_reply(struct api_call *call, int err, uint64_t high,
		       const struct tap_batch *batch, const struct attendance_result *res)
{
	uint64_t cnt[3] = { 0 };

	if (err == -ENOENT) {
		api_reply_error(call, 403, "device_unknown", NULL);
	} else if (err == -EACCES) {
		api_reply_error(call, 403, "device_revoked", NULL);
	} else if (err == -EPERM) {
		api_reply_error(call, 403, "device_mismatch", NULL);
	} else if (err == -EINVAL) {
		api_reply_error(call, 400, "bad_batch", "too_many");
	} else if (err < 0) {
		device_store_error(call, err, "tap ingest");
	} else if (device_taps_answer(call->reply, high, batch, res, cnt) < 0) {
		/* Written directly rather than through jansson: a hundred small objects per batch
		 * cost more than the rest of the answer, and every string here is a static code. */
		api_reply_error(call, 500, "internal_error", NULL);
	} else {
		api_metrics_taps(api_metrics(call->api), cnt[0], cnt[1], cnt[2]);
	}
}

/* One transaction for n jobs; on a failure other than a refusal, each alone. */
static void taps_group(struct api *api, struct taps_job **jobs, size_t n)
{
	struct store *st = api_store(api);
	size_t ok = 0;
	int err = store_begin(st);

	for (size_t i = 0; i < n && err == 0; i++) {
		struct taps_job *j = jobs[i];
		int r = attendance_ingest_tx(st, j->call->id.device, &j->batch, j->why, j->received,
					     j->res, &j->high);

		j->err = r;
		j->refused = taps_refusal(r);
		if (r < 0 && !j->refused)
			err = r;
		else if (r == 0)
			ok++;
	}
	if (err == 0 && ok > 0) {
		err = store_commit(st);
		if (err == 0)
			api_metrics_ingest_commit(api_metrics(api), ok);
	} else {
		store_rollback(st);
	}
	if (err < 0 && n > 1) {
		log_warn("api: group commit of %zu tap batches failed (%s); each alone", n,
			 strerror(-err));
		for (size_t i = 0; i < n; i++) {
			struct taps_job *j = jobs[i];

			if (j->refused)
				continue;
			j->err = attendance_ingest(st, j->call->id.device, &j->batch, j->why,
						   j->received, j->res, &j->high);
			j->refused = taps_refusal(j->err);
			if (j->err == 0)
				api_metrics_ingest_commit(api_metrics(api), 1);
		}
	} else if (err < 0) {
		for (size_t i = 0; i < n; i++)
			if (!jobs[i]->refused)
				jobs[i]->err = err;
	}
	for (size_t i = 0; i < n; i++) {
		taps_reply(jobs[i]->call, jobs[i]->err, jobs[i]->high, &jobs[i]->batch,
			   jobs[i]->res);
		taps_end(jobs[i]);
	}
}

bool api_device_flush(struct api *api)
{
	struct taps_job *group[DEVICE_GROUP_MAX];

	/* Batches still being decoded will be here in a moment: one commit for all of them,
	 * unless the first in line has waited long enough. */
	if (taps_queue && taps_decoding > 0 && taps_queued < DEVICE_GROUP_MAX &&
	    taps_now_ms() - taps_queue->queued_ms < DEVICE_GROUP_WAIT_MS)
		return true;
	while (taps_queue) {
		size_t n = 0;

		while (taps_queue && n < DEVICE_GROUP_MAX) {
			group[n++] = taps_queue;
			taps_queue = taps_queue->next;
			taps_queued--;
		}
		if (!taps_queue)
			taps_tail = &taps_queue;
		taps_group(api, group, n);
	}
	return false;
}

/* Parses and decodes the body (a worker thread, or inline): touches nothing else. */
static void taps_decode(struct taps_job *j)
{
	const char *why_batch = NULL;
	json_error_t jerr;
	json_t *body = json_loadb(j->text, j->text_len, JSON_REJECT_DUPLICATES, &jerr);

	if (!body) {
		j->status = 400;
		j->code = "bad_json";
		snprintf(j->detail, sizeof(j->detail), "%s", jerr.text);
	} else if (!json_is_object(body)) {
		j->status = 400;
		j->code = "bad_json";
		snprintf(j->detail, sizeof(j->detail), "not an object");
	} else if (tap_batch_from_json(body, &j->batch, &j->why, &why_batch) < 0) {
		j->status = why_batch && strcmp(why_batch, "no_memory") == 0 ? 503 : 400;
		j->code = "bad_batch";
		snprintf(j->detail, sizeof(j->detail), "%s", why_batch ? why_batch : "");
	} else {
		j->decoded = true;
		j->res = calloc(j->batch.n ? j->batch.n : 1, sizeof(*j->res));
		if (!j->res) {
			j->status = 503;
			j->code = "service_unavailable";
		}
	}
	json_decref(body);
	free(j->text);
	j->text = NULL;
}

/* Decoded: refused, queued for the group commit, or (not deferred) ingested alone. */
static void taps_decoded(struct taps_job *j)
{
	struct api_call *call = j->call;

	if (j->status) {
		api_reply_error(call, j->status, j->code, j->detail[0] ? j->detail : NULL);
	} else if (strcmp(j->batch.device, call->id.device) != 0) {
		log_notice("api: %s sent a batch naming another device", call->id.device);
		api_reply_error(call, 403, "device_mismatch", NULL);
	} else if (j->deferred) {
		j->next = NULL;
		j->queued_ms = taps_now_ms();
		*taps_tail = j;
		taps_tail = &j->next;
		taps_queued++;
		return;
	} else {
		j->err = attendance_ingest(api_store(call->api), call->id.device, &j->batch, j->why,
					   j->received, j->res, &j->high);
		taps_reply(call, j->err, j->high, &j->batch, j->res);
	}
	taps_end(j);
}

static void taps_work_run(struct server_work *w)
{
	taps_decode((struct taps_job *)w);
}

static void taps_work_done(struct server_work *w)
{
	struct taps_job *j = (struct taps_job *)w;

	taps_decoding--;
	if (w->cancelled) {
		api_reply_error(j->call, 503, "service_unavailable", NULL);
		taps_end(j);
		return;
	}
	taps_decoded(j);
}

void api_device_taps(struct api_call *call)
{
	const char *ct = http_request_header(call->req, "Content-Type");
	struct taps_job *j;

	if (ct && strncasecmp(ct, "application/json", 16) != 0) {
		api_reply_error(call, 415, "unsupported_media_type", NULL);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j)
		j->text = malloc(call->req->body_len + 1);
	if (!j || !j->text) {
		free(j);
		api_reply_error(call, 503, "service_unavailable", NULL);
		return;
	}
	memcpy(j->text, call->req->body, call->req->body_len);
	j->text[call->req->body_len] = '\0';
	j->text_len = call->req->body_len;
	j->received = clock_wall_ms();
	j->work.run = taps_work_run;
	j->work.done = taps_work_done;
	j->call = call;
	if (taps_queued < DEVICE_QUEUE_MAX && (j->call = api_defer(call))) {
		j->deferred = true;
		/* Decoded on a worker when one is free; not behind password hashes. */
		if (server_work_idle(api_server(call->api)) &&
		    server_work(api_server(call->api), &j->work) == 0) {
			taps_decoding++;
			return;
		}
	} else {
		/* Not deferrable (no server behind the call, out of memory, queue full). */
		j->call = call;
	}
	taps_decode(j);
	taps_decoded(j);
}

void api_device_roster(struct api_call *call)
{
	struct store_roster r = { 0 };
	json_t *out = NULL, *cards, *removed;
	long long since = 0;
	char buf[32];
	int n, err;

	n = http_query_get(call->req->query, "since", buf, sizeof(buf));
	if (n > 0) {
		char *end;

		errno = 0;
		since = strtoll(buf, &end, 10);
		if (errno || *end || since < 0 || buf[0] == '-' || buf[0] == '+') {
			api_reply_error(call, 400, "bad_query", "since");
			return;
		}
	} else if (n != -ENOENT && n != 0) {
		api_reply_error(call, 400, "bad_query", "since");
		return;
	}
	err = store_roster_delta(api_store(call->api), call->id.facility, since, &r);
	if (err < 0) {
		device_store_error(call, err, "roster");
		return;
	}
	device_touch(call);
	cards = json_array();
	removed = json_array();
	out = json_pack("{s:s, s:I, s:b, s:o, s:o}", "facility", call->id.facility, "version",
			(json_int_t)r.version, "full", r.full, "cards", cards, "removed", removed);
	for (size_t i = 0; out && i < r.n_entries; i++)
		json_array_append_new(cards, json_pack("{s:s, s:s, s:s}", "uidhash",
						       r.entries[i].uidhash, "child",
						       r.entries[i].child_id, "display",
						       r.entries[i].display));
	for (size_t i = 0; out && i < r.n_removed; i++)
		json_array_append_new(removed, json_string(r.removed[i]));
	store_roster_free(&r);
	api_reply_json(call, 200, out);
}

void api_device_status(struct api_call *call)
{
	struct store_device_status s = { 0 };
	json_t *body = api_read_json(call), *dev, *v, *q, *c;
	int err;

	if (!body)
		return;
	dev = json_object_get(body, "device");
	v = json_object_get(body, "version");
	q = json_object_get(body, "queue_depth");
	c = json_object_get(body, "clock");
	if (dev && (!json_is_string(dev) || strcmp(json_string_value(dev), call->id.device) != 0)) {
		api_reply_error(call, 403, "device_mismatch", NULL);
		goto out;
	}
	if (!json_is_string(v) || json_string_length(v) >= STORE_VERSION_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		api_reply_error(call, 400, "bad_status", "version");
		goto out;
	}
	if (!json_is_integer(q) || json_integer_value(q) < 0) {
		api_reply_error(call, 400, "bad_status", "queue_depth");
		goto out;
	}
	if (!json_is_string(c) || (strcmp(json_string_value(c), "synced") != 0 &&
				   strcmp(json_string_value(c), "unsynced") != 0)) {
		api_reply_error(call, 400, "bad_status", "clock");
		goto out;
	}
	s.version = json_string_value(v);
	s.queue_depth = json_integer_value(q);
	s.clock_state = json_string_value(c);
	err = store_device_status_put(api_store(call->api), call->id.device, &s, clock_wall_ms());
	if (err == -EINVAL) {
		api_reply_error(call, 400, "bad_status", NULL);
		goto out;
	}
	if (err < 0) {
		device_store_error(call, err, "status");
		goto out;
	}
	api_reply_json(call, 200, json_pack("{s:b, s:I}", "ok", 1, "hub_ms",
					    (json_int_t)clock_wall_ms()));
out:
	json_decref(body);
}
