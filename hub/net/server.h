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
 * call of server_opts.handler; responses are sent in the same order.
 *
 * Deferred answers: a handler that cannot answer at once (a group commit at the end of the
 * loop round, a password hash on a worker thread) takes its request with server_defer and
 * answers later with server_pending_done. Meanwhile its connection parses no further request
 * (pipelined ones wait in its input, so answers stay in request order), its timers stop and
 * a drain waits for it; other connections are served as usual.
 *
 * Workers: server_work runs a job on a small pool of threads and its completion back on the
 * loop's thread, so that slow pure computation (Argon2id) does not stall the loop.
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
	void *priv;               /* the server's: ties the reply to its request */
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
/* Called once per loop round, after the round's events were handled: the place for work
 * gathered during the round (group commit). Returns true when work is still queued: the
 * next round then waits at most a millisecond for events. */
typedef bool (*server_round_fn)(void *arg);

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
	server_round_fn on_round;
	unsigned workers;            /* threads of the worker pool (started on first use); 0: 2 */
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

/* ---- deferred answers (loop thread only) ------------------------------------------------ */

struct server_pending;

/* Called by a handler with the reply it was given: the request is answered later through
 * server_pending_done. The handler returns at once; req and reply are not valid after it
 * returns, so copy what the answer needs. NULL when the reply does not come from a
 * connection of a running server (unit tests call handlers directly) or out of memory:
 * answer in reply at once then. */
struct server_pending *server_defer(struct server_reply *reply);
/* Where the deferred answer is written (status 500 and an empty body until filled). */
struct server_reply *server_pending_reply(struct server_pending *p);
/* Whether the client is still connected (its answer would be read). */
bool server_pending_alive(const struct server_pending *p);
/* Sends the answer (dropped when the connection is gone) within the current loop round and
 * frees p. Never call it from the handler that deferred. */
void server_pending_done(struct server_pending *p);

/* ---- worker threads --------------------------------------------------------------------- */

/* A job for the worker pool; embed it in your own struct. run is called on a worker thread
 * (touch nothing the loop owns: no store, no connection); done afterwards on the loop's
 * thread. cancelled: the server is being freed and run may not have been called; done must
 * still release what the job holds. */
struct server_work {
	void (*run)(struct server_work *w);
	void (*done)(struct server_work *w);
	bool cancelled;
	struct server_work *next; /* the server's */
};

/* Queues w (loop thread). 0, or -errno when no worker could be started: do the job inline. */
int server_work(struct server *srv, struct server_work *w);
/* Whether a worker would start a job at once (none busy with a long one, nothing queued):
 * short jobs that must not wait behind long ones do their work inline otherwise. */
bool server_work_idle(struct server *srv);

#endif
