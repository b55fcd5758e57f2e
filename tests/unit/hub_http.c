/* Unit tests: HTTP request parsing and its limits (hub/net/http.c), fed from memory. */
#include "hub/net/buf.h"
#include "hub/net/http.h"
#include "tests/harness.h"

#include <errno.h>

static struct http_in *in;
static const struct http_limits lim = { .max_header = 512, .max_body = 64 };

static void fixture_free(void *p)
{
	(void)p;
	http_in_free(in);
	in = NULL;
}

static int setup(void)
{
	if (http_in_new(&lim, &in) < 0)
		return -1;
	harness_defer(fixture_free, NULL);
	return 0;
}

/* Feeds s in pieces of step bytes; returns the status at the first non-MORE or the end. */
static enum http_in_status feed(const char *s, size_t step, size_t *consumed)
{
	size_t len = strlen(s), pos = 0;
	enum http_in_status st = HTTP_IN_MORE;

	while (pos < len) {
		size_t n = len - pos < step ? len - pos : step, used;

		st = http_in_feed(in, s + pos, n, &used);
		pos += used;
		if (st != HTTP_IN_MORE)
			break;
	}
	if (consumed)
		*consumed = pos;
	return st;
}

TEST(simple_get)
{
	const struct http_request *r;

	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\nX-Y:  z \r\n\r\n", 1000, NULL),
		     HTTP_IN_READY);
	r = http_in_request(in);
	CHECK(r != NULL);
	CHECK_EQ_STR(r->method_name, "GET");
	CHECK_EQ_STR(r->path, "/healthz");
	CHECK_EQ_STR(r->query, "x=1");
	CHECK_EQ_STR(http_request_header(r, "host"), "a");
	CHECK_EQ_STR(http_request_header(r, "x-y"), "z ");
	CHECK(r->keep_alive);
	CHECK_EQ_INT(r->body_len, 0);
}

TEST(byte_by_byte_with_body)
{
	const char *req = "POST /p HTTP/1.1\r\nContent-Length: 5\r\nContent-Type: a\r\n\r\nhello";
	const struct http_request *r;

	CHECK(setup() == 0);
	CHECK_EQ_INT(feed(req, 1, NULL), HTTP_IN_READY);
	r = http_in_request(in);
	CHECK_EQ_STR(r->body, "hello");
	CHECK_EQ_INT(r->body_len, 5);
	CHECK_EQ_STR(http_request_header(r, "Content-Type"), "a");
}

TEST(pipelined_in_order)
{
	const char *two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n";
	size_t used, total = strlen(two);

	CHECK(setup() == 0);
	CHECK_EQ_INT(http_in_feed(in, two, total, &used), HTTP_IN_READY);
	CHECK_EQ_STR(http_in_request(in)->path, "/a");
	CHECK(used < total);
	http_in_next(in);
	{
		size_t used2;

		CHECK_EQ_INT(http_in_feed(in, two + used, total - used, &used2), HTTP_IN_READY);
		CHECK_EQ_STR(http_in_request(in)->path, "/b");
		CHECK(!http_in_request(in)->keep_alive);
		CHECK_EQ_INT(used + used2, total);
	}
}

TEST(http10_keepalive)
{
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("GET / HTTP/1.0\r\n\r\n", 100, NULL), HTTP_IN_READY);
	CHECK(!http_in_request(in)->keep_alive);
	http_in_next(in);
	CHECK_EQ_INT(feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 100, NULL),
		     HTTP_IN_READY);
	CHECK(http_in_request(in)->keep_alive);
}

TEST(head_too_large_431)
{
	char big[1024];

	CHECK(setup() == 0);
	memset(big, 0, sizeof(big));
	strcpy(big, "GET / HTTP/1.1\r\nX-Big: ");
	memset(big + strlen(big), 'a', 600);
	strcat(big, "\r\n\r\n");
	CHECK_EQ_INT(feed(big, 7, NULL), HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 431);
}

TEST(too_many_headers_431)
{
	char req[1024] = "GET / HTTP/1.1\r\n";
	struct http_limits l = { .max_header = 4096, .max_body = 10 };

	http_in_new(&l, &in);
	harness_defer(fixture_free, NULL);
	CHECK(in != NULL);
	for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		strcat(req, "A: b\r\n");
	strcat(req, "\r\n");
	CHECK_EQ_INT(feed(req, 1000, NULL), HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 431);
}

TEST(declared_body_too_large_413)
{
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n", 100, NULL),
		     HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 413);
}

TEST(chunked_body_too_large_413)
{
	char req[512] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";

	CHECK(setup() == 0);
	for (int i = 0; i < 10; i++)
		strcat(req, "A\r\n0123456789\r\n");
	CHECK_EQ_INT(feed(req, 100, NULL), HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 413);
}

TEST(chunked_ok)
{
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 3, NULL), HTTP_IN_READY);
	CHECK_EQ_STR(http_in_request(in)->body, "abcde");
}

TEST(malformed_400)
{
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("HELLO WORLD\r\n\r\n", 100, NULL), HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 400);
	fixture_free(NULL);
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
			  100, NULL), HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 400);
	fixture_free(NULL);
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("GET http://evil/ HTTP/1.1\r\n\r\n", 100, NULL), HTTP_IN_ERROR);
	CHECK_EQ_INT(http_in_error(in), 400);
}

TEST(expect_continue)
{
	CHECK(setup() == 0);
	CHECK_EQ_INT(feed("POST / HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
			  100, NULL), HTTP_IN_MORE);
	CHECK(http_in_started(in));
	CHECK(http_in_headers_done(in));
	CHECK(http_in_take_continue(in));
	CHECK(!http_in_take_continue(in));
	CHECK_EQ_INT(feed("ok", 100, NULL), HTTP_IN_READY);
}

TEST(started_only_after_bytes)
{
	CHECK(setup() == 0);
	CHECK(!http_in_started(in));
	CHECK_EQ_INT(feed("GE", 100, NULL), HTTP_IN_MORE);
	CHECK(http_in_started(in));
	CHECK(!http_in_headers_done(in));
}

TEST(query_get)
{
	char v[16];

	CHECK_EQ_INT(http_query_get("a=1&since=42&b", "since", v, sizeof(v)), 2);
	CHECK_EQ_STR(v, "42");
	CHECK_EQ_INT(http_query_get("date=2026-11-22", "date", v, sizeof(v)), 10);
	CHECK_EQ_INT(http_query_get("x=%41+b", "x", v, sizeof(v)), 3);
	CHECK_EQ_STR(v, "A b");
	CHECK_EQ_INT(http_query_get("x=%4", "x", v, sizeof(v)), -EINVAL);
	CHECK_EQ_INT(http_query_get("x=%00", "x", v, sizeof(v)), -EINVAL);
	CHECK_EQ_INT(http_query_get("xx=1", "x", v, sizeof(v)), -ENOENT);
	CHECK_EQ_INT(http_query_get("x=12345678901234567890", "x", v, sizeof(v)), -E2BIG);
	CHECK_EQ_INT(http_query_get("", "x", v, sizeof(v)), -ENOENT);
}

TEST(response_head)
{
	struct netbuf b = { 0 };
	char s[256];

	CHECK(http_response_head(&b, 413, "application/json", 12, "close", "Retry-After: 1\r\n") == 0);
	snprintf(s, sizeof(s), "%.*s", (int)netbuf_size(&b), netbuf_head(&b));
	netbuf_free(&b);
	CHECK_EQ_STR(s, "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
			"Content-Length: 12\r\nConnection: close\r\nRetry-After: 1\r\n\r\n");
}

TEST(netbuf_cap)
{
	struct netbuf b = { .max = 8 };
	int e1, e2;

	e1 = netbuf_append(&b, "12345678", 8);
	e2 = netbuf_append(&b, "9", 1);
	netbuf_consume(&b, 4);
	CHECK_EQ_INT(netbuf_append(&b, "abcd", 4), 0);
	CHECK_EQ_INT(netbuf_size(&b), 8);
	CHECK(memcmp(netbuf_head(&b), "5678abcd", 8) == 0);
	netbuf_free(&b);
	CHECK_EQ_INT(e1, 0);
	CHECK_EQ_INT(e2, -ENOBUFS);
}

int main(void)
{
	RUN(simple_get);
	RUN(byte_by_byte_with_body);
	RUN(pipelined_in_order);
	RUN(http10_keepalive);
	RUN(head_too_large_431);
	RUN(too_many_headers_431);
	RUN(declared_body_too_large_413);
	RUN(chunked_body_too_large_413);
	RUN(chunked_ok);
	RUN(malformed_400);
	RUN(expect_continue);
	RUN(started_only_after_bytes);
	RUN(query_get);
	RUN(response_head);
	RUN(netbuf_cap);
	return harness_done();
}
