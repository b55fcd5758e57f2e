/*
 * Password hashing for portal accounts: Argon2id through libsodium's crypto_pwhash_str, whose
 * encoded string carries its own salt and cost, so the cost can be raised later without
 * invalidating stored hashes. Passwords and hashes are never logged.
 */
#ifndef KIUM_HUB_AUTH_PASSWORD_H
#define KIUM_HUB_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* out needs STORE_PWHASH_MAX bytes. 0, -ENOMEM (libsodium could not allocate), -EIO. */
int password_hash(const char *pw, char *out, size_t outlen);
/* Whether pw matches the encoded hash. A NULL or malformed hash still spends the time of a
 * verification (so an unknown login id is not told apart by timing) and returns false. */
bool password_verify(const char *hash, const char *pw);
/* Sets the cost of new hashes (tests use libsodium's minimum); 0, 0 restores the default
 * (Argon2id t=2, m=19 MiB, p=1; see password.c). */
void password_set_cost(unsigned long long ops, size_t mem);

#endif
