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
};

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
