/*
 * Device routes: tap upload, roster delta, heartbeat. The caller is a reader proven by its
 * client certificate (routes.c); call->id.device is its CN, call->id.facility its facility.
 * Contracts of the answers are in hub/README.md.
 */
#include "hub/api/api.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void api_device_taps(struct api_call *call)
{
	struct tap_batch batch = { 0 };
	struct attendance_result *res = NULL;
	const char **why = NULL, *why_batch = NULL;
	uint64_t high = 0, cnt[3] = { 0 };
	json_t *body = NULL;
	int64_t received = clock_wall_ms();
	bool decoded = false;
	int err;

	body = api_read_json(call);
	if (!body)
		goto out;
	if (tap_batch_from_json(body, &batch, &why, &why_batch) < 0) {
		api_reply_error(call, why_batch && strcmp(why_batch, "no_memory") == 0 ? 503 : 400,
				"bad_batch", why_batch);
		goto out;
	}
	decoded = true;
	if (strcmp(batch.device, call->id.device) != 0) {
		log_notice("api: %s sent a batch naming another device", call->id.device);
		api_reply_error(call, 403, "device_mismatch", NULL);
		goto out;
	}
	res = calloc(batch.n ? batch.n : 1, sizeof(*res));
	if (!res) {
		api_reply_error(call, 503, "service_unavailable", NULL);
		goto out;
	}
	err = attendance_ingest(api_store(call->api), call->id.device, &batch, why, received, res,
				&high);
	if (err == -ENOENT) {
		api_reply_error(call, 403, "device_unknown", NULL);
		goto out;
	} else if (err == -EACCES) {
		api_reply_error(call, 403, "device_revoked", NULL);
		goto out;
	} else if (err == -EPERM) {
		api_reply_error(call, 403, "device_mismatch", NULL);
		goto out;
	} else if (err < 0) {
		device_store_error(call, err, "tap ingest");
		goto out;
	}
	/* Written directly rather than through jansson: a hundred small objects per batch
	 * cost more than the rest of the answer, and every string here is a static code. */
	if (device_taps_answer(call->reply, high, &batch, res, cnt) < 0) {
		api_reply_error(call, 500, "internal_error", NULL);
		goto out;
	}
	api_metrics_taps(api_metrics(call->api), cnt[0], cnt[1], cnt[2]);
out:
	json_decref(body);
	free(res);
	if (decoded)
		tap_batch_free(&batch, why);
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
