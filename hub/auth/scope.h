/*
 * Who may see what, in one place: city-wide roles (city, operations, developer) see all;
 * a district officer or coordinator sees the facilities of their district (of the facility
 * types their roles name, when they name any); a support-center officer (시관리자_
 * 육아종합지원센터) reads open playrooms (CC) everywhere; a center account sees its own facility; a
 * parent sees only children linked to them (hub/api checks the link in the store). Routes
 * still declare which roles they admit; these answer "and is this object theirs?".
 */
#ifndef KIUM_HUB_AUTH_SCOPE_H
#define KIUM_HUB_AUTH_SCOPE_H

#include <stdbool.h>

#include "hub/auth/roles.h"

/* A facility of district (code "NW") and type ("UK") whose code is code ("NWUK015"). */
bool auth_scope_facility(const struct auth_identity *id, const char *district,
			 const char *type, const char *code);
/* The same for reading a facility's record: a support-center officer also reads every open
 * playroom (CC). Routes that change anything use auth_scope_facility. */
bool auth_scope_facility_read(const struct auth_identity *id, const char *district,
			      const char *type, const char *code);
/* Things of a whole district (its officers' data, its account lists). */
bool auth_scope_district(const struct auth_identity *id, const char *district);
/* Coordinator accounts (보육반장) of district, for the coordinator programme's roles:
 * city-level ones see every district's, district-level ones their own. Whether an account
 * is a coordinator's is the store's (api_scope_account asks it). */
bool auth_scope_coordinators(const struct auth_identity *id, const char *district);
/* An account: oneself, or a staff account (bound to facility, "" for none) in scope. */
bool auth_scope_account(const struct auth_identity *id, const char *account,
			const char *district, const char *facility);

#endif
