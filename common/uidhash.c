/* Keyed UID hashes for rosters: see uidhash.h. */
#include "common/uidhash.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int uidhash_compute(const char *facility, const uint8_t *uid, size_t uid_len, char *out)
{
	unsigned char key[crypto_generichash_KEYBYTES_MAX];
	unsigned char h[UIDHASH_HEX_LEN / 2];
	int n;

	if (!facility || !*facility || !uid || uid_len == 0)
		return -EINVAL;
	n = snprintf((char *)key, sizeof(key), "kium-roster-v1:%s", facility);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -EINVAL;
	if (crypto_generichash(h, sizeof(h), uid, uid_len, key, (size_t)n) != 0)
		return -EINVAL;
	sodium_bin2hex(out, UIDHASH_HEX_LEN + 1, h, sizeof(h));
	return 0;
}
