/*
 * Portal routes about a child's personal data: reading a child's record (every read is an
 * audit row), a parent asking to be linked to a child, and the child's center (or the
 * district or city) confirming the link. A parent sees a child only once confirmed.
 */
#include "hub/api/portal.h"

#include "common/clock.h"
#include "hub/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void api_portal_child_get(struct api_call *call)
{
	struct store_child c;
	json_t *o;

	if (!api_scope_child(call, call->params[0], &c))
		return;
	/* Staff see the full name, a parent sees it too (their own child); both are logged. */
	o = json_pack("{s:s, s:s, s:s, s:s}", "id", c.id, "name", c.name, "display", c.display,
		      "facility", c.facility);
	api_reply_json(call, 200, o);
	api_audit(call, "child.read", c.id);
}

void api_portal_guardian_request(struct api_call *call)
{
	struct store_child c;
	int err;

	if (!call->id.account[0]) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	err = store_child_get(api_store(call->api), call->params[0], &c);
	if (err < 0) {
		/* Unknown and known children answer alike until the center confirms. */
		api_reply_json(call, 202, json_pack("{s:s}", "state", "requested"));
		return;
	}
	err = store_guardian_request(api_store(call->api), call->id.account, c.id,
				     clock_wall_ms());
	if (err == -EEXIST) {
		api_reply_error(call, 409, "link_exists", NULL);
		return;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 202, json_pack("{s:s}", "state", "requested"));
}

void api_portal_guardian_confirm(struct api_call *call)
{
	struct store_child c;
	int err;

	if (!(call->id.roles & AUTH_STAFF)) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	if (!api_scope_child(call, call->params[0], &c))
		return;
	err = store_guardian_confirm(api_store(call->api), call->params[1], c.id,
				     call->id.account, clock_wall_ms());
	if (err == -ENOENT) {
		api_reply_error(call, 404, "link_unknown", NULL);
		return;
	}
	if (err < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:s, s:s, s:s}", "child", c.id, "parent",
					    call->params[1], "state", "confirmed"));
}

void api_portal_guardian_list(struct api_call *call)
{
	struct store_guardian *v = NULL;
	struct store_child c;
	json_t *arr;
	size_t n = 0;

	if (!(call->id.roles & AUTH_STAFF)) {
		api_reply_error(call, 403, "forbidden", NULL);
		return;
	}
	if (!api_scope_child(call, call->params[0], &c))
		return;
	if (store_guardian_list(api_store(call->api), c.id, &v, &n) < 0) {
		api_reply_error(call, 503, "store_unavailable", NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I}", "parent",
						     v[i].parent, "name", v[i].name, "state",
						     v[i].confirmed_ms ? "confirmed" : "requested",
						     "requested_ms", (json_int_t)v[i].requested_ms,
						     "confirmed_ms", (json_int_t)v[i].confirmed_ms));
	free(v);
	api_reply_json(call, 200, json_pack("{s:s, s:o}", "child", c.id, "guardians", arr));
	api_audit(call, "child.read guardians", c.id);
}
