/*
 * The hub's HTTPS server: one thread, one epoll loop, every socket non-blocking.
 *
 * It owns the connection limits so that no client can hold it: a connection cap (clients
 * past it get a TLS handshake and a 503, a few more are closed at once), a handshake and
 * header timeout (408, then close), a body timeout (408), an idle keep-alive timeout (close),
 * and the size limits of http.h (431, 413, 400). Each violation is answered with a JSON error
 * from server_opts.error and one log line.
 *
 * Keep-alive and pipelining: requests on one connection are handled in order, each by one
 * synchronous call of server_opts.handler; responses are sent in the same order.
 *
 * Signals (through a signalfd, so the loop stays single-threaded): SIGTERM and SIGINT stop
 * accepting, close idle connections, let in-flight requests finish (answering them with
 * "Connection: close") and return from server_run once all are done or drain_timeout_ms
 * passes. SIGHUP calls server_opts.on_hup (reopen logs, reload the CRL).
 *
 * Time: timeouts use the real CLOCK_MONOTONIC, not common/clock.h, so that pinning the
 * domain's clock in a test never stops a timeout.
 */
#ifndef KIUM_HUB_NET_SERVER_H
#define KIUM_HUB_NET_SERVER_H

#include "hub/net/buf.h"
#include "hub/net/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct tls_ctx;
struct tls_peer;

/* What a handler fills in. body is empty and status 500 on entry; content_type defaults to
 * "application/json". extra holds complete header lines ("Name: value\r\n"). */
struct server_reply {
	int status;
	const char *content_type; /* static string */
	struct netbuf body;
	char extra[256];
	bool close;               /* close the connection after this response */
};

/* peer: the TLS identity of the connection; remote: "IP:PORT" for logs. */
typedef void (*server_handler_fn)(void *arg, const struct http_request *req,
				  const struct tls_peer *peer, const char *remote,
				  struct server_reply *reply);
/* Fills the body of an error the server answers by itself (400, 408, 413, 431, 503). */
typedef void (*server_error_fn)(void *arg, int status, struct server_reply *reply);
typedef void (*server_hup_fn)(void *arg);
/* Called after each timer sweep (every few ms to 250 ms). */
typedef void (*server_tick_fn)(void *arg);

struct server_opts {
	const char *listen;          /* "127.0.0.1:8443", "[::1]:0", "0.0.0.0:443" */
	const char *port_file;       /* NULL, or where to write the bound port */
	size_t max_conns;
	long header_timeout_ms;      /* TLS handshake + request head */
	long body_timeout_ms;        /* from end of head to end of body */
	long idle_timeout_ms;        /* keep-alive wait for the next request; stalled output */
	long drain_timeout_ms;
	struct http_limits limits;
	struct tls_ctx *tls;
	server_handler_fn handler;
	server_error_fn error;
	server_hup_fn on_hup;
	server_tick_fn on_tick;
	void *arg;
};

struct server_stats {
	uint64_t accepted;
	uint64_t open;               /* connections now */
	uint64_t over_capacity;      /* refused by the connection cap */
	uint64_t timeouts;           /* 408s and handshake timeouts */
	uint64_t idle_closed;
	uint64_t limit_errors;       /* 400, 413, 431 answered by the server */
	uint64_t tls_failed;         /* handshakes that failed or were cut short */
};

/* Binds and listens (logs the bound address, writes port_file). Caller frees. */
int server_new(const struct server_opts *opts, struct server **out);
void server_free(struct server *srv);
/* Runs until SIGTERM/SIGINT and the drain are over: 0, or -errno on a fatal loop error. */
int server_run(struct server *srv);
/* Starts the drain as SIGTERM would (tests, embedding). */
void server_stop(struct server *srv);
int server_port(const struct server *srv);
void server_get_stats(const struct server *srv, struct server_stats *out);

#endif
