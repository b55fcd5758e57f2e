/*
 * The portal's back-office API (issue 5): login and sessions, sign-ups and approvals,
 * staff accounts and roles, guardian links, password reset and id lookup, the audit log.
 * Handlers live in portal_auth.c, portal_accounts.c, portal_staff.c (the account list,
 * staff moves and leaving) and portal_children.c; the helpers
 * every portal handler uses (scope checks, audit rows, field errors) in portal_scope.c.
 * Everything runs on the event loop's thread.
 */
#ifndef KIUM_HUB_API_PORTAL_H
#define KIUM_HUB_API_PORTAL_H

#include <stdbool.h>

#include "hub/api/api.h"

struct store_facility;
struct store_child;
struct store_account;

/* Called by the router for routes admitting non-device roles: establishes a session
 * identity from the kium_session cookie and enforces X-CSRF-Token on POST/PUT/PATCH/DELETE.
 * 1: identity set; 0: no session cookie (try other credentials); -1: refused (answered). */
int api_session_admit(struct api_call *call);
/* Called by the router after every answered route: writes the audit row of a state-changing
 * call (every method but GET/HEAD, device calls excepted: the taps table is their record),
 * and of a successful read by a non-portal route that answers children's names. */
void api_portal_after(struct api_call *call, const struct api_route *r);
/* The message of a portal error code, or NULL (json.c falls back to it). */
const char *api_portal_error_message(const char *code);

/* Scope checks: each loads the object, answers 404 (unknown) or 403 out_of_scope, and
 * returns false; true when the caller may act on it (out, when not NULL, is filled). */
bool api_scope_facility(struct api_call *call, const char *code, struct store_facility *out);
/* The same for reading a facility's record (auth_scope_facility_read). */
bool api_scope_facility_read(struct api_call *call, const char *code,
			     struct store_facility *out);
bool api_scope_child(struct api_call *call, const char *child, struct store_child *out);
bool api_scope_account(struct api_call *call, const char *account, struct store_account *out);
/* Whether account a is a coordinator's (the coordinator role and no role but
 * coordinator_code) that the caller's coordinator programme roles reach (scope.h). */
bool api_coordinator_in_reach(struct api_call *call, const struct store_account *a);
/* Writes an audit row now (reads of a child's personal data), with the reply's status. */
void api_audit(struct api_call *call, const char *action, const char *target);
/* Names what the current call acts on, for the router's audit row. */
void api_audit_target(struct api_call *call, const char *target);
/* The client's IP address (without port) of a call. */
void api_remote_ip(const struct api_call *call, char *out, size_t outlen);

/* The per-address brake (portal_throttle.c): api_portal_throttled answers 429 and returns
 * true when the caller's address spent its budget in the current window;
 * api_portal_throttle_charge spends points (a failed login 1, an outbox request 2; negative
 * points refund, never below zero). */
bool api_portal_throttled(struct api_call *call);
void api_portal_throttle_charge(struct api_call *call, int points);
/* Forgets every address (tests). */
void api_portal_throttle_reset(void);

/* JSON field helpers: the string value of key, or NULL when absent. Non-strings answer 400
 * field_invalid and set *bad. */
const char *api_field(struct api_call *call, json_t *o, const char *key, bool required,
		      bool *bad);

/* An account as JSON: the list's fields, and with detail its contact fields and facility
 * history; both with its roles. */
json_t *api_account_json(struct store *st, const struct store_account *a, bool detail);

/* Handlers. */
void api_portal_login(struct api_call *call);
void api_portal_session_get(struct api_call *call);
void api_portal_logout(struct api_call *call);
void api_portal_password_change(struct api_call *call);
void api_portal_signup_district(struct api_call *call);
void api_portal_phone_verification(struct api_call *call);
void api_portal_signup_parent(struct api_call *call);
void api_portal_reset_request(struct api_call *call);
void api_portal_reset_confirm(struct api_call *call);
void api_portal_id_lookup(struct api_call *call);
void api_portal_roles(struct api_call *call);
void api_portal_accounts(struct api_call *call);
void api_portal_account_get(struct api_call *call);
void api_portal_approval(struct api_call *call);
void api_portal_approvals(struct api_call *call);
void api_portal_roles_set(struct api_call *call);
void api_portal_roles_bulk(struct api_call *call);
void api_portal_unlock(struct api_call *call);
void api_portal_enabled(struct api_call *call);
void api_portal_account_history(struct api_call *call);
void api_portal_staff_create(struct api_call *call);
void api_portal_staff_list(struct api_call *call);
void api_portal_staff_move(struct api_call *call);
void api_portal_staff_leave(struct api_call *call);
void api_portal_audit(struct api_call *call);
void api_portal_child_get(struct api_call *call);
void api_portal_guardian_request(struct api_call *call);
void api_portal_guardian_confirm(struct api_call *call);
void api_portal_guardian_list(struct api_call *call);

#endif
