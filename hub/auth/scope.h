/*
 * Who may see what, in one place: city-wide roles (city, operations, developer) see all;
 * a district officer or coordinator sees the facilities of their district (of the facility
 * types their roles name, when they name any); a center account sees its own facility; a
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
/* Things of a whole district (its officers' data, its account lists). */
bool auth_scope_district(const struct auth_identity *id, const char *district);
/* An account: oneself, or a staff account (bound to facility, "" for none) in scope. */
bool auth_scope_account(const struct auth_identity *id, const char *account,
			const char *district, const char *facility);

#endif
