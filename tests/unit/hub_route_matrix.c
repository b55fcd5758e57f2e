/*
 * The route x role x scope matrix: for every entry of api_routes, the rows of
 * tests/data/route_matrix.tsv say which subjects (anonymous, city, operations token,
 * district, center, coordinator, parent, metrics token, device, and the coordinator
 * programme's four officer roles) are let through, on their
 * own object and on a sibling's (same district) and another district's. Each cell is one
 * api_handle call in process, with real sessions (cookie + CSRF), real tokens and a device
 * identity from a synthetic verified TLS peer, on a fresh store per row. A route without a
 * row, or a row without a route, fails the test.
 *
 * What it covers: the router's role check and the handlers' scope checks. What it does not:
 * TLS itself (tests/e2e), and whether an allowed call did the right thing (hub_portal.c).
 */
#include "hub/api/portal.h"
#include "tests/harness.h"
#include "tests/unit/hub_portal_fixture.h"

#include <ctype.h>

#define NSUBJ 13
static const char *const subjects[NSUBJ] = { "anon", "city", "ops", "district", "center",
					     "coord", "parent", "metrics", "device", "coordcity",
					     "coorddist", "support", "coordcode" };

struct row {
	char method[8];
	char target[256];
	char body[512];
	char cell[NSUBJ][4];
	bool used;
};

#define DEVICE_SHA256 "5e0c9d4f6b2a7e8c1d3f5a7b9c0e2d4f6a8b0c2e4d6f8a0b2c4e6d8f0a2b4c6e"

static struct row rows[256];
static size_t nrows;
static char admin_token[STORE_TOKEN_MAX], metrics_token[STORE_TOKEN_MAX];

static int load_rows(void)
{
	char path[512], line[2048];
	const char *root = getenv("KIUM_SRC");
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/data/route_matrix.tsv", root ? root : ".");
	fp = fopen(path, "r");
	if (!fp) {
		printf("# cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *save = NULL, *f[3 + NSUBJ];
		size_t n = 0;
		struct row *r;

		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		for (char *t = strtok_r(line, "\t", &save); t && n < 3 + NSUBJ;
		     t = strtok_r(NULL, "\t", &save))
			f[n++] = t;
		if (n != 3 + NSUBJ || nrows == sizeof(rows) / sizeof(rows[0])) {
			printf("# malformed row %zu\n", nrows + 1);
			fclose(fp);
			return -1;
		}
		r = &rows[nrows++];
		memset(r, 0, sizeof(*r));
		snprintf(r->method, sizeof(r->method), "%s", f[0]);
		snprintf(r->target, sizeof(r->target), "%s", f[1]);
		snprintf(r->body, sizeof(r->body), "%s", strcmp(f[2], "-") ? f[2] : "");
		for (int i = 0; i < NSUBJ; i++)
			snprintf(r->cell[i], sizeof(r->cell[i]), "%s", f[3 + i]);
	}
	fclose(fp);
	return 0;
}

/* "/a/{x}/b" and "/a/@F/b" both become "/a/@/b"; a target's query is not part of it. */
static void shape(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	while (*s && *s != '?' && o + 2 < outlen) {
		if (*s == '{') {
			out[o++] = '@';
			s += strcspn(s, "}");
			if (*s)
				s++;
		} else if (*s == '@') {
			out[o++] = '@';
			s += 2;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

static struct row *row_of(const struct api_route *rt)
{
	char a[256], b[256];

	shape(rt->pattern, a, sizeof(a));
	for (size_t i = 0; i < nrows; i++) {
		shape(rows[i].target, b, sizeof(b));
		if (!strcmp(rows[i].method, rt->method) && !strcmp(a, b))
			return &rows[i];
	}
	return NULL;
}

/* Replaces @F/@A/@C/@P of in for scope v (0 own, 1 sibling, 2 other). */
static void subst(const char *in, int v, char *out, size_t outlen)
{
	static const char *const F[] = { "NWUK015", "NWUK016", "GNUK001" };
	static const char *const A[] = { "NWUK015001", "NWUK016001", "GNUK001001" };
	static const char *const C[] = { "C1", "C2", "C3" };
	static const char *const K[] = { "nwcoord", "nwcoord2", "gncoord" };
	static const char *const G[] = { "NWCC001", "NWCC002", "GNCC001" };
	size_t o = 0;

	for (; *in && o + 16 < outlen; in++) {
		const char *rep = NULL;

		if (in[0] == '@' && in[1]) {
			rep = in[1] == 'F' ? F[v] : in[1] == 'A' ? A[v] : in[1] == 'C' ? C[v]
			      : in[1] == 'K' ? K[v] : in[1] == 'G' ? G[v]
			      : in[1] == 'P' ? "mom01" : NULL;
		}
		if (rep) {
			o += (size_t)snprintf(out + o, outlen - o, "%s", rep);
			in++;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

#define W(x) do { int w_ = (x); if (w_ < 0) { printf("# world: %s -> %d\n", #x, w_); return -1; } } while (0)
static int world_build(struct pf *f)
{
	int64_t tid;

	W(pf_open(f));
	W(pf_facility(f, "NWUK015", "NW", "UK"));
	W(pf_facility(f, "NWUK016", "NW", "UK"));
	W(pf_facility(f, "GNUK001", "GN", "UK"));
	W(pf_facility(f, "NWCC001", "NW", "CC"));
	W(pf_facility(f, "NWCC002", "NW", "CC"));
	W(pf_facility(f, "GNCC001", "GN", "CC"));
	W(pf_account(f, "city01", "", "", "approved", "city:UK"));
	W(pf_account(f, "nwoff", "NW", "", "approved", "district:UK"));
	W(pf_account(f, "NWUK015009", "NW", "NWUK015", "approved", "center:UK"));
	W(pf_account(f, "nwcoord", "NW", "", "approved", "coordinator"));
	W(pf_account(f, "mom01", "", "", "approved", "parent"));
	W(pf_account(f, "NWUK015001", "NW", "NWUK015", "approved", "center:UK"));
	W(pf_account(f, "NWUK016001", "NW", "NWUK016", "approved", "center:UK"));
	W(pf_account(f, "GNUK001001", "GN", "GNUK001", "approved", "center:UK"));
	W(pf_account(f, "nwcoord2", "NW", "", "approved", "coordinator"));
	W(pf_account(f, "gncoord", "GN", "", "approved", "coordinator"));
	W(pf_account(f, "cocity", "", "", "approved", "coordinator_city"));
	W(pf_account(f, "nwcodist", "NW", "", "approved", "coordinator_district"));
	W(pf_account(f, "support01", "", "", "approved", "support_center_city"));
	W(pf_account(f, "nwcode", "NW", "", "approved", "coordinator_code"));
	W(store_child_add(f->st, "C1", "김하나", "NWUK015", 1000));
	W(store_child_add(f->st, "C2", "이두리", "NWUK016", 1000));
	W(store_child_add(f->st, "C3", "박세나", "GNUK001", 1000));
	W(store_guardian_request(f->st, "mom01", "C1", 1000));
	W(store_guardian_confirm(f->st, "mom01", "C1", "test", 1000));
	W(store_guardian_request(f->st, "mom01", "C2", 1000));
	W(store_guardian_request(f->st, "mom01", "C3", 1000));
	W(store_token_create(f->st, "admin", "matrix", 1000, &tid, admin_token,
			     sizeof(admin_token)));
	W(store_token_create(f->st, "metrics", "matrix", 1000, &tid, metrics_token,
			     sizeof(metrics_token)));
	W(store_device_add(f->st, "R1", "NWUK015", "01", DEVICE_SHA256, 1000));
	return 0;
}

/* The world is built once into a template store (closed, so the file holds everything) and
 * copied for each row: a row's calls may change it, and building it costs a hundred durable
 * commits. */
static struct pf tmpl;

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;
	int r = in && out ? 0 : -1;

	while (r == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			r = -1;
	if (in && ferror(in))
		r = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		r = -1;
	return r;
}

static int world(struct pf *f)
{
	struct api_opts o = { 0 };

	clock_pin(1800000000000LL, 1000, true);
	api_portal_throttle_reset();
	if (!tmpl.dir[0]) {
		W(world_build(&tmpl));
		api_free(tmpl.api);
		store_close(tmpl.st);
		tmpl.api = NULL;
		tmpl.st = NULL;
	}
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/kium-portal-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hub.db", f->dir);
	W(copy_file(tmpl.path, f->path));
	W(store_open(f->path, &f->st));
	o.store = f->st;
	o.silent_ms = 600000;
	return api_new(&o, &f->api);
}

static bool denied(const struct pf_reply *r)
{
	static const char *const codes[] = { "unauthorized", "forbidden", "out_of_scope",
					     "role_not_grantable", "client_certificate_required",
					     "certificate_not_trusted", "device_unknown",
					     "device_revoked", "certificate_mismatch" };

	if (r->status != 401 && r->status != 403)
		return false;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(r->code, codes[i]))
			return true;
	return false;
}

/* One call as subject s on scope v; 'A' or 'D'. */
static char call_as(struct pf *f, const struct row *row, int s, int v, int *status)
{
	static const char *const accounts[NSUBJ] = { NULL, "city01", NULL, "nwoff", "NWUK015009",
						     "nwcoord", "mom01", NULL, NULL, "cocity",
						     "nwcodist", "support01", "nwcode" };
	char target[512], body[1024], sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT], authz[160];
	struct tls_peer peer = { .cert_present = true, .cert_verified = true, .cn = "R1",
				 .serial = "01", .sha256 = DEVICE_SHA256 };
	struct pf_reply r;
	const char *a = NULL;
	bool has_sid = false;
	char verdict;

	subst(row->target, v, target, sizeof(target));
	subst(row->body, v, body, sizeof(body));
	if (accounts[s]) {
		if (pf_session(f, accounts[s], sid, csrf) < 0)
			return '?';
		has_sid = true;
	} else if (!strcmp(subjects[s], "ops")) {
		snprintf(authz, sizeof(authz), "Bearer %s", admin_token);
		a = authz;
	} else if (!strcmp(subjects[s], "metrics")) {
		snprintf(authz, sizeof(authz), "Bearer %s", metrics_token);
		a = authz;
	}
	pf_call_peer(f, row->method, target, has_sid ? sid : NULL, has_sid ? csrf : NULL, a,
		     body[0] ? body : NULL, !strcmp(subjects[s], "device") ? &peer : NULL, &r);
	*status = r.status;
	verdict = denied(&r) ? 'D' : 'A';
	pf_reply_free(&r);
	return verdict;
}

TEST(every_route_has_a_row_and_every_row_a_route)
{
	CHECK(load_rows() == 0);
	for (size_t i = 0; i < api_nroutes; i++) {
		struct row *r = row_of(&api_routes[i]);
		char a[256], b[256];

		if (!r)
			printf("# no matrix row for %s %s\n", api_routes[i].method,
			       api_routes[i].pattern);
		CHECK(r != NULL);
		shape(api_routes[i].pattern, a, sizeof(a));
		for (size_t k = 0; k < nrows; k++) {
			shape(rows[k].target, b, sizeof(b));
			if (!strcmp(rows[k].method, api_routes[i].method) && !strcmp(a, b))
				rows[k].used = true;
		}
	}
	for (size_t i = 0; i < nrows; i++) {
		if (!rows[i].used)
			printf("# matrix row without a route: %s %s\n", rows[i].method,
			       rows[i].target);
		CHECK(rows[i].used);
	}
}

static struct pf world_f;

static void world_close(void *arg)
{
	(void)arg;
	pf_close(&world_f);
}

TEST(matrix)
{
	int checked = 0, wrong = 0;

	CHECK(nrows > 0);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *row = &rows[i];
		int nv = strstr(row->target, "@F") || strstr(row->target, "@A") ||
			 strstr(row->target, "@C") || strstr(row->target, "@K") ||
			 strstr(row->target, "@G") || strstr(row->body, "@A") ? 3 : 1;

		CHECK(world(&world_f) == 0);
		harness_defer(world_close, NULL);
		for (int s = 0; s < NSUBJ; s++) {
			if ((int)strlen(row->cell[s]) != nv) {
				printf("# %s %s: cell of %s has %zu letters, want %d\n", row->method,
				       row->target, subjects[s], strlen(row->cell[s]), nv);
				wrong++;
				continue;
			}
			for (int v = 0; v < nv; v++) {
				int status = 0;
				char got = call_as(&world_f, row, s, v, &status);

				checked++;
				if (status >= 500) {
					printf("# %s %s as %s, scope %d: server error %d\n",
					       row->method, row->target, subjects[s], v, status);
					wrong++;
				}
				if (got != row->cell[s][v]) {
					printf("# %s %s as %s, scope %d: got %c (%d), want %c\n",
					       row->method, row->target, subjects[s], v, got, status,
					       row->cell[s][v]);
					wrong++;
				}
			}
		}
		pf_close(&world_f);
	}
	printf("# %d cells checked, %d wrong\n", checked, wrong);
	CHECK_EQ_INT(wrong, 0);
}

int main(void)
{
	RUN(every_route_has_a_row_and_every_row_a_route);
	RUN(matrix);
	pf_close(&tmpl);
	return harness_done();
}
