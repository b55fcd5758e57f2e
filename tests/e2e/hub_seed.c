/*
 * Test helper: puts generated test data into a hub store through store.h, so that the hub's
 * end-to-end tests and benchmarks do not depend on provisioning tools.
 *
 *   hub_seed DB facility CODE NAME
 *   hub_seed DB child ID NAME FACILITY
 *   hub_seed DB card UIDHEX CHILD
 *   hub_seed DB uncard UIDHEX
 *   hub_seed DB device ID FACILITY SERIAL SHA256   (hex, as kiumctl records them)
 *   hub_seed DB revoke ID
 *   hub_seed DB token ROLE          prints the token secret on stdout
 *   hub_seed DB parent ID PHONE PASSWORD NAME   an approved parent (member) account, as
 *                                   the sign-up with a verified phone leaves it
 */
#include "common/clock.h"
#include "common/log.h"
#include "common/tap.h"
#include "hub/auth/password.h"
#include "hub/domain/accounts.h"
#include "hub/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct store *st = NULL;
	int64_t now;
	int err = -1;

	log_init("hub_seed", KLOG_WARNING);
	if (argc < 3) {
		fprintf(stderr, "usage: hub_seed DB COMMAND ARGS...\n");
		return 2;
	}
	clock_pin_from_env();
	now = clock_wall_ms();
	if (store_open(argv[1], &st) < 0)
		return 1;
	const char *cmd = argv[2];
	if (strcmp(cmd, "facility") == 0 && argc == 5) {
		struct store_facility f = { 0 };

		snprintf(f.code, sizeof(f.code), "%s", argv[3]);
		snprintf(f.name, sizeof(f.name), "%s", argv[4]);
		snprintf(f.district, sizeof(f.district), "%.2s", argv[3]);
		snprintf(f.type, sizeof(f.type), "%.2s", argv[3] + 2);
		err = store_facility_add(st, &f, now);
	} else if (strcmp(cmd, "child") == 0 && argc == 6) {
		err = store_child_add(st, argv[3], argv[4], argv[5], now);
	} else if ((strcmp(cmd, "card") == 0 && argc == 5) ||
		   (strcmp(cmd, "uncard") == 0 && argc == 4)) {
		uint8_t uid[TAP_UID_MAX], len;

		err = tap_uid_parse(argv[3], uid, &len);
		if (err == 0)
			err = argc == 5 ? store_card_assign(st, uid, len, argv[4], now)
					: store_card_deactivate(st, uid, len, now);
	} else if (strcmp(cmd, "device") == 0 && argc == 7) {
		err = store_device_add(st, argv[3], argv[4], argv[5], argv[6], now);
	} else if (strcmp(cmd, "revoke") == 0 && argc == 4) {
		err = store_device_revoke(st, argv[3], now);
	} else if (strcmp(cmd, "token") == 0 && argc == 4) {
		char secret[STORE_TOKEN_MAX];
		int64_t id;

		err = store_token_create(st, argv[3], "e2e", now, &id, secret, sizeof(secret));
		if (err == 0)
			printf("%s\n", secret);
	} else if (strcmp(cmd, "parent") == 0 && argc == 7) {
		struct store_account a = { 0 };
		struct store_role role = { .role = "parent" };

		snprintf(a.id, sizeof(a.id), "%s", argv[3]);
		snprintf(a.name, sizeof(a.name), "%s", argv[6]);
		snprintf(a.state, sizeof(a.state), "approved");
		err = accounts_phone_normalize(argv[4], a.phone, sizeof(a.phone));
		if (err == 0)
			err = password_hash(argv[5], a.pw_hash, sizeof(a.pw_hash));
		if (err == 0)
			err = store_account_add(st, &a, a.id, now);
		if (err == 0)
			err = store_account_roles_set(st, a.id, &role, 1, a.id, now);
	} else {
		fprintf(stderr, "hub_seed: bad command\n");
	}
	store_close(st);
	if (err < 0)
		fprintf(stderr, "hub_seed %s: error %d\n", cmd, err);
	return err < 0 ? 1 : 0;
}
