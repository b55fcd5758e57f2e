/*
 * kiumctl account: bootstrap and rescue of portal accounts from the hub's machine. The first
 * city officer cannot be approved by anyone through the portal, so it is created here,
 * approved, with the city roles (시관리자) of every facility type unless --type narrows them.
 * Also: unlock an account, list accounts. The password is read from stdin (one line), never
 * from the command line, where other users could see it. The bootstrap account is usually
 * the operator's own; made for another person (--must-change-password), the officer must
 * change the password at the first login like every account someone else made.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "hub/auth/password.h"
#include "hub/domain/accounts.h"
#include "hub/domain/org.h"
#include "hub/store/store.h"
#include "tools/kiumctl/ctl.h"

static const char account_usage[] =
	"account create-city-admin ID --name NAME --password-stdin [--phone P] [--email E]"
	" [--type UK]... [--must-change-password] | account unlock ID | account list";

/* One line of stdin without its newline; -EINVAL when empty or too long. */
static int read_password(char *buf, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)len, stdin))
		return -EINVAL;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -EINVAL;
	buf[n] = '\0';
	return n ? 0 : -EINVAL;
}

static int create_city_admin(const char *data, const struct ctl_args *a)
{
	const char *name = ctl_opt(a, "--name"), *phone = ctl_opt(a, "--phone");
	const char *email = ctl_opt(a, "--email"), *types[ORG_TYPE_COUNT], *why = NULL;
	struct store_account acc = { 0 };
	struct store_role roles[ORG_TYPE_COUNT];
	struct store *st = NULL;
	char pw[128];
	size_t nt;
	int r, rc = CTL_EXIT_FAIL;

	if (!name || !ctl_flag(a, "--password-stdin"))
		return ctl_usage("%s", account_usage);
	if (!accounts_login_id_valid(a->pos[1])) {
		ctl_err("bad account id '%s' (4-20 letters, digits or _, starting with a letter)",
			a->pos[1]);
		return CTL_EXIT_FAIL;
	}
	if (!accounts_name_valid(name)) {
		ctl_err("bad name (1-63 bytes, no control characters)");
		return CTL_EXIT_FAIL;
	}
	if (phone && accounts_phone_normalize(phone, acc.phone, sizeof(acc.phone)) < 0) {
		ctl_err("bad phone number '%s' (e.g. 010-1234-5678)", phone);
		return CTL_EXIT_FAIL;
	}
	if (email && !org_email_valid(email)) {
		ctl_err("bad e-mail address '%s'", email);
		return CTL_EXIT_FAIL;
	}
	nt = ctl_opt_all(a, "--type", types, ORG_TYPE_COUNT);
	if (nt == 0)
		for (int t = 0; t < ORG_TYPE_COUNT; t++)
			types[nt++] = org_type_code((enum org_type)t);
	for (size_t i = 0; i < nt; i++) {
		if (!accounts_role_find("city", types[i])) {
			ctl_err("unknown facility type '%s' (UK, CC, GI, SK)", types[i]);
			return CTL_EXIT_FAIL;
		}
		memset(&roles[i], 0, sizeof(roles[i]));
		snprintf(roles[i].role, sizeof(roles[i].role), "city");
		snprintf(roles[i].type, sizeof(roles[i].type), "%s", types[i]);
	}
	if (read_password(pw, sizeof(pw)) < 0 || org_password_check(pw, &why) < 0) {
		ctl_err("the password on stdin must be 10-20 characters mixing letters and digits%s%s",
			why ? ": " : "", why ? why : "");
		goto out;
	}
	snprintf(acc.id, sizeof(acc.id), "%s", a->pos[1]);
	snprintf(acc.name, sizeof(acc.name), "%s", name);
	snprintf(acc.email, sizeof(acc.email), "%s", email ? email : "");
	snprintf(acc.state, sizeof(acc.state), "approved");
	acc.must_change_pw = ctl_flag(a, "--must-change-password");
	if (password_hash(pw, acc.pw_hash, sizeof(acc.pw_hash)) < 0) {
		ctl_err("cannot hash the password");
		goto out;
	}
	if (ctl_store_open(data, &st) < 0)
		goto out;
	r = store_account_add(st, &acc, "kiumctl", clock_wall_ms());
	if (r == -EEXIST) {
		ctl_err("account %s (or its phone number) already exists", acc.id);
		goto out;
	}
	if (r < 0 || store_account_roles_set(st, acc.id, roles, nt, "kiumctl",
					     clock_wall_ms()) < 0) {
		ctl_err("cannot create account %s", acc.id);
		goto out;
	}
	printf("city admin %s created (%zu city roles)%s\n", acc.id, nt,
	       acc.must_change_pw ? "; the password must be changed at the first login" : "");
	rc = CTL_EXIT_OK;
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(acc.pw_hash, sizeof(acc.pw_hash));
	store_close(st);
	return rc;
}

int ctl_account(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--name", "--phone", "--email", "--type", NULL };
	static const char *const flags[] = { "--password-stdin", "--must-change-password", NULL };
	struct store_account *v = NULL;
	struct store *st = NULL;
	struct ctl_args a;
	size_t n = 0;
	int r;

	if (ctl_args_parse(argc, argv, with_value, flags, &a) < 0)
		return CTL_EXIT_USAGE;
	if (a.n_pos == 2 && strcmp(a.pos[0], "create-city-admin") == 0)
		return create_city_admin(data, &a);
	if (a.n_pos == 2 && strcmp(a.pos[0], "unlock") == 0) {
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		r = store_account_unlock(st, a.pos[1], "kiumctl", clock_wall_ms());
		store_close(st);
		if (r < 0) {
			ctl_err(r == -ENOENT ? "no account %s" : "cannot unlock %s", a.pos[1]);
			return CTL_EXIT_FAIL;
		}
		printf("account %s unlocked\n", a.pos[1]);
		return CTL_EXIT_OK;
	}
	if (a.n_pos == 1 && strcmp(a.pos[0], "list") == 0) {
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		r = store_account_list(st, NULL, &v, &n);
		store_close(st);
		if (r < 0) {
			ctl_err("cannot list accounts");
			return CTL_EXIT_FAIL;
		}
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-9s %-3s %-8s %s%s\n", v[i].id, v[i].state, v[i].district,
			       v[i].facility, v[i].name, v[i].locked_ms ? " (locked)" : "");
		free(v);
		return CTL_EXIT_OK;
	}
	return ctl_usage("%s", account_usage);
}
