/* Portal sessions and the identity of an account (see session.h). */
#include "hub/auth/session.h"

#include "common/log.h"
#include "hub/domain/accounts.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void session_random_text(char *out, size_t outlen)
{
	uint8_t raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, outlen, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static void session_hash(const char *sid, uint8_t hash[STORE_HASH_BYTES])
{
	crypto_generichash(hash, STORE_HASH_BYTES, (const uint8_t *)sid, strlen(sid), NULL, 0);
}

int session_create(struct store *st, const char *account, const char *remote, int64_t now_ms,
		   char sid[SESSION_ID_TEXT], char csrf[SESSION_CSRF_TEXT])
{
	uint8_t hash[STORE_HASH_BYTES];
	char ip[64];
	const char *colon;

	if (sodium_init() < 0)
		return -EIO;
	session_random_text(sid, SESSION_ID_TEXT);
	session_random_text(csrf, SESSION_CSRF_TEXT);
	session_hash(sid, hash);
	snprintf(ip, sizeof(ip), "%s", remote ? remote : "");
	colon = strrchr(ip, ':');
	if (colon && !strchr(ip, ']') && strchr(ip, ':') == colon)
		ip[colon - ip] = '\0';
	return store_session_create(st, hash, account, csrf, ip, now_ms);
}

bool session_cookie_get(const char *h, char sid[SESSION_ID_TEXT])
{
	static const char name[] = SESSION_COOKIE "=";

	while (h && *h) {
		size_t n;

		while (*h == ' ' || *h == ';')
			h++;
		n = strcspn(h, ";");
		if (n > sizeof(name) - 1 && strncmp(h, name, sizeof(name) - 1) == 0) {
			const char *v = h + sizeof(name) - 1;
			size_t vl = n - (sizeof(name) - 1);

			while (vl && v[vl - 1] == ' ')
				vl--;
			if (vl != SESSION_ID_TEXT - 1)
				return false;
			for (size_t i = 0; i < vl; i++)
				if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
				      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_'))
					return false;
			memcpy(sid, v, vl);
			sid[vl] = '\0';
			return true;
		}
		h += n;
	}
	return false;
}

int session_identity(struct store *st, const char *account, struct auth_identity *id)
{
	struct store_account a;
	struct store_role *roles = NULL;
	size_t n = 0;
	int r;

	if ((r = store_account_get(st, account, &a)) < 0)
		return r;
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	if (strcmp(a.state, "approved") != 0 || !a.enabled || a.locked_ms)
		return -EACCES;
	if ((r = store_account_roles(st, account, &roles, &n)) < 0)
		return r;
	snprintf(id->account, sizeof(id->account), "%s", a.id);
	snprintf(id->district, sizeof(id->district), "%.3s", a.district);
	snprintf(id->facility, sizeof(id->facility), "%s", a.facility);
	id->must_change_pw = a.must_change_pw;
	for (size_t i = 0; i < n; i++) {
		const struct accounts_role *def = accounts_role_find(roles[i].role, roles[i].type);
		enum org_type t;

		if (!def)
			continue;
		/* District and center roles need the scope they are about. */
		if ((def->bit & (AUTH_ROLE_DISTRICT | AUTH_ROLE_COORDINATOR |
				 AUTH_ROLE_COORD_DISTRICT | AUTH_ROLE_COORD_CODE)) && !a.district[0])
			continue;
		if (def->bit == AUTH_ROLE_CENTER && !a.facility[0])
			continue;
		id->roles |= def->bit;
		if (def->type[0] && org_type_parse(def->type, &t) == 0)
			id->ftypes |= 1u << t;
	}
	free(roles);
	return 0;
}

enum auth_fail session_auth(struct store *st, const char *sid, int64_t now_ms,
			    struct auth_identity *id)
{
	uint8_t hash[STORE_HASH_BYTES];
	struct store_session s;
	int r;

	if (sodium_init() < 0)
		return AUTH_STORE;
	session_hash(sid, hash);
	r = store_session_get(st, hash, &s);
	if (r == -ENOENT)
		return AUTH_BAD_TOKEN;
	if (r < 0)
		return AUTH_STORE;
	if (now_ms - s.last_ms >= SESSION_IDLE_MS || now_ms - s.created_ms >= SESSION_ABSOLUTE_MS) {
		store_session_delete(st, hash);
		return AUTH_BAD_TOKEN;
	}
	r = session_identity(st, s.account, id);
	if (r == -EACCES || r == -ENOENT)
		return AUTH_BAD_TOKEN;
	if (r < 0)
		return AUTH_STORE;
	if (now_ms - s.last_ms >= 1000 && store_session_touch(st, hash, now_ms) < 0)
		return AUTH_STORE;
	id->session = true;
	snprintf(id->csrf, sizeof(id->csrf), "%s", s.csrf);
	memcpy(id->session_hash, hash, sizeof(id->session_hash));
	return AUTH_OK;
}

int session_end(struct store *st, const uint8_t hash[32])
{
	return store_session_delete(st, hash);
}

void session_roles_text(const struct auth_identity *id, char *out, size_t outlen)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ AUTH_ROLE_DEVICE, "device" },   { AUTH_ROLE_ADMIN, "operations" },
		{ AUTH_ROLE_METRICS, "metrics" }, { AUTH_ROLE_CITY, "city" },
		{ AUTH_ROLE_DISTRICT, "district" }, { AUTH_ROLE_CENTER, "center" },
		{ AUTH_ROLE_PARENT, "parent" },   { AUTH_ROLE_DEVELOPER, "developer" },
		{ AUTH_ROLE_COORDINATOR, "coordinator" },
		{ AUTH_ROLE_COORD_CITY, "coordinator_city" },
		{ AUTH_ROLE_COORD_DISTRICT, "coordinator_district" },
		{ AUTH_ROLE_SUPPORT_CITY, "support_center_city" },
		{ AUTH_ROLE_COORD_CODE, "coordinator_code" },
	};
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k;

		if (!(id->roles & names[i].bit))
			continue;
		k = snprintf(out + o, outlen - o, "%s%s", o ? "," : "", names[i].name);
		if (k < 0 || (size_t)k >= outlen - o)
			break;
		o += (size_t)k;
	}
}

bool session_token_equal(const char *a, const char *b)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;

	if (!la || la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
