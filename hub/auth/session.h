/*
 * Portal sessions. A session id is 256 random bits (libsodium randombytes), sent to the
 * browser once as the cookie kium_session=<43 base64url chars>; HttpOnly; Secure;
 * SameSite=Strict; Path=/. The store keeps only BLAKE2b-256 of it. A session ends after
 * SESSION_IDLE_MS without a request or SESSION_ABSOLUTE_MS after login, whichever comes
 * first, or at logout. Each session has a CSRF token (another 256 random bits) that
 * session-authenticated POST/PUT/PATCH/DELETE requests must echo in X-CSRF-Token.
 *
 * The identity of a session is rebuilt from the account on every request (roles and scope
 * in struct auth_identity), so a role change or a lock takes effect at once.
 */
#ifndef KIUM_HUB_AUTH_SESSION_H
#define KIUM_HUB_AUTH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/auth/roles.h"

struct store;

#define SESSION_COOKIE "kium_session"
#define SESSION_ID_TEXT 44             /* 43 base64url characters and NUL */
#define SESSION_CSRF_TEXT 44
#define SESSION_IDLE_MS (30LL * 60 * 1000)
#define SESSION_ABSOLUTE_MS (12LL * 3600 * 1000)
#define SESSION_MAX_FAILURES 5         /* consecutive login failures that lock an account */

/* Creates a session for account; writes the cookie value and the CSRF token. */
int session_create(struct store *st, const char *account, const char *remote, int64_t now_ms,
		   char sid[SESSION_ID_TEXT], char csrf[SESSION_CSRF_TEXT]);
/* The session id in a Cookie header value, copied to sid; false when there is none. */
bool session_cookie_get(const char *cookie_header, char sid[SESSION_ID_TEXT]);
/* Establishes the identity of a session id: AUTH_OK fills id (roles, scope, csrf);
 * AUTH_BAD_TOKEN for unknown, expired or malformed ids and for accounts that are no longer
 * approved, enabled and unlocked (an expired session is deleted); AUTH_STORE. */
enum auth_fail session_auth(struct store *st, const char *sid, int64_t now_ms,
			    struct auth_identity *id);
/* Ends the session (logout). -ENOENT when it did not exist. */
int session_end(struct store *st, const uint8_t hash[32]);
/* Fills roles and scope of id from an account; -EACCES when the account may not act
 * (not approved, disabled, locked), -ENOENT, -EIO. Used by session_auth and tests. */
int session_identity(struct store *st, const char *account, struct auth_identity *id);
/* "city:UK,district:NW" style description of id's roles for audit rows. */
void session_roles_text(const struct auth_identity *id, char *out, size_t outlen);
/* Whether two strings are equal, in time independent of where they differ. */
bool session_token_equal(const char *a, const char *b);

#endif
