/*
 * Who may call what. A caller's identity is a set of roles (a bitmask); each route declares
 * the roles it admits, and the router lets a request through when the sets meet. Today the
 * roles come from a device's client certificate or an admin API token; the account system
 * (a later issue) adds sessions whose accounts carry the people's roles below, without
 * changing the routes' declarations.
 *
 * Device identity: a client certificate that chains to the private CA (TLS verifies it,
 * optionally, at the handshake), whose CN names a device the store knows, not revoked, and
 * whose serial and SHA-256 fingerprint are the ones the store recorded for that device.
 * The store is asked on every device request, so revoking a device (kiumctl device revoke)
 * refuses it from its next request on, even on a connection or TLS session made before; the
 * CRL, when configured, refuses it already at new handshakes.
 */
#ifndef KIUM_HUB_AUTH_ROLES_H
#define KIUM_HUB_AUTH_ROLES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tap.h"

struct store;
struct tls_peer;

enum auth_role {
	AUTH_ROLE_DEVICE = 1u << 0,   /* a door reader (client certificate) */
	AUTH_ROLE_ADMIN = 1u << 1,    /* operator, 총괄운영 (API token "admin") */
	AUTH_ROLE_METRICS = 1u << 2,  /* a metrics scraper (API token "metrics") */
	AUTH_ROLE_CITY = 1u << 3,     /* 시관리자 (accounts, later) */
	AUTH_ROLE_DISTRICT = 1u << 4, /* 구관리자 (accounts, later) */
	AUTH_ROLE_CENTER = 1u << 5,   /* 센터관리자 (accounts, later) */
	AUTH_ROLE_PARENT = 1u << 6,   /* 보호자 (accounts, later) */
	AUTH_ROLE_DEVELOPER = 1u << 7,   /* 개발자권한 (portal accounts) */
	AUTH_ROLE_COORDINATOR = 1u << 8, /* 보육반장, childcare coordinator (portal accounts) */
	/* The coordinator programme's and the childcare support centers' officers (seed 001's
	 * 일괄권한지정): outside the facilities' hierarchy, they see coordinator accounts only
	 * (and the support centers also open playrooms, type CC), never children or bookings.
	 * PORTAL.md has what each may do and why. */
	AUTH_ROLE_COORD_CITY = 1u << 9,     /* 시관리자_보육반장: coordinators of every district */
	AUTH_ROLE_COORD_DISTRICT = 1u << 10, /* 구관리자_보육반장: coordinators of their district */
	AUTH_ROLE_SUPPORT_CITY = 1u << 11,  /* 시관리자_육아종합지원센터: reads coordinators and
					     * open playrooms (CC) city-wide */
	AUTH_ROLE_COORD_CODE = 1u << 12,    /* 보육반장코드: reads the coordinator list (ids,
					     * the codes) of their district */
};

/* Portal roles that see everything (scope "city"). */
#define AUTH_CITYWIDE (AUTH_ROLE_CITY | AUTH_ROLE_ADMIN | AUTH_ROLE_DEVELOPER)
/* Every staff role of the portal. */
#define AUTH_STAFF (AUTH_CITYWIDE | AUTH_ROLE_DISTRICT | AUTH_ROLE_CENTER | AUTH_ROLE_COORDINATOR)

/* The coordinator programme's roles (not staff: AUTH_STAFF routes do not admit them). */
#define AUTH_PROGRAM (AUTH_ROLE_COORD_CITY | AUTH_ROLE_COORD_DISTRICT | AUTH_ROLE_SUPPORT_CITY | \
		      AUTH_ROLE_COORD_CODE)
/* Those of them that manage coordinator accounts (사용여부). */
#define AUTH_COORD_ADMIN (AUTH_ROLE_COORD_CITY | AUTH_ROLE_COORD_DISTRICT)
/* Every portal account role: what one's own session routes admit. */
#define AUTH_ACCOUNT (AUTH_STAFF | AUTH_ROLE_PARENT | AUTH_PROGRAM)

/* A route admitting AUTH_PUBLIC needs no identity at all. */
#define AUTH_PUBLIC 0u

/* Why an identity could not be established, as a stable error code for the answer. */
enum auth_fail {
	AUTH_OK = 0,
	AUTH_NO_CERT,        /* 401 client_certificate_required */
	AUTH_CERT_UNTRUSTED, /* 403 certificate_not_trusted: not from the private CA, expired, in the CRL */
	AUTH_DEVICE_UNKNOWN, /* 403 device_unknown */
	AUTH_DEVICE_REVOKED, /* 403 device_revoked */
	AUTH_CERT_MISMATCH,  /* 403 certificate_mismatch: not the certificate issued to that device */
	AUTH_NO_TOKEN,       /* 401 unauthorized */
	AUTH_BAD_TOKEN,      /* 401 unauthorized */
	AUTH_STORE,          /* 503 store_unavailable */
};

struct auth_identity {
	unsigned roles;
	char device[TAP_DEVICE_ID_MAX];   /* AUTH_ROLE_DEVICE: the certificate's CN */
	char facility[16];                /* AUTH_ROLE_DEVICE: the device's facility */
	int64_t device_last_seen_ms;
	int64_t token_id;                 /* token roles: the token's id (for audit logs) */
	/* Portal sessions (hub/auth/session.c): the account and its scope. For a center
	 * account, `facility` above is its facility. */
	bool session;                     /* from a session cookie: CSRF applies */
	char account[32];                 /* the account id */
	char district[4];                 /* DISTRICT, CENTER, COORDINATOR, COORD_DISTRICT,
					   * COORD_CODE: the district code */
	unsigned ftypes;                  /* facility types (1 << enum org_type) the district
					   * and center roles cover; 0 when none given */
	char csrf[64];                    /* the session's CSRF token */
	bool must_change_pw;              /* the account must change its password first: the
					   * session may only read itself, change the password
					   * and log out (portal_scope.c) */
	uint8_t session_hash[32];
};

/* The role bit of a token's role name ("admin", "metrics", ...); 0 when unknown. */
unsigned auth_role_from_name(const char *name);

/* Establishes the device role from the TLS peer. AUTH_OK adds AUTH_ROLE_DEVICE to id. */
enum auth_fail auth_device(struct store *st, const struct tls_peer *peer,
			   struct auth_identity *id);
/* Establishes token roles from an "Authorization" header value (may be NULL). */
enum auth_fail auth_bearer(struct store *st, const char *authorization,
			   struct auth_identity *id);
/* Whether two certificate serial numbers are the same number, whatever their notation
 * ("01:A2:FF", "01a2ff", "1A2FF"). */
bool auth_serial_equal(const char *a, const char *b);

#endif
