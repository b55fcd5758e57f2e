/* Identities of callers: device certificates and API tokens (see roles.h). */
#include "hub/auth/roles.h"

#include "common/log.h"
#include "hub/net/tls.h"
#include "hub/store/store.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

unsigned auth_role_from_name(const char *name)
{
	static const struct {
		const char *name;
		unsigned role;
	} roles[] = {
		{ "device", AUTH_ROLE_DEVICE },     { "admin", AUTH_ROLE_ADMIN },
		{ "metrics", AUTH_ROLE_METRICS },   { "city", AUTH_ROLE_CITY },
		{ "district", AUTH_ROLE_DISTRICT }, { "center", AUTH_ROLE_CENTER },
		{ "parent", AUTH_ROLE_PARENT },
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].role;
	return 0;
}

/* Hex digits of a serial, lower case, without separators and leading zeros. */
static void auth_serial_norm(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *s && o + 1 < outlen; s++) {
		if (!isxdigit((unsigned char)*s))
			continue;
		if (o == 0 && *s == '0')
			continue;
		out[o++] = (char)tolower((unsigned char)*s);
	}
	out[o] = '\0';
}

bool auth_serial_equal(const char *a, const char *b)
{
	char na[96], nb[96];

	auth_serial_norm(a, na, sizeof(na));
	auth_serial_norm(b, nb, sizeof(nb));
	return strcmp(na, nb) == 0;
}

enum auth_fail auth_device(struct store *st, const struct tls_peer *peer,
			   struct auth_identity *id)
{
	struct store_device d;
	int err;

	if (!peer || !peer->cert_present)
		return AUTH_NO_CERT;
	if (!peer->cert_verified || !tap_device_id_valid(peer->cn))
		return AUTH_CERT_UNTRUSTED;
	err = store_device_get(st, peer->cn, &d);
	if (err == -ENOENT)
		return AUTH_DEVICE_UNKNOWN;
	if (err < 0)
		return AUTH_STORE;
	if (d.revoked)
		return AUTH_DEVICE_REVOKED;
	if (d.cert_serial[0] && !auth_serial_equal(d.cert_serial, peer->serial))
		return AUTH_CERT_MISMATCH;
	if (d.cert_sha256[0] && strcasecmp(d.cert_sha256, peer->sha256) != 0)
		return AUTH_CERT_MISMATCH;
	snprintf(id->device, sizeof(id->device), "%s", d.id);
	snprintf(id->facility, sizeof(id->facility), "%s", d.facility);
	id->device_last_seen_ms = d.last_seen_ms;
	id->roles |= AUTH_ROLE_DEVICE;
	return AUTH_OK;
}

enum auth_fail auth_bearer(struct store *st, const char *authorization,
			   struct auth_identity *id)
{
	char role[STORE_SHORT_MAX];
	const char *secret;
	int64_t tid = 0;
	unsigned bit;
	int err;

	if (!authorization || !authorization[0])
		return AUTH_NO_TOKEN;
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return AUTH_BAD_TOKEN;
	secret = authorization + 7;
	while (*secret == ' ')
		secret++;
	if (strlen(secret) >= STORE_TOKEN_MAX)
		return AUTH_BAD_TOKEN;
	err = store_token_verify(st, secret, &tid, role, sizeof(role));
	if (err == -EACCES || err == -EINVAL || err == -ENOENT)
		return AUTH_BAD_TOKEN;
	if (err < 0)
		return AUTH_STORE;
	bit = auth_role_from_name(role);
	if (!bit)
		return AUTH_BAD_TOKEN;
	id->roles |= bit;
	id->token_id = tid;
	return AUTH_OK;
}
