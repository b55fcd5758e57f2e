/*
 * The hub's HTTP API: a route table (routes.c) whose entries declare the roles they admit,
 * JSON in and out through jansson, and one error shape for every refusal:
 *
 *   {"error":{"code":"payload_too_large","message":"요청 본문이 너무 큽니다 / Request body too large"}}
 *
 * The code is stable (clients and tests match on it); the message is for people, Korean
 * first. api_handle and api_error are the server's handler and error callbacks
 * (hub/net/server.h); everything runs on the event loop's thread.
 */
#ifndef KIUM_HUB_API_H
#define KIUM_HUB_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/auth/roles.h"
#include "hub/net/server.h"

struct store;
struct tls_ctx;
struct api;

struct api_opts {
	struct store *store;
	struct tls_ctx *tls;          /* for handshake counters in /metrics */
	bool metrics_public;          /* /metrics without a token */
	int64_t silent_ms;            /* a reader not heard from for this long is "silent" */
	int64_t touch_ms;             /* refresh a device's last_seen at most this often */
	const char *web_root;         /* the portal's static files (hub/api/static.h), or NULL */
};

/* Caller frees with api_free. */
int api_new(const struct api_opts *opts, struct api **out);
void api_free(struct api *api);
/* Reads the portal's static files again (SIGHUP); the previous set stays on failure. */
int api_web_reload(struct api *api);
/* Where /metrics reads connection counters (set once the server exists). */
void api_set_server(struct api *api, struct server *srv);
/* The notification worker whose delivery counters /metrics shows (NULL: none). */
struct notify_worker;
void api_set_notify_worker(struct api *api, struct notify_worker *w);
struct notify_worker *api_notify_worker(struct api *api);

/* server_handler_fn and server_error_fn; arg is the struct api. */
void api_handle(void *arg, const struct http_request *req, const struct tls_peer *peer,
		const char *remote, struct server_reply *reply);
void api_error(void *arg, int status, struct server_reply *reply);
/* server_tick_fn: periodic work on the loop (silent-reader reports), cheap when not due. */
void api_tick(void *arg);
/* server_round_fn: the work gathered during a loop round (the group commit of tap batches);
 * true when work is still queued. */
bool api_round(void *arg);

/* ---- inside hub/api ---------------------------------------------------------------------- */

#define API_MAX_PARAMS 2

struct api_route;

/* One request on its way through a handler. */
struct api_call {
	struct api *api;
	const struct http_request *req;
	const char *remote;
	struct auth_identity id;
	const char *params[API_MAX_PARAMS]; /* "{code}" segments of the path, in order */
	char param_buf[128];
	struct server_reply *reply;
	const struct api_route *route;      /* the matched route (NULL before routing) */
	size_t route_idx;                   /* its index, for metrics */
	bool deferred;                      /* answered later through api_defer's copy */
	bool audit_named;                   /* api_audit_target was called */
	char audit_target[128];             /* what the call acts on, for the audit row */
};

typedef void (*api_handler_fn)(struct api_call *call);

struct api_route {
	const char *method;
	const char *pattern;   /* "/api/v1/facilities/{code}/attendance" */
	unsigned roles;        /* AUTH_PUBLIC, or the roles admitted */
	api_handler_fn fn;
	const char *summary;
};

extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/* Deferred answers (hub/net/server.h): the handler keeps working on the returned copy of
 * call after it returns (a group commit, a worker thread) and ends with api_finish, which
 * writes the audit row, counts the answer and sends it. In the copy, req keeps the method
 * and path only (no headers, no body: read them before deferring), params, remote and the
 * identity are kept. NULL when the answer cannot be deferred (a unit test calling handlers
 * directly, out of memory): answer in call at once then. */
struct api_call *api_defer(struct api_call *call);
/* Loop thread; frees the copy. */
void api_finish(struct api_call *deferred);

struct store *api_store(struct api *api);
int64_t api_silent_ms(const struct api *api);
int64_t api_touch_ms(const struct api *api);

/* Sets reply to status with a JSON body (steals the reference; NULL gives a 500). */
void api_reply_json(struct api_call *call, int status, json_t *body);
/* The error body for a stable code; status is the HTTP status; detail may be NULL. */
void api_reply_error(struct api_call *call, int status, const char *code, const char *detail);
/* Fills reply with the error body for code (used by the server's own errors too). */
void api_json_error_body(struct server_reply *reply, int status, const char *code,
			 const char *detail);
/* Parses the request body as a JSON object; on failure answers 400/415 and returns NULL. */
json_t *api_read_json(struct api_call *call);

/* Metrics (metrics.c). route < api_nroutes, or api_nroutes for "none". */
struct api_metrics;
int api_metrics_new(size_t nroutes, struct api_metrics **out);
void api_metrics_free(struct api_metrics *m);
void api_metrics_count(struct api_metrics *m, size_t route, int status);
void api_metrics_taps(struct api_metrics *m, uint64_t stored, uint64_t duplicate,
		      uint64_t rejected);
/* One durable commit of a group of tap batches. */
void api_metrics_ingest_commit(struct api_metrics *m, uint64_t batches);
struct api_metrics *api_metrics(struct api *api);
struct server *api_server(struct api *api);
struct tls_ctx *api_tls(struct api *api);

/* Handlers. */
void api_healthz(struct api_call *call);
void api_metrics_get(struct api_call *call);
void api_device_taps(struct api_call *call);
void api_device_roster(struct api_call *call);
void api_device_status(struct api_call *call);
/* The group commit of the tap batches deferred this round (device.c); true when some wait. */
bool api_device_flush(struct api *api);
void api_admin_devices(struct api_call *call);
void api_admin_attendance(struct api_call *call);

#endif
