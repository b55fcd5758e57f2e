/* Unit tests: the router, roles and error bodies of hub/api against a real temporary store,
 * with requests and TLS identities built in memory (no sockets). */
#include "common/clock.h"
#include "common/log.h"
#include "hub/api/api.h"
#include "hub/net/tls.h"
#include "hub/store/store.h"
#include "tests/harness.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/kium-hub-api.XXXXXX";
static struct store *st;
static struct api *api;
static char token[STORE_TOKEN_MAX];
static struct server_reply reply;
static char text[65536];

static const struct tls_peer peer_ok = { true, true, "D1", "01:A2", "ab12" };

static int setup(void)
{
	struct store_facility f = { .code = "NWUK015", .name = "t", .district = "NW", .type = "UK" };
	struct api_opts o = { 0 };
	char path[128];
	int64_t id;

	clock_pin(1795000000000LL, 1000, true);
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (store_open(path, &st) < 0 || store_facility_add(st, &f, clock_wall_ms()) < 0 ||
	    store_device_add(st, "D1", "NWUK015", "01a2", "AB12", clock_wall_ms()) < 0 ||
	    store_device_add(st, "D2", "NWUK015", "0ff", "cd34", clock_wall_ms()) < 0 ||
	    store_device_revoke(st, "D2", clock_wall_ms()) < 0 ||
	    store_token_create(st, "admin", "t", clock_wall_ms(), &id, token, sizeof(token)) < 0)
		return -1;
	o.store = st;
	o.silent_ms = 600000;
	o.touch_ms = 30000;
	return api_new(&o, &api);
}

static void teardown(void)
{
	char cmd[256];

	api_free(api);
	store_close(st);
	netbuf_free(&reply.body);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Runs one request; returns the status, the body in text. */
static int call(const char *method, const char *path, const char *query, const char *authz,
		const struct tls_peer *peer, const char *body)
{
	struct http_request r = { 0 };

	r.method_name = method;
	r.path = path;
	r.query = query ? query : "";
	r.body = body ? body : "";
	r.body_len = strlen(r.body);
	r.keep_alive = true;
	r.http_major = 1;
	r.http_minor = 1;
	if (authz) {
		r.headers[0].name = "Authorization";
		r.headers[0].value = authz;
		r.nheaders = 1;
	}
	reply.status = 500;
	reply.content_type = "application/json";
	reply.extra[0] = '\0';
	netbuf_clear(&reply.body);
	api_handle(api, &r, peer, "test", &reply);
	snprintf(text, sizeof(text), "%.*s", (int)netbuf_size(&reply.body), netbuf_head(&reply.body));
	return reply.status;
}

static bool has(const char *needle)
{
	return strstr(text, needle) != NULL;
}

TEST(public_and_routing)
{
	CHECK_EQ_INT(call("GET", "/healthz", NULL, NULL, NULL, NULL), 200);
	CHECK(has("\"status\":\"ok\""));
	CHECK_EQ_INT(call("GET", "/nope", NULL, NULL, NULL, NULL), 404);
	CHECK(has("\"code\":\"not_found\""));
	CHECK(has(" / Not found"));
	CHECK_EQ_INT(call("DELETE", "/healthz", NULL, NULL, NULL, NULL), 405);
	CHECK(strstr(reply.extra, "Allow: GET") != NULL);
	CHECK_EQ_INT(call("GET", "/api/v1/facilities//attendance", NULL, token, NULL, NULL), 404);
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster/", NULL, NULL, &peer_ok, NULL), 404);
}

TEST(device_identity)
{
	struct tls_peer p = peer_ok;

	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", NULL, NULL, NULL, NULL), 401);
	CHECK(has("client_certificate_required"));
	p.cert_verified = false;
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", NULL, NULL, &p, NULL), 403);
	CHECK(has("certificate_not_trusted"));
	p = peer_ok;
	strcpy(p.cn, "D9");
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", NULL, NULL, &p, NULL), 403);
	CHECK(has("device_unknown"));
	strcpy(p.cn, "D2");
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", NULL, NULL, &p, NULL), 403);
	CHECK(has("device_revoked"));
	p = peer_ok;
	strcpy(p.serial, "01:A3");
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", NULL, NULL, &p, NULL), 403);
	CHECK(has("certificate_mismatch"));
	p = peer_ok;
	strcpy(p.sha256, "ab13");
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", NULL, NULL, &p, NULL), 403);
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", "since=0", NULL, &peer_ok, NULL), 200);
	CHECK(has("\"facility\":\"NWUK015\""));
	CHECK(has("\"full\":true"));
	CHECK_EQ_INT(call("GET", "/api/v1/device/roster", "since=abc", NULL, &peer_ok, NULL), 400);
	CHECK(has("bad_query"));
	/* A device is not an admin. */
	CHECK_EQ_INT(call("GET", "/api/v1/devices", NULL, NULL, &peer_ok, NULL), 401);
}

TEST(tokens)
{
	char bearer[STORE_TOKEN_MAX + 16];

	snprintf(bearer, sizeof(bearer), "Bearer %s", token);
	CHECK_EQ_INT(call("GET", "/metrics", NULL, NULL, NULL, NULL), 401);
	CHECK(strstr(reply.extra, "WWW-Authenticate: Bearer") != NULL);
	CHECK_EQ_INT(call("GET", "/metrics", NULL, "Bearer kt1_1_AAAA", NULL, NULL), 401);
	CHECK_EQ_INT(call("GET", "/metrics", NULL, "Basic abc", NULL, NULL), 401);
	CHECK_EQ_INT(call("GET", "/metrics", NULL, bearer, NULL, NULL), 200);
	CHECK_EQ_STR(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
	CHECK(has("kium_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"} 3"));
	CHECK_EQ_INT(call("GET", "/api/v1/facilities/NWUK015/attendance", "date=2026-11-22", bearer,
			  NULL, NULL), 200);
	CHECK(has("\"facility\":\"NWUK015\""));
	CHECK_EQ_INT(call("GET", "/api/v1/facilities/NOPE1/attendance", NULL, bearer, NULL, NULL),
		     404);
	CHECK(has("facility_unknown"));
	CHECK_EQ_INT(call("GET", "/api/v1/facilities/NWUK015/attendance", "date=2026-13-01",
			  bearer, NULL, NULL), 400);
	CHECK_EQ_INT(call("GET", "/api/v1/devices", NULL, bearer, NULL, NULL), 200);
	CHECK(has("\"id\":\"D1\""));
}

TEST(taps_and_status)
{
	const char *batch =
		"{\"device\":\"D1\",\"boot_id\":\"ab-01\",\"mono_ms\":5000,\"wall_ms\":1795000000000,"
		"\"clock\":\"synced\",\"taps\":[{\"seq\":1,\"uid\":\"04a1b2c3\",\"wall_ms\":1794999999000,"
		"\"boot_id\":\"ab-01\",\"mono_ms\":4000,\"clock\":\"synced\",\"dir\":\"in\","
		"\"result\":\"arrival\"},{\"seq\":2,\"uid\":\"x\"}]}";
	const char *other = "{\"device\":\"D2\",\"boot_id\":\"ab\",\"mono_ms\":1,\"wall_ms\":1,"
			    "\"clock\":\"synced\",\"taps\":[]}";

	CHECK_EQ_INT(call("POST", "/api/v1/device/taps", NULL, NULL, &peer_ok, batch), 200);
	CHECK(has("\"acked_seq\":2"));
	CHECK(has("{\"seq\":1,\"status\":\"stored\"}"));
	CHECK(has("\"reason\":\"bad_uid\""));
	CHECK_EQ_INT(call("POST", "/api/v1/device/taps", NULL, NULL, &peer_ok, batch), 200);
	CHECK(has("{\"seq\":1,\"status\":\"duplicate\"}"));
	CHECK_EQ_INT(call("POST", "/api/v1/device/taps", NULL, NULL, &peer_ok, other), 403);
	CHECK(has("device_mismatch"));
	CHECK_EQ_INT(call("POST", "/api/v1/device/taps", NULL, NULL, &peer_ok, "{\"device\""), 400);
	CHECK(has("bad_json"));
	CHECK_EQ_INT(call("POST", "/api/v1/device/taps", NULL, NULL, &peer_ok, "[1]"), 400);
	CHECK_EQ_INT(call("POST", "/api/v1/device/taps", NULL, NULL, &peer_ok, "{}"), 400);
	CHECK(has("bad_batch"));
	CHECK_EQ_INT(call("POST", "/api/v1/device/status", NULL, NULL, &peer_ok,
			  "{\"version\":\"1.2\",\"queue_depth\":3,\"clock\":\"unsynced\"}"), 200);
	CHECK_EQ_INT(call("POST", "/api/v1/device/status", NULL, NULL, &peer_ok,
			  "{\"version\":\"1.2\",\"queue_depth\":3,\"clock\":\"maybe\"}"), 400);
	CHECK_EQ_INT(call("POST", "/api/v1/device/status", NULL, NULL, &peer_ok,
			  "{\"device\":\"D2\",\"version\":\"1\",\"queue_depth\":0,\"clock\":\"synced\"}"),
		     403);
}

TEST(server_errors_and_helpers)
{
	api_error(api, 431, &reply);
	snprintf(text, sizeof(text), "%.*s", (int)netbuf_size(&reply.body), netbuf_head(&reply.body));
	CHECK_EQ_INT(reply.status, 431);
	CHECK(has("\"code\":\"headers_too_large\""));
	api_error(api, 408, &reply);
	CHECK_EQ_INT(reply.status, 408);
	CHECK(auth_serial_equal("01:A2:FF", "1a2ff"));
	CHECK(!auth_serial_equal("01:A2", "01:A3"));
	CHECK_EQ_INT(auth_role_from_name("admin"), AUTH_ROLE_ADMIN);
	CHECK_EQ_INT(auth_role_from_name("root"), 0);
}

int main(void)
{
	log_init("hub_api", KLOG_ERR);
	if (setup() < 0) {
		printf("FAIL: hub_api:setup\n");
		return 1;
	}
	RUN(public_and_routing);
	RUN(device_identity);
	RUN(tokens);
	RUN(taps_and_status);
	RUN(server_errors_and_helpers);
	teardown();
	return harness_done();
}
