/*
 * Portal roles of seed 001 (일괄권한지정) as (role kind, facility type): 시관리자_우리동네키움센터
 * is ("city", "UK"). Kinds: developer (개발자권한), operations (총괄운영), city, district and
 * center admins per facility type, coordinator (보육반장), the coordinator programme's
 * officers (coordinator_city 시관리자_보육반장, coordinator_district 구관리자_보육반장,
 * coordinator_code 보육반장코드) and the support centers' (support_center_city
 * 시관리자_육아종합지원센터), parent (보호자 회원). One table
 * holds the Korean display names and the auth role bit each grant gives (hub/auth/roles.h).
 * Also the account field rules the portal shares (phone normalisation, account ids).
 */
#ifndef KIUM_HUB_DOMAIN_ACCOUNTS_H
#define KIUM_HUB_DOMAIN_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

struct accounts_role {
	const char *kind;   /* "city" */
	const char *type;   /* "UK", or "" for kinds without a facility type */
	unsigned bit;       /* enum auth_role */
	const char *name;   /* "시관리자_우리동네키움센터" */
};

extern const struct accounts_role accounts_roles[];
extern const size_t accounts_nroles;

/* The grant (kind, type), or NULL when the seed has no such role. type may be NULL for "". */
const struct accounts_role *accounts_role_find(const char *kind, const char *type);

/* Korean display name of an approval state ("pending" -> "승인대기"), or NULL. */
const char *accounts_state_name(const char *state);
/* Whether a city officer may move an account from one approval state to another. */
bool accounts_state_move_ok(const char *from, const char *to);

/* A phone number checked by org_phone_valid, as digits only ("010-1234-5678" ->
 * "01012345678"). out holds at least 16 bytes. 0 or -EINVAL. */
int accounts_phone_normalize(const char *in, char *out, size_t outlen);
/* A self-chosen login id (district officers, parents): 4..20 of [A-Za-z0-9_], starting
 * with a letter, and not shaped like a staff id (which are issued by the rule). */
bool accounts_login_id_valid(const char *id);
/* A person's name: 1..63 bytes of (already valid) UTF-8, no control characters, not only
 * spaces. */
bool accounts_name_valid(const char *name);
/* Free text (reasons): 1..max bytes, no control characters, not only spaces. */
bool accounts_text_valid(const char *s, size_t max);

#endif
