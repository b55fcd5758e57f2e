/*
 * The portal's static files from memory (see static.h): a bounded walk of the web root at
 * load, then exact lookups of request paths among the names found.
 */
#include "hub/api/static.h"

#include "common/log.h"
#include "hub/api/api.h"
#include "hub/net/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WEB_PATH_MAX 256

struct web_file {
	char path[WEB_PATH_MAX];   /* "/css/portal.css" */
	const char *type;
	char etag[32];             /* "\"<24 hex>\"" */
	char *data;
	size_t len;
};

struct web_cache {
	char root[PATH_MAX];       /* the root, resolved */
	struct web_file *files;
	size_t n, cap, total;
};

static const struct {
	const char *ext;
	const char *type;
} web_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

/* Sent with every portal answer. Inline scripts and styles are refused by default-src. */
static const char web_security[] =
	"Content-Security-Policy: default-src 'self'; frame-ancestors 'none'; base-uri 'none';"
	" form-action 'self'\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: same-origin\r\n";

static const char web_404[] =
	"<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	"<title>페이지를 찾을 수 없습니다 - 키움 포털</title></head>"
	"<body><h1>페이지를 찾을 수 없습니다</h1>"
	"<p>주소가 바뀌었거나 없는 페이지입니다.</p><p><a href=\"/\">처음으로</a></p></body></html>\n";

const char *web_content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return NULL;
	for (size_t i = 0; i < sizeof(web_types) / sizeof(web_types[0]); i++)
		if (strcmp(dot, web_types[i].ext) == 0)
			return web_types[i].type;
	return NULL;
}

static bool web_name_ok(const char *name)
{
	size_t n = 0;

	if (name[0] == '.' || name[0] == '\0')
		return false;
	for (; name[n]; n++) {
		char ch = name[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return n < 100;
}

void web_cache_free(struct web_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->files[i].data);
	free(c->files);
	free(c);
}

size_t web_cache_count(const struct web_cache *c)
{
	return c ? c->n : 0;
}

/* Reads one regular file (opened without following a last symlink: real is resolved). */
static int web_add(struct web_cache *c, const char *real, const char *rel, const char *type)
{
	struct web_file *f;
	struct stat st;
	unsigned char h[12];
	ssize_t got;
	size_t off = 0;
	int fd;

	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("web: cannot open %s: %s (skipped)", real, strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if ((size_t)st.st_size > WEB_MAX_FILE_BYTES || c->n == WEB_MAX_FILES ||
	    c->total + (size_t)st.st_size > WEB_MAX_TOTAL_BYTES) {
		log_err("web: %s not served: past the limits (%u files, %u bytes each, %u in all)",
			rel, WEB_MAX_FILES, WEB_MAX_FILE_BYTES, WEB_MAX_TOTAL_BYTES);
		close(fd);
		return 0;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		struct web_file *t = realloc(c->files, ncap * sizeof(*t));

		if (!t) {
			close(fd);
			return -ENOMEM;
		}
		c->files = t;
		c->cap = ncap;
	}
	f = &c->files[c->n];
	memset(f, 0, sizeof(*f));
	f->data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!f->data) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		got = read(fd, f->data + off, (size_t)st.st_size - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	close(fd);
	if (off != (size_t)st.st_size) {
		log_warn("web: short read of %s (skipped)", real);
		free(f->data);
		return 0;
	}
	f->len = off;
	f->type = type;
	snprintf(f->path, sizeof(f->path), "%s", rel);
	crypto_generichash(h, sizeof(h), (const unsigned char *)f->data, f->len, NULL, 0);
	f->etag[0] = '"';
	sodium_bin2hex(f->etag + 1, sizeof(f->etag) - 2, h, sizeof(h));
	strcat(f->etag, "\"");
	c->total += f->len;
	c->n++;
	return 0;
}

static bool web_inside(const struct web_cache *c, const char *real)
{
	size_t n = strlen(c->root);

	return strncmp(real, c->root, n) == 0 && real[n] == '/';
}

static int web_walk(struct web_cache *c, const char *dir, const char *rel, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d) {
		log_warn("web: cannot read %s: %s", dir, strerror(errno));
		return 0;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		char full[PATH_MAX], sub[WEB_PATH_MAX], real[PATH_MAX];
		const char *type;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (!web_name_ok(e->d_name) ||
		    snprintf(full, sizeof(full), "%s/%s", dir, e->d_name) >= (int)sizeof(full) ||
		    snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >= (int)sizeof(sub)) {
			log_info("web: %s/%s: name not served", rel, e->d_name);
			continue;
		}
		if (lstat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 < WEB_MAX_DEPTH)
				r = web_walk(c, full, sub, depth + 1);
			continue;
		}
		type = web_content_type(e->d_name);
		if (!type)
			continue;
		if (S_ISLNK(st.st_mode)) {
			/* Followed only to a regular file that resolves inside the root. */
			if (!realpath(full, real) || !web_inside(c, real)) {
				log_warn("web: %s points outside the web root (not served)", sub);
				continue;
			}
			r = web_add(c, real, sub, type);
		} else if (S_ISREG(st.st_mode)) {
			r = web_add(c, full, sub, type);
		}
	}
	closedir(d);
	return r;
}

int web_cache_load(const char *root, struct web_cache **out)
{
	struct web_cache *c = calloc(1, sizeof(*c));
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (!root || !realpath(root, c->root)) {
		log_warn("web: portal files not found at %s: no portal pages (JSON 404s)",
			 root ? root : "(none)");
		*out = c;
		return 0;
	}
	r = web_walk(c, c->root, "", 0);
	if (r < 0) {
		web_cache_free(c);
		return r;
	}
	log_info("web: %zu portal files (%zu bytes) from %s", c->n, c->total, c->root);
	*out = c;
	return 0;
}

static const struct web_file *web_find(const struct web_cache *c, const char *path)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->files[i].path, path) == 0)
			return &c->files[i];
	return NULL;
}

bool web_path_is_portal(const char *path)
{
	return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0;
}

/* The file a request path names: "/" and ".../" are index.html, a last segment without a
 * dot is that name + ".html". */
static const struct web_file *web_resolve(const struct web_cache *c, const char *path)
{
	char want[WEB_PATH_MAX];
	size_t n = strlen(path);
	const char *last = strrchr(path, '/');

	if (n == 0 || n + sizeof("index.html") >= sizeof(want) || path[0] != '/')
		return NULL;
	if (path[n - 1] == '/') {
		snprintf(want, sizeof(want), "%sindex.html", path);
		return web_find(c, want);
	}
	if (last && !strchr(last, '.')) {
		snprintf(want, sizeof(want), "%s.html", path);
		return web_find(c, want);
	}
	return web_find(c, path);
}

static bool web_etag_matches(const char *inm, const char *etag)
{
	if (!inm)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	return strstr(inm, etag) != NULL;
}

static void web_headers(struct server_reply *reply, const char *etag)
{
	int n = snprintf(reply->extra, sizeof(reply->extra), "%sCache-Control: no-cache\r\n%s%s%s",
			 web_security, etag ? "ETag: " : "", etag ? etag : "", etag ? "\r\n" : "");

	if (n < 0 || (size_t)n >= sizeof(reply->extra)) {
		/* Not reachable with these constants; never send a cut header line. */
		log_err("web: response headers do not fit");
		reply->extra[0] = '\0';
	}
}

void web_serve(const struct web_cache *c, const struct http_request *req,
	       struct server_reply *reply)
{
	bool head = strcmp(req->method_name, "HEAD") == 0;
	const struct web_file *f;

	if (!head && strcmp(req->method_name, "GET") != 0) {
		api_json_error_body(reply, 405, "method_not_allowed", NULL);
		snprintf(reply->extra, sizeof(reply->extra), "Allow: GET, HEAD\r\n");
		return;
	}
	f = web_resolve(c, req->path);
	if (!f) {
		const struct web_file *nf = web_find(c, "/404.html");

		reply->status = 404;
		reply->content_type = "text/html; charset=utf-8";
		netbuf_clear(&reply->body);
		if (netbuf_append(&reply->body, nf ? nf->data : web_404,
				  nf ? nf->len : sizeof(web_404) - 1) < 0)
			reply->status = 500;
		web_headers(reply, NULL);
		return;
	}
	reply->content_type = f->type;
	web_headers(reply, f->etag);
	netbuf_clear(&reply->body);
	if (web_etag_matches(http_request_header(req, "If-None-Match"), f->etag)) {
		reply->status = 304;
		return;
	}
	reply->status = 200;
	if (netbuf_append(&reply->body, f->data, f->len) < 0) {
		log_err("web: %s does not fit a response", f->path);
		api_json_error_body(reply, 500, "internal_error", NULL);
		reply->extra[0] = '\0';
	}
}
