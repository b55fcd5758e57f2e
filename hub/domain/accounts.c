/* The portal's role table and account field rules (see accounts.h). */
#include "hub/domain/accounts.h"

#include "hub/auth/roles.h"
#include "hub/domain/org.h"

#include <errno.h>
#include <string.h>

const struct accounts_role accounts_roles[] = {
	{ "developer", "", AUTH_ROLE_DEVELOPER, "개발자권한" },
	{ "operations", "", AUTH_ROLE_ADMIN, "총괄운영" },
	{ "city", "UK", AUTH_ROLE_CITY, "시관리자_우리동네키움센터" },
	{ "city", "CC", AUTH_ROLE_CITY, "시관리자_열린육아방" },
	{ "city", "GI", AUTH_ROLE_CITY, "시관리자_지역아동센터" },
	{ "city", "SK", AUTH_ROLE_CITY, "시관리자_서울형키즈카페" },
	{ "district", "UK", AUTH_ROLE_DISTRICT, "구관리자_우리동네키움센터" },
	{ "district", "CC", AUTH_ROLE_DISTRICT, "구관리자_열린육아방" },
	{ "district", "GI", AUTH_ROLE_DISTRICT, "구관리자_지역아동센터" },
	{ "district", "SK", AUTH_ROLE_DISTRICT, "구관리자_서울형키즈카페" },
	{ "center", "UK", AUTH_ROLE_CENTER, "센터관리자_우리동네키움센터" },
	{ "center", "CC", AUTH_ROLE_CENTER, "센터관리자_열린육아방" },
	{ "center", "GI", AUTH_ROLE_CENTER, "센터관리자_지역아동센터" },
	{ "center", "SK", AUTH_ROLE_CENTER, "센터관리자_서울형키즈카페" },
	{ "coordinator", "", AUTH_ROLE_COORDINATOR, "보육반장" },
	{ "coordinator_city", "", AUTH_ROLE_COORD_CITY, "시관리자_보육반장" },
	{ "coordinator_district", "", AUTH_ROLE_COORD_DISTRICT, "구관리자_보육반장" },
	{ "support_center_city", "", AUTH_ROLE_SUPPORT_CITY, "시관리자_육아종합지원센터" },
	{ "coordinator_code", "", AUTH_ROLE_COORD_CODE, "보육반장코드" },
	{ "parent", "", AUTH_ROLE_PARENT, "보호자(회원)" },
};
const size_t accounts_nroles = sizeof(accounts_roles) / sizeof(accounts_roles[0]);

const struct accounts_role *accounts_role_find(const char *kind, const char *type)
{
	if (!kind)
		return NULL;
	if (!type)
		type = "";
	for (size_t i = 0; i < accounts_nroles; i++)
		if (!strcmp(accounts_roles[i].kind, kind) && !strcmp(accounts_roles[i].type, type))
			return &accounts_roles[i];
	return NULL;
}

const char *accounts_state_name(const char *state)
{
	static const char *const names[][2] = {
		{ "pending", "승인대기" }, { "hold", "승인보류" },
		{ "approved", "승인완료" }, { "rejected", "반려" },
	};

	for (size_t i = 0; state && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i][0], state))
			return names[i][1];
	return NULL;
}

bool accounts_state_move_ok(const char *from, const char *to)
{
	if (!accounts_state_name(from) || !accounts_state_name(to) || !strcmp(from, to))
		return false;
	/* A decision can be revisited (hold -> approved, approved -> hold to suspend), but
	 * nothing goes back to pending. */
	return strcmp(to, "pending") != 0;
}

int accounts_phone_normalize(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (!in || !org_phone_valid(in))
		return -EINVAL;
	for (; *in; in++) {
		if (*in == '-')
			continue;
		if (o + 1 >= outlen)
			return -EINVAL;
		out[o++] = *in;
	}
	out[o] = '\0';
	return 0;
}

bool accounts_login_id_valid(const char *id)
{
	size_t n = 0;
	char fac[ORG_FACILITY_CODE_LEN + 1];
	int num;

	if (!id || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
		return false;
	for (; id[n]; n++)
		if (!((id[n] >= 'A' && id[n] <= 'Z') || (id[n] >= 'a' && id[n] <= 'z') ||
		      (id[n] >= '0' && id[n] <= '9') || id[n] == '_'))
			return false;
	if (n < 4 || n > 20)
		return false;
	return org_account_id_parse(id, fac, &num) != 0;
}

bool accounts_text_valid(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	bool visible = false;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		visible |= c != ' ';
	}
	return visible;
}

bool accounts_name_valid(const char *name)
{
	return accounts_text_valid(name, 63);
}
