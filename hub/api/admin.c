/*
 * Routes for people and operators: health, the device list with last-seen and silence, and
 * a facility's attendance day as JSON. Today an admin API token admits them (routes.c); the
 * account system will add scoped roles (district, center) on the same routes.
 */
#include "hub/api/api.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/domain/attendance.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef KIUM_VERSION
#define KIUM_VERSION "0"
#endif

void api_healthz(struct api_call *call)
{
	static const char ok[] = "{\"status\":\"ok\",\"version\":\"" KIUM_VERSION "\"}";

	netbuf_clear(&call->reply->body);
	if (netbuf_append(&call->reply->body, ok, sizeof(ok) - 1) < 0) {
		api_reply_error(call, 500, "internal_error", NULL);
		return;
	}
	call->reply->status = 200;
}

void api_admin_devices(struct api_call *call)
{
	struct store_device *d = NULL;
	int64_t now = clock_wall_ms(), silent_ms = api_silent_ms(call->api);
	json_t *arr, *out;
	size_t n = 0;
	int err = store_device_list(api_store(call->api), &d, &n);

	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	out = json_pack("{s:o, s:I, s:I}", "devices", arr, "silent_after_ms",
			(json_int_t)silent_ms, "hub_ms", (json_int_t)now);
	for (size_t i = 0; out && i < n; i++) {
		int64_t since = d[i].last_seen_ms ? d[i].last_seen_ms : d[i].created_ms;
		json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:b, s:I}", "id", d[i].id,
				      "facility", d[i].facility, "revoked", d[i].revoked,
				      "last_seen_ms", (json_int_t)d[i].last_seen_ms, "seq_high",
				      (json_int_t)d[i].seq_high, "silent",
				      !d[i].revoked && now - since > silent_ms, "queue_depth",
				      (json_int_t)d[i].queue_depth);

		if (!o)
			continue;
		json_object_set_new(o, "version", d[i].version[0] ? json_string(d[i].version)
								  : json_null());
		json_object_set_new(o, "clock", d[i].clock_state[0]
						? json_string(d[i].clock_state) : json_null());
		json_array_append_new(arr, o);
	}
	free(d);
	api_reply_json(call, 200, out);
}

void api_admin_attendance(struct api_call *call)
{
	const char *code = call->params[0];
	char date[16];
	int64_t day;
	json_t *out = NULL;
	int n, err;

	n = http_query_get(call->req->query, "date", date, sizeof(date));
	if (n == -ENOENT) {
		day = clock_seoul_day(clock_wall_ms());
	} else if (n < 0 || clock_day_parse(date, &day) < 0) {
		api_reply_error(call, 400, "bad_query", "date");
		return;
	}
	if (!code || strlen(code) >= STORE_FACILITY_CODE_MAX) {
		api_reply_error(call, 404, "facility_unknown", NULL);
		return;
	}
	err = attendance_day_json(api_store(call->api), code, day, &out);
	if (err == -ENOENT || err == -EINVAL) {
		api_reply_error(call, 404, "facility_unknown", NULL);
		return;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 200, out);
}
