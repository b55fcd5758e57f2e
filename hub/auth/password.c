/* Argon2id password hashes (see password.h). Thread-safe: the hub runs them on its worker
 * threads (hub/net/server.h server_work) so that the ~50 ms of a check never stalls the loop. */
#include "hub/auth/password.h"

#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static unsigned long long password_ops;
static size_t password_mem;
static char password_dummy[crypto_pwhash_STRBYTES];
static pthread_mutex_t password_dummy_mu = PTHREAD_MUTEX_INITIALIZER;

void password_set_cost(unsigned long long ops, size_t mem)
{
	pthread_mutex_lock(&password_dummy_mu);
	password_ops = ops;
	password_mem = mem;
	password_dummy[0] = '\0';
	pthread_mutex_unlock(&password_dummy_mu);
}

/* The default cost: t=2 passes over m=19 MiB, p=1 (the OWASP minimum for Argon2id).
 * libsodium's INTERACTIVE limits (64 MiB) took 150-250 ms here, these about a third of it
 * (tests/bench/portal.sh); the hub runs them on worker threads, two at a time. */
#define PASSWORD_OPSLIMIT 2ULL
#define PASSWORD_MEMLIMIT (19u * 1024 * 1024)

static void password_cost(unsigned long long *ops, size_t *mem)
{
	*ops = password_ops ? password_ops : PASSWORD_OPSLIMIT;
	*mem = password_mem ? password_mem : PASSWORD_MEMLIMIT;
}

int password_hash(const char *pw, char *out, size_t outlen)
{
	unsigned long long ops;
	size_t mem;

	if (outlen < crypto_pwhash_STRBYTES || !pw)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	password_cost(&ops, &mem);
	if (crypto_pwhash_str(out, pw, strlen(pw), ops, mem) != 0) {
		log_err("password: hashing failed (out of memory?)");
		return -ENOMEM;
	}
	return 0;
}

bool password_verify(const char *hash, const char *pw)
{
	if (sodium_init() < 0 || !pw)
		return false;
	if (!hash || strncmp(hash, "$argon2id$", 10) != 0) {
		char dummy[crypto_pwhash_STRBYTES];
		int err = 0;

		/* Same work as a real check, against a hash of nothing anyone knows. */
		pthread_mutex_lock(&password_dummy_mu);
		if (!password_dummy[0])
			err = password_hash("kium-dummy-password-0", password_dummy,
					    sizeof(password_dummy));
		memcpy(dummy, password_dummy, sizeof(dummy));
		pthread_mutex_unlock(&password_dummy_mu);
		if (err < 0)
			return false;
		if (crypto_pwhash_str_verify(dummy, pw, strlen(pw)) == 0)
			log_debug("password: the dummy matched");
		return false;
	}
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}
