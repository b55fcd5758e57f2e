/*
 * Fuzz target: the portal's routes as the hub runs them after TLS, in process. An input is
 *   line 1: "METHOD TARGET"           (e.g. "POST /api/v1/signup/district")
 *   line 2: who calls: C (city officer), D (district officer of NW), S (center staff of
 *           NWUK015), P (parent), N (nobody), or anything else as a raw Cookie header
 *   rest:   the body
 * against one store kept across inputs (accounts and links accumulate). Invariants: the
 * answer is one of the statuses the API uses, its body is JSON, and every error carries a
 * code that has its own message (no code falls through to the generic one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/api/api.h"
#include "hub/api/portal.h"
#include "hub/auth/password.h"
#include "hub/auth/session.h"
#include "hub/store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static struct api *api;
static char sid[4][SESSION_ID_TEXT], csrf[4][SESSION_CSRF_TEXT];

static void account(const char *id, const char *district, const char *facility,
		    const char *role, const char *type)
{
	struct store_account a = { 0 };
	struct store_role r = { 0 };

	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.name, sizeof(a.name), "퍼즈");
	snprintf(a.district, sizeof(a.district), "%s", district);
	snprintf(a.facility, sizeof(a.facility), "%s", facility);
	snprintf(a.state, sizeof(a.state), "approved");
	if (password_hash("Fuzz2026pass", a.pw_hash, sizeof(a.pw_hash)) < 0 ||
	    store_account_add(st, &a, "fuzz", 1) < 0)
		abort();
	snprintf(r.role, sizeof(r.role), "%s", role);
	snprintf(r.type, sizeof(r.type), "%s", type);
	if (store_account_roles_set(st, id, &r, 1, "fuzz", 1) < 0)
		abort();
}

static void setup(void)
{
	struct store_facility f1 = { "NWUK015", "fuzz", "NW", "UK", 0 };
	struct store_facility f2 = { "GNUK001", "fuzz", "GN", "UK", 0 };
	struct api_opts o = { 0 };
	static const char *const who[4] = { "city01", "nwoff", "NWUK015001", "mom01" };

	log_init("fuzz", KLOG_ERR - 1); /* quiet */
	clock_pin(1800000000000LL, 1000, true);
	password_set_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	if (store_open(":memory:", &st) < 0 || store_facility_add(st, &f1, 1) < 0 ||
	    store_facility_add(st, &f2, 1) < 0 || store_child_add(st, "C1", "김민수", "NWUK015", 1) < 0)
		abort();
	account("city01", "", "", "city", "UK");
	account("nwoff", "NW", "", "district", "UK");
	account("NWUK015001", "NW", "NWUK015", "center", "UK");
	account("mom01", "", "", "parent", "");
	for (int i = 0; i < 4; i++)
		if (session_create(st, who[i], "127.0.0.1:1", clock_wall_ms(), sid[i], csrf[i]) < 0)
			abort();
	o.store = st;
	o.silent_ms = 600000;
	if (api_new(&o, &api) < 0)
		abort();
}

static void check_reply(const struct server_reply *rep)
{
	static const int ok[] = { 200, 201, 202, 400, 401, 403, 404, 405, 409, 415, 429, 503 };
	json_t *j = json_loadb(netbuf_head(&rep->body), netbuf_size(&rep->body), 0, NULL);
	json_t *err = json_object_get(j, "error");
	bool known = false;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		known |= rep->status == ok[i];
	if (!known || !j) {
		fprintf(stderr, "status %d, body %.*s\n", rep->status, (int)netbuf_size(&rep->body),
			netbuf_head(&rep->body));
		abort();
	}
	if (rep->status >= 400) {
		const char *msg = json_string_value(json_object_get(err, "message"));

		if (!json_is_string(json_object_get(err, "code")) || !msg ||
		    !strcmp(msg, "오류 / Error")) {
			fprintf(stderr, "error without its message: %.*s\n",
				(int)netbuf_size(&rep->body), netbuf_head(&rep->body));
			abort();
		}
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[4096], path[1024], method[16], cookie[256];
	struct http_request req;
	struct server_reply rep;
	char *l1, *l2, *body, *sp, *q;
	int who = -1;

	if (!api)
		setup();
	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (strlen(buf) != size)
		return 0;
	l1 = buf;
	l2 = strchr(l1, '\n');
	if (!l2)
		return 0;
	*l2++ = '\0';
	body = strchr(l2, '\n');
	if (body)
		*body++ = '\0';
	sp = strchr(l1, ' ');
	if (!sp || (size_t)(sp - l1) >= sizeof(method) || strlen(sp + 1) >= sizeof(path))
		return 0;
	snprintf(method, sizeof(method), "%.*s", (int)(sp - l1), l1);
	snprintf(path, sizeof(path), "%s", sp + 1);
	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	req.method_name = method;
	req.path = path;
	req.query = q ? q : "";
	who = !strcmp(l2, "C") ? 0 : !strcmp(l2, "D") ? 1 : !strcmp(l2, "S") ? 2
	      : !strcmp(l2, "P") ? 3 : -1;
	if (who >= 0) {
		snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s", sid[who]);
		req.headers[req.nheaders++] = (struct http_header){ "Cookie", cookie };
		req.headers[req.nheaders++] = (struct http_header){ "X-CSRF-Token", csrf[who] };
	} else if (strcmp(l2, "N") != 0) {
		req.headers[req.nheaders++] = (struct http_header){ "Cookie", l2 };
	}
	req.body = body ? body : "";
	req.body_len = strlen(req.body);
	api_portal_throttle_reset();
	api_handle(api, &req, NULL, "127.0.0.1:40000", &rep);
	check_reply(&rep);
	netbuf_free(&rep.body);
	return 0;
}
