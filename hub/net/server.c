/*
 * The epoll loop, connections, timers, limits and drain of the hub (see server.h).
 *
 * A connection goes HANDSHAKE -> OPEN -> (LINGER) -> closed. In OPEN, bytes read are fed to
 * the HTTP parser; each complete request is handled at once and its response appended to
 * the connection's output, which is flushed after the input at hand is used up (pipelined
 * requests thus leave in one write). Reading pauses while the output is above a high-water
 * mark, so a client that sends without reading cannot grow our memory. After a response
 * that closes the connection, LINGER sends close_notify, shuts down the write side and
 * discards input for a moment, so that the client reads the response instead of a reset.
 *
 * Deferred answers: server_defer parks the request in a server_pending owned by the
 * connection; the connection stops reading (EPOLLIN off) and its timers stop until
 * server_pending_done puts the pending answer on the ready list, which the loop sends at the
 * end of the round before parsing what the connection has pipelined behind it. A connection
 * that dies meanwhile forgets its pending answer (p->c = NULL), which is then dropped.
 *
 * Workers: threads take server_work jobs from a queue under a mutex; finished jobs go to a
 * second queue and an eventfd wakes the loop, which calls their done callbacks.
 *
 * Timers: a sweep every few milliseconds (a quarter of the shortest timeout, at most 250)
 * checks each connection's deadline. O(connections) per sweep is nothing at the hub's scale
 * (thousands of readers) and needs no timer structure.
 */
#include "hub/net/server.h"

#include "common/log.h"
#include "hub/net/listen.h"
#include "hub/net/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_READ_CHUNK 16384
#define SERVER_OUT_HIGH (256u * 1024)
#define SERVER_OUT_MAX (8u << 20)
#define SERVER_LINGER_MS 1000
#define SERVER_MAX_EVENTS 256
#define SERVER_MAX_WORKERS 16

struct conn;

struct server_pending {
	struct conn *c;          /* NULL once the connection is gone */
	struct server_reply reply;
	bool keep_alive;
	bool head_only;
	bool upgrade;
	unsigned short http_minor;
	struct server_pending *next_ready;
};

enum conn_state { C_HANDSHAKE, C_OPEN, C_LINGER, C_CLOSED };

struct conn {
	struct conn *prev, *next;
	struct server *srv;
	int fd;
	enum conn_state state;
	struct tls_conn *tls;
	struct http_in *http;
	struct netbuf in;
	struct netbuf out;
	uint32_t events;
	int64_t since_ms;     /* accept, or start of the current request, or last progress */
	int64_t head_done_ms; /* end of the current request's head, 0 before */
	bool in_request;
	bool reject;          /* over the cap: answer 503 */
	bool close_after;     /* close once the output is flushed */
	bool eof;             /* the peer finished sending: answer what came, then close */
	struct server_pending *pending; /* a deferred answer: nothing more is parsed meanwhile */
	char remote[64];
};

struct server {
	struct server_opts opts;
	int ep;
	int lfd;
	int sfd;
	int port;
	bool draining;
	int64_t accept_resume;  /* accepting paused (out of descriptors) until then; 0: not */
	int64_t drain_deadline;
	int64_t next_sweep;
	long tick_ms;
	size_t nconns;        /* admitted connections */
	size_t nreject;       /* connections being refused with 503 */
	size_t overflow;      /* how many may be refused politely */
	struct conn *conns;   /* all live connections */
	struct conn *dead;    /* closed during this loop iteration, freed after it */
	struct server_stats stats;
	struct server_reply reply;
	const struct http_request *cur_req;  /* the request being dispatched */
	bool deferred;                       /* its handler called server_defer */
	unsigned defers;                     /* deferrals since the last on_round */
	bool round_wants;                    /* on_round has work queued */
	struct server_pending *ready;        /* deferred answers to send this round */
	struct server_pending **ready_tail;
	/* worker pool */
	pthread_mutex_t wmu;
	pthread_cond_t wcv;
	pthread_t wthreads[SERVER_MAX_WORKERS];
	unsigned nworkers;
	unsigned wbusy;                            /* running a job */
	bool wstop;
	bool wfailed;
	struct server_work *wqueue, **wqueue_tail; /* waiting for a worker */
	struct server_work *wdone;                 /* run, waiting for done on the loop */
	int efd;
};

/* Tags for epoll_event.data.ptr that are not connections. */
static char server_tag_listen, server_tag_signal, server_tag_work;

static int64_t server_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int server_new(const struct server_opts *opts, struct server **out)
{
	struct server *srv = calloc(1, sizeof(*srv));
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	long shortest;
	int err;

	*out = NULL;
	if (!srv)
		return -ENOMEM;
	srv->opts = *opts;
	srv->ep = srv->lfd = srv->sfd = srv->efd = -1;
	srv->ready_tail = &srv->ready;
	srv->wqueue_tail = &srv->wqueue;
	pthread_mutex_init(&srv->wmu, NULL);
	pthread_cond_init(&srv->wcv, NULL);
	srv->overflow = opts->max_conns / 8 + 16;
	srv->reply.body.max = SERVER_OUT_MAX / 2;
	shortest = opts->header_timeout_ms;
	if (opts->idle_timeout_ms < shortest)
		shortest = opts->idle_timeout_ms;
	if (opts->body_timeout_ms < shortest)
		shortest = opts->body_timeout_ms;
	srv->tick_ms = shortest / 4;
	if (srv->tick_ms < 5)
		srv->tick_ms = 5;
	if (srv->tick_ms > 250)
		srv->tick_ms = 250;

	err = listen_open(opts->listen, opts->port_file, &srv->lfd, &srv->port);
	if (err < 0)
		goto out;
	srv->ep = epoll_create1(EPOLL_CLOEXEC);
	if (srv->ep < 0) {
		err = -errno;
		log_err("server: epoll_create1: %s", strerror(errno));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (srv->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		err = -errno;
		log_err("server: signalfd: %s", strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	ev.data.ptr = &server_tag_listen;
	if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, srv->lfd, &ev) != 0) {
		err = -errno;
		goto out;
	}
	ev.data.ptr = &server_tag_signal;
	if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, srv->sfd, &ev) != 0) {
		err = -errno;
		goto out;
	}
	srv->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.ptr = &server_tag_work;
	if (srv->efd < 0 || epoll_ctl(srv->ep, EPOLL_CTL_ADD, srv->efd, &ev) != 0) {
		err = -errno;
		log_err("server: eventfd: %s", strerror(errno));
		goto out;
	}
	*out = srv;
	srv = NULL;
	err = 0;
out:
	server_free(srv);
	return err;
}

static void pending_free(struct server_pending *p)
{
	if (!p)
		return;
	netbuf_free(&p->reply.body);
	free(p);
}

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	tls_conn_free(c->tls);
	http_in_free(c->http);
	netbuf_free(&c->in);
	netbuf_free(&c->out);
	free(c);
}

static void conn_close(struct conn *c)
{
	struct server *srv = c->srv;

	if (c->state == C_CLOSED)
		return;
	if (c->pending) {
		c->pending->c = NULL;
		c->pending = NULL;
	}
	if (c->reject)
		srv->nreject--;
	else
		srv->nconns--;
	epoll_ctl(srv->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = C_CLOSED;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = srv->dead;
	srv->dead = c;
}

static void server_workers_stop(struct server *srv)
{
	struct server_work *w;

	pthread_mutex_lock(&srv->wmu);
	srv->wstop = true;
	pthread_cond_broadcast(&srv->wcv);
	pthread_mutex_unlock(&srv->wmu);
	for (unsigned i = 0; i < srv->nworkers; i++)
		pthread_join(srv->wthreads[i], NULL);
	srv->nworkers = 0;
	/* Jobs never run, then jobs run but not yet completed: their owners release them. */
	while ((w = srv->wqueue)) {
		srv->wqueue = w->next;
		w->cancelled = true;
		w->done(w);
	}
	srv->wqueue_tail = &srv->wqueue;
	while ((w = srv->wdone)) {
		srv->wdone = w->next;
		w->cancelled = true;
		w->done(w);
	}
}

void server_free(struct server *srv)
{
	if (!srv)
		return;
	server_workers_stop(srv);
	while (srv->conns)
		conn_close(srv->conns);
	while (srv->ready) {
		struct server_pending *p = srv->ready;

		srv->ready = p->next_ready;
		pending_free(p);
	}
	while (srv->dead) {
		struct conn *c = srv->dead;

		srv->dead = c->next;
		conn_free(c);
	}
	netbuf_free(&srv->reply.body);
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->sfd >= 0)
		close(srv->sfd);
	if (srv->ep >= 0)
		close(srv->ep);
	if (srv->efd >= 0)
		close(srv->efd);
	pthread_mutex_destroy(&srv->wmu);
	pthread_cond_destroy(&srv->wcv);
	free(srv);
}

int server_port(const struct server *srv)
{
	return srv->port;
}

void server_get_stats(const struct server *srv, struct server_stats *out)
{
	*out = srv->stats;
	out->open = srv->nconns + srv->nreject;
}

static void conn_set_events(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events || c->state == C_CLOSED)
		return;
	if (epoll_ctl(c->srv->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void conn_update_events(struct conn *c)
{
	uint32_t ev = 0;

	switch (c->state) {
	case C_HANDSHAKE:
		ev = tls_conn_want_write(c->tls) ? EPOLLOUT : EPOLLIN;
		break;
	case C_OPEN:
		if (netbuf_size(&c->out) > 0 || tls_conn_want_write(c->tls))
			ev |= EPOLLOUT;
		if (!c->close_after && !c->eof && !c->pending &&
		    netbuf_size(&c->out) < SERVER_OUT_HIGH)
			ev |= EPOLLIN;
		break;
	case C_LINGER:
		ev = EPOLLIN;
		break;
	case C_CLOSED:
		return;
	}
	conn_set_events(c, ev);
}

/* Appends one complete response to the connection's output. req_keep: the request asked
 * for keep-alive (false for the server's own errors). */
static void conn_respond_as(struct conn *c, bool req_keep, unsigned short http_minor,
			    bool head_only, struct server_reply *r)
{
	bool keep = req_keep && !r->close && !c->close_after && !c->srv->draining && !c->reject;
	const char *connection = keep ? (http_minor == 0 ? "keep-alive" : NULL) : "close";
	size_t blen = netbuf_size(&r->body);

	if (http_response_head(&c->out, r->status, r->content_type ? r->content_type
				: "application/json", blen, connection,
			       r->extra[0] ? r->extra : NULL) < 0 ||
	    (!head_only && netbuf_append(&c->out, netbuf_head(&r->body), blen) < 0)) {
		log_warn("server: response to %s dropped: output limit", c->remote);
		keep = false;
	}
	if (!keep)
		c->close_after = true;
}

static void conn_respond(struct conn *c, const struct http_request *req,
			 struct server_reply *r)
{
	conn_respond_as(c, req && req->keep_alive, req ? req->http_minor : 1,
			req && strcmp(req->method_name, "HEAD") == 0, r);
}

static struct server_reply *server_reply_reset(struct server *srv)
{
	struct server_reply *r = &srv->reply;

	r->status = 500;
	r->content_type = "application/json";
	netbuf_clear(&r->body);
	r->extra[0] = '\0';
	r->close = false;
	return r;
}

/* An error the server answers by itself; the connection closes after it. */
static void conn_error(struct conn *c, int status, const char *why)
{
	struct server *srv = c->srv;
	struct server_reply *r = server_reply_reset(srv);

	log_notice("server: %d for %s: %s", status, c->remote, why);
	if (status == 408)
		srv->stats.timeouts++;
	else if (status != 503)
		srv->stats.limit_errors++;
	r->status = status;
	r->close = true;
	if (srv->opts.error)
		srv->opts.error(srv->opts.arg, status, r);
	conn_respond(c, NULL, r);
}

static void conn_dispatch(struct conn *c, const struct http_request *req)
{
	struct server *srv = c->srv;
	struct server_reply *r = server_reply_reset(srv);

	if (c->reject) {
		r->status = 503;
		r->close = true;
		strcpy(r->extra, "Retry-After: 1\r\n");
		if (srv->opts.error)
			srv->opts.error(srv->opts.arg, 503, r);
	} else {
		r->priv = c;
		srv->cur_req = req;
		srv->deferred = false;
		srv->opts.handler(srv->opts.arg, req, tls_conn_peer(c->tls), c->remote, r);
		r->priv = NULL;
		srv->cur_req = NULL;
		if (srv->deferred)
			return;
	}
	conn_respond(c, req, r);
	if (req->upgrade)
		c->close_after = true;
}

static void conn_start_linger(struct conn *c)
{
	tls_conn_close_notify(c->tls);
	shutdown(c->fd, SHUT_WR);
	c->state = C_LINGER;
	c->since_ms = server_now();
	conn_update_events(c);
}

/* Writes pending output: 0 when all is out or the socket is full, -errno when dead. */
static int conn_flush(struct conn *c)
{
	while (netbuf_size(&c->out) > 0) {
		ssize_t n = tls_conn_write(c->tls, netbuf_head(&c->out), netbuf_size(&c->out));

		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		netbuf_consume(&c->out, (size_t)n);
		c->since_ms = server_now();
	}
	return 0;
}

/* Feeds buffered input to the parser and handles complete requests. */
static void conn_parse(struct conn *c)
{
	while (netbuf_size(&c->in) > 0 && !c->close_after && !c->pending &&
	       netbuf_size(&c->out) < SERVER_OUT_HIGH) {
		size_t used = 0;
		enum http_in_status st = http_in_feed(c->http, netbuf_head(&c->in),
						      netbuf_size(&c->in), &used);

		netbuf_consume(&c->in, used);
		if (!c->in_request && http_in_started(c->http)) {
			c->in_request = true;
			c->since_ms = server_now();
		}
		if (c->in_request && !c->head_done_ms && http_in_headers_done(c->http))
			c->head_done_ms = server_now();
		if (st == HTTP_IN_READY) {
			conn_dispatch(c, http_in_request(c->http));
			http_in_next(c->http);
			c->in_request = false;
			c->head_done_ms = 0;
			c->since_ms = server_now();
			continue;
		}
		if (st == HTTP_IN_ERROR) {
			conn_error(c, http_in_error(c->http), http_in_error_reason(c->http));
			break;
		}
		if (http_in_take_continue(c->http))
			netbuf_append(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		break;
	}
}

/* Reads, parses, handles and writes until the socket would block. */
static void conn_serve(struct conn *c)
{
	bool paused;

	do {
		paused = false;
		for (;;) {
			ssize_t n;

			conn_parse(c);
			if (c->close_after || c->pending)
				break;
			if (netbuf_size(&c->out) >= SERVER_OUT_HIGH) {
				paused = true;
				break;
			}
			if (c->eof) {
				/* Every complete request that came before the end is answered. */
				c->close_after = true;
				break;
			}
			if (netbuf_reserve(&c->in, SERVER_READ_CHUNK) < 0) {
				conn_error(c, 400, "input buffer exhausted");
				break;
			}
			n = tls_conn_read(c->tls, c->in.data + c->in.len, SERVER_READ_CHUNK);
			if (n > 0) {
				c->in.len += (size_t)n;
				continue;
			}
			if (n == -EAGAIN)
				break;
			if (n == 0) {
				/* A request and the FIN may come in one burst: answer, then close. */
				c->eof = true;
				continue;
			}
			if (n != -ECONNRESET) {
				char eb[128];

				log_info("server: connection from %s: %s", c->remote,
					 tls_conn_last_error(c->tls, eb, sizeof(eb)));
			}
			/* A reset or an error: nothing more can be answered. */
			conn_close(c);
			return;
		}
		if (conn_flush(c) < 0) {
			conn_close(c);
			return;
		}
		/* Output drained below the mark: requests already received can go on. */
	} while (paused && !c->pending && netbuf_size(&c->out) < SERVER_OUT_HIGH);
	if (c->close_after && netbuf_size(&c->out) == 0) {
		conn_start_linger(c);
		return;
	}
	/* Idle keep-alive connections hold no buffers: a thousand readers cost little. */
	if (netbuf_size(&c->in) == 0 && !c->pending) {
		netbuf_free(&c->in);
		http_in_trim(c->http);
		tls_conn_trim(c->tls);
	}
	if (netbuf_size(&c->out) == 0)
		netbuf_free(&c->out);
	conn_update_events(c);
}

static void conn_handshake(struct conn *c)
{
	int err = tls_conn_handshake(c->tls);

	if (err == -EAGAIN) {
		conn_update_events(c);
		return;
	}
	if (err < 0) {
		char eb[128];

		c->srv->stats.tls_failed++;
		log_info("server: TLS handshake with %s failed: %s", c->remote,
			 tls_conn_last_error(c->tls, eb, sizeof(eb)));
		conn_close(c);
		return;
	}
	c->state = C_OPEN;
	c->since_ms = server_now();
	if (c->srv->draining) {
		conn_close(c);
		return;
	}
	conn_serve(c);
}

static void conn_linger(struct conn *c)
{
	char sink[4096];

	for (;;) {
		ssize_t n = recv(c->fd, sink, sizeof(sink), 0);

		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		conn_close(c);
		return;
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (c->state == C_CLOSED)
		return;
	if (c->state == C_LINGER) {
		conn_linger(c);
		return;
	}
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		conn_close(c);
		return;
	}
	if (c->state == C_HANDSHAKE)
		conn_handshake(c);
	else
		conn_serve(c);
}

static void server_accept(struct server *srv)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev = { .events = EPOLLIN };
		char ip[INET6_ADDRSTRLEN] = "?";
		struct conn *c;
		int one = 1, port = 0;
		int fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			/* Out of descriptors (EMFILE, ENFILE) or memory: a level-triggered listener
			 * would wake us at once, so stop listening for a moment; the backlog waits
			 * and the sweep listens again. */
			log_warn("server: accept: %s; pausing accepts for 100 ms", strerror(errno));
			epoll_ctl(srv->ep, EPOLL_CTL_DEL, srv->lfd, NULL);
			srv->accept_resume = server_now() + 100;
			return;
		}
		srv->stats.accepted++;
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
		if (srv->nconns >= srv->opts.max_conns && srv->nreject >= srv->overflow) {
			srv->stats.over_capacity++;
			log_notice("server: connection cap reached, closing %s:%d at once", ip, port);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || tls_conn_new(srv->opts.tls, fd, &c->tls) < 0 ||
		    http_in_new(&srv->opts.limits, &c->http) < 0) {
			log_err("server: out of memory for a connection from %s", ip);
			conn_free(c);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->srv = srv;
		c->fd = fd;
		c->state = C_HANDSHAKE;
		c->in.max = SERVER_READ_CHUNK * 4;
		c->out.max = SERVER_OUT_MAX;
		c->since_ms = server_now();
		c->events = EPOLLIN;
		snprintf(c->remote, sizeof(c->remote), "%s:%d", ip, port);
		if (srv->nconns >= srv->opts.max_conns) {
			c->reject = true;
			srv->nreject++;
			srv->stats.over_capacity++;
			log_notice("server: connection cap (%zu) reached, refusing %s with 503",
				   srv->opts.max_conns, c->remote);
		} else {
			srv->nconns++;
		}
		ev.data.ptr = c;
		if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			log_err("server: epoll_ctl: %s", strerror(errno));
			if (c->reject)
				srv->nreject--;
			else
				srv->nconns--;
			conn_free(c);
			close(fd);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		/* The client speaks first; wait for its hello rather than trying now. */
	}
}

static void server_begin_drain(struct server *srv)
{
	if (srv->draining)
		return;
	srv->draining = true;
	srv->drain_deadline = server_now() + srv->opts.drain_timeout_ms;
	log_notice("server: draining %zu connections", srv->nconns + srv->nreject);
	if (!srv->accept_resume)
		epoll_ctl(srv->ep, EPOLL_CTL_DEL, srv->lfd, NULL);
	close(srv->lfd);
	srv->lfd = -1;
	for (struct conn *c = srv->conns, *next; c; c = next) {
		next = c->next;
		if (c->pending)
			continue; /* answered with "Connection: close" when done */
		if (c->state == C_HANDSHAKE ||
		    (c->state == C_OPEN && !c->in_request && netbuf_size(&c->out) == 0))
			conn_close(c);
		else if (c->state == C_OPEN && !c->in_request)
			c->close_after = true;
	}
}

static void server_signal(struct server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_notice("server: SIGHUP");
			if (srv->opts.on_hup)
				srv->opts.on_hup(srv->opts.arg);
		} else {
			log_notice("server: signal %u, stopping", si.ssi_signo);
			server_begin_drain(srv);
		}
	}
}

static void server_sweep(struct server *srv, int64_t now)
{
	const struct server_opts *o = &srv->opts;

	if (srv->accept_resume && now >= srv->accept_resume && !srv->draining) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &server_tag_listen };

		if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, srv->lfd, &ev) == 0)
			srv->accept_resume = 0;
	}

	for (struct conn *c = srv->conns, *next; c; c = next) {
		next = c->next;
		switch (c->state) {
		case C_HANDSHAKE:
			if (now - c->since_ms >= o->header_timeout_ms) {
				srv->stats.timeouts++;
				log_notice("server: TLS handshake timeout for %s", c->remote);
				conn_close(c);
			}
			break;
		case C_LINGER:
			if (now - c->since_ms >= SERVER_LINGER_MS)
				conn_close(c);
			break;
		case C_OPEN:
			if (netbuf_size(&c->out) > 0) {
				if (now - c->since_ms >= o->idle_timeout_ms) {
					log_notice("server: %s stopped reading, closing", c->remote);
					conn_close(c);
				}
			} else if (c->pending) {
				/* Being answered: the server's own work, no client timeout. */
			} else if (c->in_request && !c->head_done_ms) {
				if (now - c->since_ms >= o->header_timeout_ms) {
					conn_error(c, 408, "request head not received in time");
					conn_serve(c);
				}
			} else if (c->in_request) {
				if (now - c->head_done_ms >= o->body_timeout_ms) {
					conn_error(c, 408, "request body not received in time");
					conn_serve(c);
				}
			} else if (now - c->since_ms >= o->idle_timeout_ms) {
				srv->stats.idle_closed++;
				log_debug("server: closing idle connection %s", c->remote);
				conn_close(c);
			}
			break;
		case C_CLOSED:
			break;
		}
	}
}

struct server_pending *server_defer(struct server_reply *reply)
{
	struct conn *c = reply->priv;
	struct server *srv = c ? c->srv : NULL;
	struct server_pending *p;

	if (!c || c->pending || !srv->cur_req || srv->deferred)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c = c;
	p->reply.status = 500;
	p->reply.content_type = "application/json";
	p->reply.body.max = SERVER_OUT_MAX / 2;
	p->keep_alive = srv->cur_req->keep_alive;
	p->http_minor = srv->cur_req->http_minor;
	p->head_only = strcmp(srv->cur_req->method_name, "HEAD") == 0;
	p->upgrade = srv->cur_req->upgrade;
	c->pending = p;
	srv->deferred = true;
	srv->defers++;
	reply->priv = NULL;
	return p;
}

struct server_reply *server_pending_reply(struct server_pending *p)
{
	return &p->reply;
}

bool server_pending_alive(const struct server_pending *p)
{
	return p->c != NULL;
}

void server_pending_done(struct server_pending *p)
{
	struct server *srv;

	if (!p)
		return;
	if (!p->c) {
		pending_free(p);
		return;
	}
	srv = p->c->srv;
	p->next_ready = NULL;
	*srv->ready_tail = p;
	srv->ready_tail = &p->next_ready;
}

/* Sends the answers made ready this round and serves what their connections hold next. */
static void server_run_ready(struct server *srv)
{
	while (srv->ready) {
		struct server_pending *p = srv->ready;
		struct conn *c = p->c;

		srv->ready = p->next_ready;
		if (!srv->ready)
			srv->ready_tail = &srv->ready;
		if (c) {
			c->pending = NULL;
			conn_respond_as(c, p->keep_alive, p->http_minor, p->head_only, &p->reply);
			if (p->upgrade)
				c->close_after = true;
			c->since_ms = server_now();
		}
		pending_free(p);
		if (c && c->state == C_OPEN)
			conn_serve(c);
	}
}

static void *server_worker(void *arg)
{
	struct server *srv = arg;
	uint64_t one = 1;

	/* Below the loop: on a small machine a long job must not take the loop's CPU (Linux
	 * gives each thread its own nice value). */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5) != 0)
		log_debug("server: worker priority not lowered: %s", strerror(errno));
	pthread_mutex_lock(&srv->wmu);
	for (;;) {
		struct server_work *w;

		while (!srv->wqueue && !srv->wstop)
			pthread_cond_wait(&srv->wcv, &srv->wmu);
		if (srv->wstop)
			break;
		w = srv->wqueue;
		srv->wqueue = w->next;
		if (!srv->wqueue)
			srv->wqueue_tail = &srv->wqueue;
		srv->wbusy++;
		pthread_mutex_unlock(&srv->wmu);
		w->run(w);
		pthread_mutex_lock(&srv->wmu);
		srv->wbusy--;
		w->next = srv->wdone;
		srv->wdone = w;
		if (write(srv->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_err("server: worker wake-up: %s", strerror(errno));
	}
	pthread_mutex_unlock(&srv->wmu);
	return NULL;
}

int server_work(struct server *srv, struct server_work *w)
{
	unsigned want = srv->opts.workers ? srv->opts.workers : 2;

	if (want > SERVER_MAX_WORKERS)
		want = SERVER_MAX_WORKERS;
	if (srv->nworkers < want && !srv->wfailed) {
		sigset_t all, old;

		/* Signals stay with the loop's signalfd. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		while (srv->nworkers < want) {
			int err = pthread_create(&srv->wthreads[srv->nworkers], NULL, server_worker,
						 srv);

			if (err) {
				log_err("server: cannot start a worker thread: %s", strerror(err));
				srv->wfailed = true;
				break;
			}
			srv->nworkers++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!srv->nworkers)
		return -EAGAIN;
	w->cancelled = false;
	w->next = NULL;
	pthread_mutex_lock(&srv->wmu);
	*srv->wqueue_tail = w;
	srv->wqueue_tail = &w->next;
	pthread_cond_signal(&srv->wcv);
	pthread_mutex_unlock(&srv->wmu);
	return 0;
}

bool server_work_idle(struct server *srv)
{
	bool idle;

	if (!srv)
		return false;
	if (!srv->nworkers)
		return !srv->wfailed;
	pthread_mutex_lock(&srv->wmu);
	idle = !srv->wqueue && srv->wbusy < srv->nworkers;
	pthread_mutex_unlock(&srv->wmu);
	return idle;
}

/* The eventfd fired: completes finished jobs in the order they were queued. */
static void server_work_done(struct server *srv)
{
	struct server_work *w, *rev = NULL;
	uint64_t n;

	if (read(srv->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_err("server: worker eventfd: %s", strerror(errno));
	pthread_mutex_lock(&srv->wmu);
	w = srv->wdone;
	srv->wdone = NULL;
	pthread_mutex_unlock(&srv->wmu);
	while (w) {
		struct server_work *next = w->next;

		w->next = rev;
		rev = w;
		w = next;
	}
	while (rev) {
		w = rev;
		rev = w->next;
		w->done(w);
	}
}

void server_stop(struct server *srv)
{
	server_begin_drain(srv);
}

int server_run(struct server *srv)
{
	struct epoll_event evs[SERVER_MAX_EVENTS];

	srv->next_sweep = server_now() + srv->tick_ms;
	while (!(srv->draining && (!srv->conns || server_now() >= srv->drain_deadline))) {
		int64_t now = server_now();
		int timeout = (int)(srv->next_sweep > now ? srv->next_sweep - now : 0);
		int n;

		if (srv->defers || srv->ready)
			timeout = 0; /* work queued for on_round: gather what is there, don't wait */
		else if (srv->round_wants && timeout > 1)
			timeout = 1;
		n = epoll_wait(srv->ep, evs, SERVER_MAX_EVENTS, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("server: epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &server_tag_listen) {
				if (!srv->draining)
					server_accept(srv);
			} else if (p == &server_tag_signal) {
				server_signal(srv);
			} else if (p == &server_tag_work) {
				server_work_done(srv);
			} else {
				conn_event(p, evs[i].events);
			}
		}
		srv->defers = 0;
		srv->round_wants = srv->opts.on_round && srv->opts.on_round(srv->opts.arg);
		server_run_ready(srv);
		now = server_now();
		if (now >= srv->next_sweep) {
			server_sweep(srv, now);
			srv->next_sweep = now + srv->tick_ms;
			if (srv->opts.on_tick && !srv->draining)
				srv->opts.on_tick(srv->opts.arg);
		}
		while (srv->dead) {
			struct conn *c = srv->dead;

			srv->dead = c->next;
			conn_free(c);
		}
	}
	if (srv->conns)
		log_warn("server: drain timeout, dropping %zu connections",
			 srv->nconns + srv->nreject);
	while (srv->conns)
		conn_close(srv->conns);
	log_notice("server: stopped");
	return 0;
}
