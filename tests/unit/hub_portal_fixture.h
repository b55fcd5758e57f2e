/*
 * In-process portal fixture for unit tests: a store in a temporary directory, the API
 * object, requests handed to api_handle as the server would (method, target, headers,
 * body), accounts and sessions made directly in the store. Password hashing runs at
 * libsodium's minimum cost here (password_set_cost) to keep the tests fast; the real cost
 * is measured by the e2e test and the bench.
 */
#ifndef KIUM_TESTS_HUB_PORTAL_FIXTURE_H
#define KIUM_TESTS_HUB_PORTAL_FIXTURE_H

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/api/api.h"
#include "hub/auth/password.h"
#include "hub/auth/session.h"
#include "hub/net/tls.h"
#include "common/clock.h"
#include "hub/store/store.h"

struct pf {
	char dir[64];
	char path[96];
	struct store *st;
	struct api *api;
};

struct pf_reply {
	int status;
	json_t *body;       /* parsed JSON body, or NULL */
	char extra[256];
	char code[64];      /* error.code, or "" */
};

static char pf_hash_cache[STORE_PWHASH_MAX];

static int pf_open(struct pf *f)
{
	struct api_opts o = { 0 };

	memset(f, 0, sizeof(*f));
	password_set_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	snprintf(f->dir, sizeof(f->dir), "/tmp/kium-portal-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hub.db", f->dir);
	if (store_open(f->path, &f->st) < 0)
		return -1;
	o.store = f->st;
	o.silent_ms = 600000;
	return api_new(&o, &f->api);
}

static void pf_close(struct pf *f)
{
	char p[128];

	api_free(f->api);
	store_close(f->st);
	f->api = NULL;
	f->st = NULL;
	if (!f->dir[0])
		return;
	for (const char *const *s = (const char *const[]){ "", "-wal", "-shm", NULL }; *s; s++) {
		snprintf(p, sizeof(p), "%s%s", f->path, *s);
		unlink(p);
	}
	rmdir(f->dir);
	f->dir[0] = '\0';
}

static void pf_reply_free(struct pf_reply *r)
{
	json_decref(r->body);
	r->body = NULL;
}

/* One request. sid/csrf/authz/peer may be NULL. target may carry a query. */
static int pf_call_peer(struct pf *f, const char *method, const char *target, const char *sid,
			const char *csrf, const char *authz, const char *body,
			const struct tls_peer *peer, struct pf_reply *out)
{
	struct http_request req;
	struct server_reply rep;
	char path[512], cookie[128];
	const char *q = strchr(target, '?');
	json_t *err;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%.*s", (int)(q ? (size_t)(q - target) : strlen(target)),
		 target);
	req.method_name = method;
	req.path = path;
	req.query = q ? q + 1 : "";
	if (sid) {
		snprintf(cookie, sizeof(cookie), "theme=dark; " SESSION_COOKIE "=%s", sid);
		req.headers[req.nheaders++] = (struct http_header){ "Cookie", cookie };
	}
	if (csrf)
		req.headers[req.nheaders++] = (struct http_header){ "X-CSRF-Token", csrf };
	if (authz)
		req.headers[req.nheaders++] = (struct http_header){ "Authorization", authz };
	if (body) {
		req.headers[req.nheaders++] =
			(struct http_header){ "Content-Type", "application/json" };
		req.body = body;
		req.body_len = strlen(body);
	} else {
		req.body = "";
	}
	api_handle(f->api, &req, peer, "127.0.0.1:40000", &rep);
	out->status = rep.status;
	memcpy(out->extra, rep.extra, sizeof(out->extra));
	out->body = json_loadb(netbuf_head(&rep.body), netbuf_size(&rep.body), 0, NULL);
	err = json_object_get(json_object_get(out->body, "error"), "code");
	if (json_is_string(err))
		snprintf(out->code, sizeof(out->code), "%s", json_string_value(err));
	netbuf_free(&rep.body);
	return out->status;
}

static inline int pf_call(struct pf *f, const char *method, const char *target, const char *sid,
		   const char *csrf, const char *authz, const char *body, struct pf_reply *out)
{
	return pf_call_peer(f, method, target, sid, csrf, authz, body, NULL, out);
}

/* An account straight into the store; roles "city:UK,center:UK" (type may be empty). */
static int pf_account(struct pf *f, const char *id, const char *district, const char *facility,
		      const char *state, const char *roles)
{
	struct store_account a = { 0 };
	struct store_role r[8];
	size_t n = 0;
	char buf[256], *save = NULL;

	if (!pf_hash_cache[0] &&
	    password_hash("Passw0rd1234", pf_hash_cache, sizeof(pf_hash_cache)) < 0)
		return -1;
	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.name, sizeof(a.name), "시험%s", id);
	snprintf(a.district, sizeof(a.district), "%s", district ? district : "");
	snprintf(a.facility, sizeof(a.facility), "%s", facility ? facility : "");
	snprintf(a.state, sizeof(a.state), "%s", state);
	snprintf(a.pw_hash, sizeof(a.pw_hash), "%s", pf_hash_cache);
	if (store_account_add(f->st, &a, "test", 1000) < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%s", roles ? roles : "");
	for (char *t = strtok_r(buf, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save)) {
		char *c = strchr(t, ':');

		memset(&r[n], 0, sizeof(r[n]));
		if (c)
			*c = '\0';
		snprintf(r[n].role, sizeof(r[n].role), "%s", t);
		snprintf(r[n].type, sizeof(r[n].type), "%s", c ? c + 1 : "");
		n++;
	}
	return store_account_roles_set(f->st, id, r, n, "test", 1000);
}

static int pf_facility(struct pf *f, const char *code, const char *district, const char *type)
{
	struct store_facility fc = { 0 };

	snprintf(fc.code, sizeof(fc.code), "%s", code);
	snprintf(fc.name, sizeof(fc.name), "시설 %s", code);
	snprintf(fc.district, sizeof(fc.district), "%s", district);
	snprintf(fc.type, sizeof(fc.type), "%s", type);
	return store_facility_add(f->st, &fc, 1000);
}

/* A session for account (bypassing the password), cookie value and CSRF token out. */
static int pf_session(struct pf *f, const char *account, char sid[SESSION_ID_TEXT],
		      char csrf[SESSION_CSRF_TEXT])
{
	return session_create(f->st, account, "127.0.0.1:1", clock_wall_ms(), sid, csrf);
}

static inline const char *pf_str(const struct pf_reply *r, const char *key)
{
	json_t *v = json_object_get(r->body, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

#endif
