/* Scope decisions on identities (see scope.h). */
#include "hub/auth/scope.h"

#include "hub/domain/org.h"

#include <string.h>

bool auth_scope_district(const struct auth_identity *id, const char *district)
{
	if (id->roles & AUTH_CITYWIDE)
		return true;
	return (id->roles & (AUTH_ROLE_DISTRICT | AUTH_ROLE_COORDINATOR)) && id->district[0] &&
	       district && strcmp(id->district, district) == 0;
}

bool auth_scope_facility(const struct auth_identity *id, const char *district,
			 const char *type, const char *code)
{
	enum org_type t;

	if (id->roles & AUTH_CITYWIDE)
		return true;
	if ((id->roles & AUTH_ROLE_CENTER) && id->facility[0] && code &&
	    strcmp(id->facility, code) == 0)
		return true;
	if (!auth_scope_district(id, district))
		return false;
	if (!id->ftypes)
		return true;
	return type && org_type_parse(type, &t) == 0 && (id->ftypes & (1u << t));
}

bool auth_scope_facility_read(const struct auth_identity *id, const char *district,
			      const char *type, const char *code)
{
	/* The support centers run the open playrooms: they read them, never change them. */
	if ((id->roles & AUTH_ROLE_SUPPORT_CITY) && type && !strcmp(type, "CC"))
		return true;
	return auth_scope_facility(id, district, type, code);
}

bool auth_scope_coordinators(const struct auth_identity *id, const char *district)
{
	if (id->roles & (AUTH_CITYWIDE | AUTH_ROLE_COORD_CITY | AUTH_ROLE_SUPPORT_CITY))
		return true;
	return (id->roles & (AUTH_ROLE_COORD_DISTRICT | AUTH_ROLE_COORD_CODE)) && id->district[0] &&
	       district && strcmp(id->district, district) == 0;
}

bool auth_scope_account(const struct auth_identity *id, const char *account,
			const char *district, const char *facility)
{
	char d[3];
	enum org_type t;
	int n;

	if (id->account[0] && account && strcmp(id->account, account) == 0)
		return true;
	if (id->roles & AUTH_CITYWIDE)
		return true;
	if (!facility || !facility[0] || org_facility_code_parse(facility, d, &t, &n) < 0)
		return false;
	if (!(id->roles & (AUTH_ROLE_DISTRICT | AUTH_ROLE_CENTER | AUTH_ROLE_COORDINATOR)))
		return false;
	(void)district;
	return auth_scope_facility(id, d, org_type_code(t), facility);
}
