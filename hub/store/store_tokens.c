/*
 * The SQLite store: admin API tokens. A token is "kt1_<id>_<secret>", the secret being 32
 * random bytes in unpadded base64url. Only BLAKE2b-256 of the secret bytes is stored: a
 * fast hash suffices for 256 random bits (nothing to brute-force), and the id makes the
 * lookup a primary-key read. Comparison is constant-time.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "hub/store/store_int.h"

#define TOKEN_PREFIX "kt1_"
#define TOKEN_SECRET_BYTES 32
#define TOKEN_HASH_BYTES 32

static bool role_valid(const char *r)
{
	size_t n = 0;

	if (!r)
		return false;
	for (; r[n]; n++)
		if (!((r[n] >= 'a' && r[n] <= 'z') || r[n] == '_'))
			return false;
	return n >= 1 && n < STORE_SHORT_MAX;
}

int store_token_create(struct store *st, const char *role, const char *label, int64_t now_ms,
		       int64_t *id, char *secret, size_t secret_len)
{
	uint8_t raw[TOKEN_SECRET_BYTES], hash[TOKEN_HASH_BYTES];
	char b64[sodium_base64_ENCODED_LEN(TOKEN_SECRET_BYTES,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	sqlite3_stmt *s = NULL;
	int r, n;

	if (!role_valid(role) || !store_text_valid(label, STORE_NAME_MAX) ||
	    secret_len < STORE_TOKEN_MAX)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(raw, sizeof(raw));
	crypto_generichash(hash, sizeof(hash), raw, sizeof(raw), NULL, 0);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	s = store_prepare(st, "INSERT INTO api_tokens (role, label, hash, created_ms)"
			      " VALUES (?, ?, ?, ?)");
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	if ((r = store_step_done(st, s, "token create")) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	n = snprintf(secret, secret_len, TOKEN_PREFIX "%" PRId64 "_%s", *id, b64);
	r = n > 0 && (size_t)n < secret_len ? 0 : -ENOSPC;
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(b64, sizeof(b64));
	sqlite3_finalize(s);
	return r;
}

/* Splits "kt1_<id>_<b64>" into id and the secret bytes. */
static int token_parse(const char *tok, int64_t *id, uint8_t *raw)
{
	const char *p, *b64;
	size_t bin_len;
	int64_t v = 0;

	if (!tok || strncmp(tok, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
		return -EINVAL;
	p = tok + strlen(TOKEN_PREFIX);
	if (*p < '1' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (*p != '_')
		return -EINVAL;
	b64 = p + 1;
	if (strlen(b64) != sodium_base64_ENCODED_LEN(TOKEN_SECRET_BYTES,
						     sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)
		return -EINVAL;
	if (sodium_base642bin(raw, TOKEN_SECRET_BYTES, b64, strlen(b64), NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    bin_len != TOKEN_SECRET_BYTES)
		return -EINVAL;
	*id = v;
	return 0;
}

int store_token_verify(struct store *st, const char *secret, int64_t *id, char *role,
		       size_t role_len)
{
	uint8_t raw[TOKEN_SECRET_BYTES], hash[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int64_t tid;
	int rc, r = -EACCES;

	if (sodium_init() < 0)
		return -EIO;
	if (token_parse(secret, &tid, raw) < 0)
		return -EACCES;
	crypto_generichash(hash, sizeof(hash), raw, sizeof(raw), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
	s = store_stmt(st, SS_TOKEN_GET,
		       "SELECT role, hash FROM api_tokens WHERE id = ? AND revoked_ms IS NULL");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, tid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 1) == TOKEN_HASH_BYTES &&
		    sodium_memcmp(sqlite3_column_blob(s, 1), hash, TOKEN_HASH_BYTES) == 0) {
			store_col_text(s, 0, role, role_len);
			*id = tid;
			r = 0;
		}
	} else if (rc != SQLITE_DONE) {
		r = store_step_error(st, rc, "token verify");
	}
	sqlite3_reset(s);
	return r;
}

int store_token_revoke(struct store *st, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE api_tokens SET revoked_ms ="
					    " coalesce(revoked_ms, ?) WHERE id = ?");
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, id);
	r = store_step_done(st, s, "token revoke");
	if (r == 0 && sqlite3_changes(st->db) == 0)
		r = -ENOENT;
	sqlite3_finalize(s);
	return r;
}

static int token_fill(sqlite3_stmt *s, void *e)
{
	struct store_token *t = e;

	t->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, t->role, sizeof(t->role));
	store_col_text(s, 2, t->label, sizeof(t->label));
	t->created_ms = sqlite3_column_int64(s, 3);
	t->revoked_ms = sqlite3_column_int64(s, 4);
	return 0;
}

int store_token_list(struct store *st, struct store_token **out, size_t *n)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT id, role, label, created_ms, revoked_ms"
					    " FROM api_tokens ORDER BY id");

	return store_collect(st, s, sizeof(**out), 16, token_fill, "token list", (void **)out, n);
}
