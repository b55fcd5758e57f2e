/*
 * The route table and the router: match method and path, establish the identity the route
 * needs (client certificate, API token), refuse what the route does not admit, call the
 * handler, count the answer. The table is the API's single source of truth: an OpenAPI
 * document will be checked against it.
 */
#include "hub/api/api.h"
#include "hub/api/portal.h"
#include "hub/api/bookings.h"
#include "hub/api/facilities.h"
#include "hub/api/notify_api.h"
#include "hub/api/stats.h"
#include "hub/api/portal_cards.h"
#include "hub/api/static.h"

#include "common/clock.h"
#include "common/log.h"
#include "hub/net/tls.h"
#include "hub/store/store.h"
#include "hub/store/store_group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct api_route api_routes[] = {
	{ "GET", "/healthz", AUTH_PUBLIC, api_healthz, "Liveness: the hub answers" },
	{ "GET", "/metrics", AUTH_ROLE_ADMIN | AUTH_ROLE_METRICS, api_metrics_get,
	  "Prometheus text metrics" },
	{ "POST", "/api/v1/device/taps", AUTH_ROLE_DEVICE, api_device_taps,
	  "A reader uploads a batch of taps" },
	{ "GET", "/api/v1/device/roster", AUTH_ROLE_DEVICE, api_device_roster,
	  "A reader fetches its facility's active cards as a delta (?since=VERSION)" },
	{ "POST", "/api/v1/device/status", AUTH_ROLE_DEVICE, api_device_status,
	  "A reader's heartbeat: version, queue depth, clock state" },
	{ "GET", "/api/v1/devices", AUTH_ROLE_ADMIN, api_admin_devices,
	  "Readers with last-seen, status and whether they went silent" },
	{ "GET", "/api/v1/facilities/{code}/attendance", AUTH_ROLE_ADMIN, api_admin_attendance,
	  "A facility's taps of one Seoul day (?date=YYYY-MM-DD)" },
	/* ---- portal (issue 5): hub/api/portal_*.c ---- */
	{ "POST", "/api/v1/session", AUTH_PUBLIC, api_portal_login,
	  "Log in with id and password: session cookie and CSRF token" },
	{ "GET", "/api/v1/session", AUTH_ACCOUNT, api_portal_session_get,
	  "The logged-in account, its roles and the CSRF token" },
	{ "DELETE", "/api/v1/session", AUTH_ACCOUNT, api_portal_logout,
	  "Log out" },
	{ "POST", "/api/v1/signup/district", AUTH_PUBLIC, api_portal_signup_district,
	  "A district officer signs up (pending until a city officer approves)" },
	{ "POST", "/api/v1/signup/parent", AUTH_PUBLIC, api_portal_signup_parent,
	  "A parent (member) signs up" },
	{ "POST", "/api/v1/password-reset", AUTH_PUBLIC, api_portal_reset_request,
	  "Ask for a password reset token (sent through the notification outbox)" },
	{ "POST", "/api/v1/password-reset/confirm", AUTH_PUBLIC, api_portal_reset_confirm,
	  "Set a new password with a reset token (also unlocks)" },
	{ "POST", "/api/v1/id-lookup", AUTH_PUBLIC, api_portal_id_lookup,
	  "Send the ids of a name and phone number through the notification outbox" },
	{ "GET", "/api/v1/roles", AUTH_STAFF | AUTH_PROGRAM, api_portal_roles,
	  "The portal's roles with their Korean names" },
	{ "GET", "/api/v1/accounts", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT | AUTH_PROGRAM,
	  api_portal_accounts, "Accounts in scope, paged (?state&district&facility&type&role"
	  "&enabled&left&q&page&per_page)" },
	{ "GET", "/api/v1/accounts/{id}", AUTH_ACCOUNT, api_portal_account_get,
	  "One account in scope, with its roles" },
	{ "POST", "/api/v1/accounts/{id}/approval", AUTH_CITYWIDE, api_portal_approval,
	  "Approve, hold or reject an account, with a reason" },
	{ "GET", "/api/v1/accounts/{id}/approvals", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_approvals, "An account's approval history" },
	{ "PUT", "/api/v1/accounts/{id}/roles", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_roles_set, "Replace an account's roles" },
	{ "POST", "/api/v1/roles/bulk", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT, api_portal_roles_bulk,
	  "Grant one role to many accounts (all or none)" },
	{ "POST", "/api/v1/accounts/{id}/unlock", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_unlock, "Unlock an account locked by failed logins" },
	{ "POST", "/api/v1/facilities/{code}/accounts", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_staff_create, "Create a staff account with the next id of the facility" },
	{ "GET", "/api/v1/facilities/{code}/accounts", AUTH_STAFF, api_portal_staff_list,
	  "A facility's staff accounts" },
	{ "GET", "/api/v1/audit", AUTH_CITYWIDE, api_portal_audit,
	  "The audit log, newest first (?actor&action&target&from&to&before&limit)" },
	{ "GET", "/api/v1/children/{id}", AUTH_STAFF | AUTH_ROLE_PARENT, api_portal_child_get,
	  "A child's record (every read is audited)" },
	{ "POST", "/api/v1/children/{id}/guardians", AUTH_ROLE_PARENT,
	  api_portal_guardian_request, "A parent asks to be linked to a child" },
	{ "POST", "/api/v1/children/{id}/guardians/{account}/confirm",
	  AUTH_CITYWIDE | AUTH_ROLE_DISTRICT | AUTH_ROLE_CENTER, api_portal_guardian_confirm,
	  "The child's center confirms a guardian link" },
	{ "POST", "/api/v1/accounts/{id}/enabled", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT |
	  AUTH_COORD_ADMIN,
	  api_portal_enabled, "Enable or disable an account (사용여부)" },
	{ "GET", "/api/v1/accounts/{id}/history", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_account_history, "An account's logins and changes (접속이력, 변경이력)" },
	{ "POST", "/api/v1/phone-verification", AUTH_PUBLIC, api_portal_phone_verification,
	  "Send a sign-up's phone verification code (휴대폰 인증) through the outbox" },
	{ "POST", "/api/v1/session/password", AUTH_ACCOUNT,
	  api_portal_password_change, "Change one's own password (ends every session)" },
	{ "POST", "/api/v1/accounts/{id}/facility", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_staff_move,
	  "Move a staff account to another facility of the same type (keeps its id; history)" },
	{ "POST", "/api/v1/accounts/{id}/leave", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_portal_staff_leave,
	  "A staff member left (퇴사): disabled, roles removed, sessions ended; history" },
	{ "GET", "/api/v1/children/{id}/guardians", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT |
	  AUTH_ROLE_CENTER, api_portal_guardian_list,
	  "A child's guardian links, requested and confirmed (audited)" },
	/* ---- bookings (issue 6): hub/api/portal_bookings.c, portal_reconcile.c ---- */
	{ "PUT", "/api/v1/terms/{year}", AUTH_CITYWIDE, api_terms_put,
	  "Set a year's four terms (이용분기): dates, opening hours, meals and snacks" },
	{ "GET", "/api/v1/terms/{year}", AUTH_STAFF | AUTH_ROLE_PARENT, api_terms_get,
	  "A year's terms" },
	{ "PUT", "/api/v1/facilities/{code}/care", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT, api_care_put,
	  "Set a center's kind and sick-child places (capacity: capacity-requests)" },
	{ "GET", "/api/v1/facilities/{code}/care", AUTH_STAFF | AUTH_ROLE_PARENT, api_care_get,
	  "A center's kind, capacity, temporary allowance and sick-child places" },
	{ "POST", "/api/v1/facilities/{code}/bookings", AUTH_STAFF | AUTH_ROLE_PARENT,
	  api_bookings_create,
	  "Apply for care (parent, with documents) or register offline (staff): place or waitlist" },
	{ "GET", "/api/v1/facilities/{code}/bookings", AUTH_STAFF, api_bookings_list,
	  "Staff lists (?list=applications|regular|temporary|sick|extensions|waitlist)" },
	{ "GET", "/api/v1/bookings/{id}", AUTH_STAFF | AUTH_ROLE_PARENT, api_booking_get,
	  "One booking with its state and waitlist position" },
	{ "POST", "/api/v1/bookings/{id}/decision", AUTH_STAFF, api_booking_decision,
	  "Approve or reject (with a reason) an application" },
	{ "POST", "/api/v1/bookings/{id}/cancel", AUTH_STAFF | AUTH_ROLE_PARENT, api_booking_cancel,
	  "Cancel a booking; a freed place is offered to the first in line" },
	{ "POST", "/api/v1/bookings/{id}/accept", AUTH_STAFF | AUTH_ROLE_PARENT, api_booking_accept,
	  "Accept a waitlist offer before its deadline" },
	{ "POST", "/api/v1/bookings/{id}/extension", AUTH_STAFF | AUTH_ROLE_PARENT,
	  api_booking_extend, "Extend a regular booking into the next term (이용기간 연장)" },
	{ "GET", "/api/v1/my/bookings", AUTH_ROLE_PARENT, api_bookings_mine,
	  "A parent's bookings with waitlist positions" },
	{ "GET", "/api/v1/facilities/{code}/reconciliation", AUTH_STAFF, api_reconcile_get,
	  "A day's attendance against bookings (?date=), or daily summaries (?from=&to=)" },
	{ "POST", "/api/v1/facilities/{code}/reconciliation/corrections", AUTH_STAFF,
	  api_reconcile_correct, "Correct a child's attendance status of a day, with a reason" },
	{ "GET", "/api/v1/children/{id}/attendance", AUTH_STAFF | AUTH_ROLE_PARENT,
	  api_child_attendance, "A child's days across facilities (연계돌봄 아동별 현황, ?from=&to=)" },
	/* ---- facilities, capacity changes, departments (issue 5): portal_facilities.c ---- */
	{ "GET", "/api/v1/facilities", AUTH_STAFF | AUTH_ROLE_SUPPORT_CITY, api_facility_list,
	  "Facilities in scope (?district&type&kind&operating&from&to&q&page&per_page)" },
	{ "POST", "/api/v1/facilities", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT, api_facility_create,
	  "Register a facility; the system issues its code" },
	{ "GET", "/api/v1/facilities/{code}", AUTH_STAFF | AUTH_ROLE_SUPPORT_CITY, api_facility_get,
	  "One facility's record" },
	{ "PUT", "/api/v1/facilities/{code}", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_facility_update, "Edit a facility's record (not its code, district, type, kind)" },
	{ "POST", "/api/v1/facilities/{code}/capacity-requests",
	  AUTH_CITYWIDE | AUTH_ROLE_DISTRICT | AUTH_ROLE_CENTER, api_capacity_request,
	  "Propose a capacity change (정원변경) with a reason" },
	{ "GET", "/api/v1/facilities/{code}/capacity-requests", AUTH_STAFF, api_capacity_requests,
	  "A facility's capacity change requests, newest first" },
	{ "POST", "/api/v1/facilities/{code}/capacity-requests/{id}/decision",
	  AUTH_CITYWIDE | AUTH_ROLE_DISTRICT, api_capacity_decide,
	  "Approve (capacity changes) or reject (reason required) a capacity change" },
	{ "GET", "/api/v1/departments", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT | AUTH_ROLE_COORDINATOR,
	  api_department_list, "Departments (부서) of a district (?district)" },
	{ "POST", "/api/v1/departments", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_department_create, "Add a department (부서추가), optionally under a parent" },
	{ "PUT", "/api/v1/facilities/{code}/department", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_facility_department, "Map a facility to a department of its district (시설 ID 매핑)" },
	/* ---- parents and notifications (issue 7): portal_notify.c ---- */
	{ "GET", "/api/v1/my/children", AUTH_ROLE_PARENT, api_my_children,
	  "A parent's linked children with today's arrival and departure" },
	{ "GET", "/api/v1/my/notification-preferences", AUTH_ROLE_PARENT, api_my_prefs_get,
	  "Which notifications the parent receives (all on by default)" },
	{ "PUT", "/api/v1/my/notification-preferences", AUTH_ROLE_PARENT, api_my_prefs_put,
	  "Turn notification kinds on or off (any subset of the five)" },
	{ "GET", "/api/v1/notifications", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT,
	  api_notifications_list,
	  "The notification outbox's delivery state, without parameters (?state&template&before&limit)" },
	/* ---- statistics (issue 7): hub/api/portal_stats.c ---- */
	{ "GET", "/api/v1/stats/attendance", AUTH_STAFF, api_stats_attendance,
	  "출석현황: present, booked, capacity and rates by day, month, district, facility" },
	{ "GET", "/api/v1/stats/users", AUTH_STAFF, api_stats_users,
	  "이용자현황: children with regular, temporary, sick-child bookings, and attending" },
	{ "GET", "/api/v1/stats/facilities", AUTH_STAFF, api_stats_facilities,
	  "시설현황: facilities by district and type, in operation, capacity" },
	/* ---- RF cards (issue 7, the web portal): portal_cards.c ---- */
	{ "GET", "/api/v1/facilities/{code}/cards", AUTH_STAFF, api_cards_list,
	  "RF카드 관리: a facility's cards, children and unknown-card taps (?days=1..31)" },
	{ "POST", "/api/v1/facilities/{code}/cards", AUTH_CITYWIDE | AUTH_ROLE_DISTRICT |
	  AUTH_ROLE_CENTER, api_cards_register,
	  "Register a card to a child of the facility, or replace a lost one (replace: true)" },
	{ "POST", "/api/v1/facilities/{code}/cards/{uid}/deactivate", AUTH_CITYWIDE |
	  AUTH_ROLE_DISTRICT | AUTH_ROLE_CENTER, api_cards_deactivate,
	  "Deactivate a card of the facility (사용중지)" },
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

struct api {
	struct api_opts opts;
	struct server *srv;
	struct notify_worker *notify; /* its delivery counters are in /metrics */
	struct api_metrics *metrics;
	struct web_cache *web;  /* the portal's static files */
	int64_t next_silent_check;
	int64_t next_offer_check;
	char **silent;        /* ids reported silent at the last check */
	size_t nsilent;
};

int api_new(const struct api_opts *opts, struct api **out)
{
	struct api *api = calloc(1, sizeof(*api));
	int err;

	*out = NULL;
	if (!api)
		return -ENOMEM;
	api->opts = *opts;
	err = api_metrics_new(api_nroutes, &api->metrics);
	if (err == 0 && opts->web_root)
		err = web_cache_load(opts->web_root, &api->web);
	if (err < 0) {
		api_metrics_free(api->metrics);
		free(api);
		return err;
	}
	*out = api;
	return 0;
}

int api_web_reload(struct api *api)
{
	struct web_cache *c = NULL;
	int err;

	if (!api->opts.web_root)
		return 0;
	err = web_cache_load(api->opts.web_root, &c);
	if (err < 0) {
		log_err("api: portal files not reloaded, the previous ones stay");
		return err;
	}
	web_cache_free(api->web);
	api->web = c;
	return 0;
}

static void api_silent_clear(struct api *api)
{
	for (size_t i = 0; i < api->nsilent; i++)
		free(api->silent[i]);
	free(api->silent);
	api->silent = NULL;
	api->nsilent = 0;
}

void api_free(struct api *api)
{
	if (!api)
		return;
	api_silent_clear(api);
	api_metrics_free(api->metrics);
	web_cache_free(api->web);
	free(api);
}

void api_set_server(struct api *api, struct server *srv)
{
	api->srv = srv;
}

void api_set_notify_worker(struct api *api, struct notify_worker *w)
{
	api->notify = w;
}

struct notify_worker *api_notify_worker(struct api *api) { return api->notify; }

struct store *api_store(struct api *api) { return api->opts.store; }
int64_t api_silent_ms(const struct api *api) { return api->opts.silent_ms; }
int64_t api_touch_ms(const struct api *api) { return api->opts.touch_ms; }
struct api_metrics *api_metrics(struct api *api) { return api->metrics; }
struct server *api_server(struct api *api) { return api->srv; }
struct tls_ctx *api_tls(struct api *api) { return api->opts.tls; }

/* Matches path against pattern; "{name}" matches one non-empty segment, kept in params. */
static bool api_match(const char *pattern, const char *path, struct api_call *call)
{
	const char *p = pattern, *s = path;
	size_t np = 0, used = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t n = strcspn(s, "/");

			if (!pe || n == 0 || np == API_MAX_PARAMS ||
			    used + n + 1 > sizeof(call->param_buf))
				return false;
			memcpy(call->param_buf + used, s, n);
			call->param_buf[used + n] = '\0';
			call->params[np++] = call->param_buf + used;
			used += n + 1;
			p = pe + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

static void api_refuse(struct api_call *call, enum auth_fail f)
{
	switch (f) {
	case AUTH_NO_CERT:
		api_reply_error(call, 401, "client_certificate_required", NULL);
		break;
	case AUTH_CERT_UNTRUSTED:
		api_reply_error(call, 403, "certificate_not_trusted", NULL);
		break;
	case AUTH_DEVICE_UNKNOWN:
		api_reply_error(call, 403, "device_unknown", NULL);
		break;
	case AUTH_DEVICE_REVOKED:
		api_reply_error(call, 403, "device_revoked", NULL);
		break;
	case AUTH_CERT_MISMATCH:
		api_reply_error(call, 403, "certificate_mismatch", NULL);
		break;
	case AUTH_NO_TOKEN:
	case AUTH_BAD_TOKEN:
		api_reply_error(call, 401, "unauthorized", NULL);
		snprintf(call->reply->extra, sizeof(call->reply->extra),
			 "WWW-Authenticate: Bearer realm=\"kium\"\r\n");
		break;
	case AUTH_STORE:
		api_reply_error(call, 503, "store_unavailable", NULL);
		break;
	case AUTH_OK:
		api_reply_error(call, 403, "forbidden", NULL);
		break;
	}
}

/* Establishes the identity the route asks for; false after answering a refusal. */
static bool api_admit(struct api_call *call, const struct api_route *r,
		      const struct tls_peer *peer)
{
	struct api *api = call->api;
	enum auth_fail dev = AUTH_OK, tok = AUTH_OK;
	unsigned want = r->roles;

	if (want == AUTH_PUBLIC)
		return true;
	if (r->fn == api_metrics_get && api->opts.metrics_public)
		return true;
	if (want & AUTH_ROLE_DEVICE)
		dev = auth_device(api->opts.store, peer, &call->id);
	if (!(call->id.roles & want) && (want & ~AUTH_ROLE_DEVICE)) {
		const char *authz = http_request_header(call->req, "Authorization");
		int s = authz ? 0 : api_session_admit(call); /* portal session cookie */

		if (s < 0)
			return false;
		if (s == 0)
			tok = auth_bearer(api->opts.store, authz, &call->id);
	}
	if (call->id.roles & want)
		return true;
	if (dev == AUTH_STORE || tok == AUTH_STORE)
		api_refuse(call, AUTH_STORE);
	else if ((want & AUTH_ROLE_DEVICE) && dev != AUTH_OK)
		api_refuse(call, dev);
	else
		api_refuse(call, tok);
	log_info("api: %s %s from %s refused: %d %s", call->req->method_name, call->req->path,
		 call->remote, call->reply->status,
		 peer && peer->cert_present ? "(client certificate presented)" : "(no certificate)");
	return false;
}

#define API_OFFER_TICK_MS 1000

static bool api_grouped(const struct api_route *r);
static bool api_group_queue(struct api_call *call);

void api_handle(void *arg, const struct http_request *req, const struct tls_peer *peer,
		const char *remote, struct server_reply *reply)
{
	struct api *api = arg;
	struct api_call call = { .api = api, .req = req, .remote = remote, .reply = reply };
	const struct api_route *r = NULL;
	bool path_known = false;
	char allow[128] = "";
	size_t idx = api_nroutes;

	for (size_t i = 0; i < api_nroutes; i++) {
		if (!api_match(api_routes[i].pattern, req->path, &call))
			continue;
		path_known = true;
		if (strcmp(api_routes[i].method, req->method_name) == 0 ||
		    (strcmp(req->method_name, "HEAD") == 0 &&
		     strcmp(api_routes[i].method, "GET") == 0)) {
			r = &api_routes[i];
			idx = i;
			break;
		}
		size_t al = strlen(allow);
		snprintf(allow + al, sizeof(allow) - al, "%s%s", al ? ", " : "",
			 api_routes[i].method);
	}
	if (!r) {
		if (path_known) {
			api_reply_error(&call, 405, "method_not_allowed", NULL);
			snprintf(reply->extra, sizeof(reply->extra), "Allow: %s\r\n", allow);
		} else if (web_cache_count(api->web) > 0 && web_path_is_portal(req->path)) {
			web_serve(api->web, req, reply); /* the portal's pages */
		} else {
			api_reply_error(&call, 404, "not_found", NULL);
		}
	} else {
		call.route = r;
		call.route_idx = idx;
		if (api_admit(&call, r, peer)) {
			if (api_grouped(r) && api_group_queue(&call))
				return; /* handled in api_round's group commit */
			r->fn(&call);
			if (call.deferred)
				return; /* api_finish completes it */
		}
	}
	if (r)
		api_portal_after(&call, r);
	api_metrics_count(api->metrics, idx, reply->status);
	log_debug("api: %s %s %d %s", req->method_name, req->path, reply->status, remote);
}

/* A call that outlives its handler, with the request's method and path (and, for a call
 * whose handler runs later, its query, headers and body). */
struct api_deferred {
	struct api_call call;
	struct http_request req;
	struct server_pending *pending;
	struct api_deferred *next;   /* the group queue */
	char remote[64];
	char method[16];
	char path[];
};

/* Copies s into the arena at *at. */
static const char *api_arena_put(char **at, const char *s, size_t n)
{
	char *p = *at;

	memcpy(p, s, n);
	p[n] = '\0';
	*at += n + 1;
	return p;
}

static struct api_call *api_defer_copy(struct api_call *call, bool whole)
{
	const struct http_request *rq = call->req;
	size_t plen = strlen(rq->path), extra = 0;
	struct api_deferred *d;
	struct server_pending *p;
	char *at;

	if (whole) {
		extra = strlen(rq->query) + 1 + rq->body_len + 1;
		for (size_t i = 0; i < rq->nheaders; i++)
			extra += strlen(rq->headers[i].name) + strlen(rq->headers[i].value) + 2;
	}
	d = calloc(1, sizeof(*d) + plen + 1 + extra);
	if (!d || strlen(rq->method_name) >= sizeof(d->method) ||
	    !(p = server_defer(call->reply))) {
		free(d);
		return NULL;
	}
	d->pending = p;
	d->call = *call;
	memcpy(d->path, call->req->path, plen + 1);
	if (whole) {
		at = d->path + plen + 1;
		d->req.query = api_arena_put(&at, rq->query, strlen(rq->query));
		for (size_t i = 0; i < rq->nheaders; i++) {
			d->req.headers[i].name = api_arena_put(&at, rq->headers[i].name,
								strlen(rq->headers[i].name));
			d->req.headers[i].value = api_arena_put(&at, rq->headers[i].value,
								 strlen(rq->headers[i].value));
		}
		d->req.nheaders = rq->nheaders;
		d->req.body = api_arena_put(&at, rq->body ? rq->body : "", rq->body_len);
		d->req.body_len = rq->body_len;
	}
	snprintf(d->method, sizeof(d->method), "%s", call->req->method_name);
	snprintf(d->remote, sizeof(d->remote), "%s", call->remote ? call->remote : "");
	d->req.method = call->req->method;
	d->req.method_name = d->method;
	d->req.path = d->path;
	if (!whole) {
		d->req.query = "";
		d->req.body = "";
	}
	d->req.keep_alive = call->req->keep_alive;
	d->req.http_major = call->req->http_major;
	d->req.http_minor = call->req->http_minor;
	d->call.req = &d->req;
	d->call.remote = d->remote;
	d->call.reply = server_pending_reply(p);
	for (size_t i = 0; i < API_MAX_PARAMS; i++)
		if (call->params[i])
			d->call.params[i] = d->call.param_buf + (call->params[i] - call->param_buf);
	call->deferred = true;
	return &d->call;
}

struct api_call *api_defer(struct api_call *call)
{
	return api_defer_copy(call, false);
}

/* The router's after-work of a deferred call: audit row and metrics. */
static void api_after(struct api_call *call)
{
	if (call->route)
		api_portal_after(call, call->route);
	api_metrics_count(call->api->metrics, call->route_idx, call->reply->status);
}

/* Sends the answer of a deferred call and frees it. */
static void api_send(struct api_call *call)
{
	struct api_deferred *d = (struct api_deferred *)call;

	log_debug("api: %s %s %d %s (deferred)", d->method, d->path, call->reply->status,
		  d->remote);
	server_pending_done(d->pending);
	free(d);
}

void api_finish(struct api_call *deferred)
{
	api_after(deferred);
	api_send(deferred);
}

/* ---- group commit of booking decisions ---------------------------------------------------
 * The rush of issue 6: each decision is a small write transaction plus an audit row, and
 * the durable commit (fsync) is what costs. Calls of these routes are queued whole and run
 * at the end of the loop round inside one transaction (store_group.h: each store function's
 * own transaction becomes a savepoint, so a refusal or failure undoes only its request),
 * with their audit rows; one commit, then every answer. Capacity stays exact: the calls run
 * one after another on the loop, each seeing what the previous ones wrote. */

#define API_GROUP_MAX 128

static struct api_deferred *api_group_head, **api_group_tail = &api_group_head;

static bool api_grouped(const struct api_route *r)
{
	return r->fn == api_bookings_create || r->fn == api_booking_decision ||
	       r->fn == api_booking_cancel || r->fn == api_booking_accept;
}

static bool api_group_queue(struct api_call *call)
{
	struct api_call *d = api_defer_copy(call, true);

	if (!d)
		return false;
	((struct api_deferred *)d)->next = NULL;
	*api_group_tail = (struct api_deferred *)d;
	api_group_tail = &((struct api_deferred *)d)->next;
	return true;
}

static void api_group_fail(struct api_call *call)
{
	netbuf_clear(&call->reply->body);
	call->reply->extra[0] = '\0';
	api_reply_error(call, 503, "store_unavailable", NULL);
	snprintf(call->reply->extra, sizeof(call->reply->extra), "Retry-After: 1\r\n");
}

static void api_group_flush(struct api *api)
{
	struct api_deferred *batch[API_GROUP_MAX];

	while (api_group_head) {
		size_t n = 0, ran = 0;
		bool lost = false, grouped;
		int err;

		while (api_group_head && n < API_GROUP_MAX) {
			batch[n++] = api_group_head;
			api_group_head = api_group_head->next;
		}
		if (!api_group_head)
			api_group_tail = &api_group_head;
		/* Without a group (begin failed), each call runs in its own transactions. */
		err = store_group_begin(api->opts.store);
		grouped = err == 0;
		for (size_t i = 0; i < n; i++) {
			struct api_call *call = &batch[i]->call;

			call->route->fn(call);
			api_after(call);
			ran++;
			if (grouped && !store_group_alive(api->opts.store)) {
				lost = true;
				break;
			}
		}
		err = 0;
		if (grouped)
			err = lost ? -EIO : store_group_commit(api->opts.store);
		if (lost)
			store_group_rollback(api->opts.store);
		if (err < 0)
			log_warn("api: group of %zu portal writes not committed: %s", ran,
				 strerror(-err));
		for (size_t i = 0; i < n; i++) {
			struct api_call *call = &batch[i]->call;

			if (i >= ran) {
				/* After a lost transaction: alone, each in its own. */
				call->route->fn(call);
				api_after(call);
			} else if (err < 0 && call->reply->status < 400) {
				api_group_fail(call);
			}
			api_send(call);
		}
	}
}

bool api_round(void *arg)
{
	bool more = api_device_flush(arg);

	api_group_flush(arg);
	return more;
}

void api_tick(void *arg)
{
	struct api *api = arg;
	int64_t now = clock_mono_ms(), wall;
	struct store_device *devs = NULL;
	char **ids = NULL;
	size_t n = 0;

	/* Waitlist offers past their deadline expire and pass to the next in line on this
	 * tick, not only when someone reads bookings (a read when none is due). */
	if (now >= api->next_offer_check) {
		size_t expired = 0;

		api->next_offer_check = now + API_OFFER_TICK_MS;
		if (store_booking_expire_offers(api->opts.store, API_BOOKING_OFFER_MS,
						api_booking_fit, NULL, clock_wall_ms(), &expired) < 0)
			log_warn("api: expiring waitlist offers failed");
		else if (expired)
			log_info("api: %zu waitlist offers expired and passed on", expired);
	}
	if (api->opts.silent_ms <= 0 || now < api->next_silent_check)
		return;
	api->next_silent_check = now + (api->opts.silent_ms / 4 > 1000 ? api->opts.silent_ms / 4
					: 1000);
	wall = clock_wall_ms();
	if (store_device_list_silent(api->opts.store, wall, api->opts.silent_ms, &devs, &n) < 0)
		return;
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		goto out;
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		for (size_t j = 0; j < api->nsilent && !known; j++)
			known = strcmp(api->silent[j], devs[i].id) == 0;
		if (!known)
			log_warn("api: reader %s of %s went silent (last seen %s)", devs[i].id,
				 devs[i].facility, devs[i].last_seen_ms ? "before the threshold"
				 : "never");
		ids[i] = strdup(devs[i].id);
	}
	for (size_t j = 0; j < api->nsilent; j++) {
		bool still = false;

		for (size_t i = 0; i < n && !still; i++)
			still = ids[i] && strcmp(api->silent[j], ids[i]) == 0;
		if (!still)
			log_notice("api: reader %s is heard from again", api->silent[j]);
	}
	api_silent_clear(api);
	api->silent = ids;
	api->nsilent = n;
out:
	free(devs);
}
