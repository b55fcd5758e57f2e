/*
 * The web portal's static files (hub/web, installed as PREFIX/share/kium/web), served by the
 * hub itself: read once into memory at start (and again on SIGHUP), so that a request never
 * touches the disk and never blocks the loop, and so that a request path can only ever name
 * a file that was found under the root when it was loaded (no traversal, no symlink escape).
 *
 *   /                -> /index.html
 *   /dir/            -> /dir/index.html
 *   /staff           -> /staff.html        (a last segment without a dot)
 *   anything else    -> exactly that file, or the Korean 404 page
 *
 * Answers carry Content-Type by extension, a strong ETag (BLAKE2b of the content; 304 on a
 * matching If-None-Match), Cache-Control: no-cache (the files have no fingerprints in their
 * names, so the browser revalidates) and the security headers (CSP default-src 'self' with
 * frame-ancestors 'none', X-Content-Type-Options, Referrer-Policy).
 *
 * Limits: files of known types only, hidden names skipped, at most WEB_MAX_FILES files of at
 * most WEB_MAX_FILE_BYTES each and WEB_MAX_TOTAL_BYTES in all (a file past them is logged as
 * an error and not served), directories WEB_MAX_DEPTH deep; a symbolic link is followed only
 * to a regular file whose target resolves inside the root.
 */
#ifndef KIUM_HUB_API_STATIC_H
#define KIUM_HUB_API_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#include "hub/net/http.h"
#include "hub/net/server.h"

#define WEB_MAX_FILES 512
#define WEB_MAX_FILE_BYTES (1u << 20)
#define WEB_MAX_TOTAL_BYTES (16u << 20)
#define WEB_MAX_DEPTH 8

struct web_cache;

/* Loads every servable file under root. A missing or unreadable root gives an empty cache
 * (logged once); the router then answers like an API-only hub (JSON 404s). -ENOMEM. Caller
 * frees with web_cache_free. */
int web_cache_load(const char *root, struct web_cache **out);
void web_cache_free(struct web_cache *c);
size_t web_cache_count(const struct web_cache *c);

/* Whether a path is the portal's to answer: not under /api/ (the API answers its own 404s
 * in JSON). */
bool web_path_is_portal(const char *path);
/* Answers req (any method) from the cache: 200/304 for GET and HEAD, the Korean 404 page,
 * 405 for other methods. c may be NULL (everything is 404). */
void web_serve(const struct web_cache *c, const struct http_request *req,
	       struct server_reply *reply);
/* The Content-Type for a file name by its extension, or NULL when not served. */
const char *web_content_type(const char *name);

#endif
