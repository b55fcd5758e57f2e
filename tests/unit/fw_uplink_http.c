/*
 * Unit tests of firmware/uplink_http.c, the uplink's HTTP/1.1 answer reader: bodies by
 * Content-Length and chunked, fed whole and one byte at a time; whether the connection may be
 * kept; answers over UPLINK_REPLY_MAX refused; answers cut short or not HTTP.
 */
#include "firmware/uplink_http.h"
#include "firmware/uplink_transport.h"
#include "tests/harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Feeds s in pieces of `step` bytes (0: all at once); returns the last feed's result. */
static int feed(struct uplink_http *h, const char *s, size_t step)
{
	size_t len = strlen(s), pos = 0;
	int rc = 0;

	if (!step)
		return uplink_http_feed(h, s, len);
	while (pos < len && rc == 0) {
		size_t n = len - pos < step ? len - pos : step;

		rc = uplink_http_feed(h, s + pos, n);
		pos += n;
	}
	return rc;
}

TEST(content_length_whole_and_bytewise)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: 15\r\n\r\n{\"acked_seq\":3}";
	size_t steps[] = { 0, 1, 7 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct uplink_http h;
		size_t len;
		char *body;

		uplink_http_init(&h);
		CHECK_EQ_INT(feed(&h, ans, steps[i]), 1);
		CHECK_EQ_INT(h.status, 200);
		CHECK(h.keep_alive);
		body = uplink_http_take_body(&h, &len);
		CHECK_EQ_INT(len, 15);
		CHECK_EQ_STR(body, "{\"acked_seq\":3}");
		free(body);
		uplink_http_free(&h);
	}
}

TEST(bytes_past_the_answer_spoil_the_connection)
{
	struct uplink_http h;

	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1", 0), 1);
	CHECK(!h.keep_alive);
	uplink_http_free(&h);
}

TEST(chunked_body_assembled_and_kept)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "5\r\n{\"a\":\r\n3\r\n12}\r\n0\r\n\r\n";
	size_t steps[] = { 0, 1, 3 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct uplink_http h;
		size_t len;
		char *body;

		uplink_http_init(&h);
		CHECK_EQ_INT(feed(&h, ans, steps[i]), 1);
		CHECK(h.keep_alive);
		body = uplink_http_take_body(&h, &len);
		CHECK_EQ_STR(body, "{\"a\":12}");
		CHECK_EQ_INT(len, 8);
		free(body);
		uplink_http_free(&h);
	}
}

TEST(connection_close_not_kept)
{
	struct uplink_http h;

	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
			  0), 1);
	CHECK_EQ_INT(h.status, 503);
	CHECK(!h.keep_alive);
	uplink_http_free(&h);
}

TEST(body_to_the_end_of_the_connection)
{
	struct uplink_http h;
	size_t len;
	char *body;

	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 200 OK\r\n\r\n{\"x\":", 0), 0);
	CHECK_EQ_INT(feed(&h, "1}", 0), 0);
	CHECK_EQ_INT(uplink_http_eof(&h), 1);
	CHECK(!h.keep_alive);
	body = uplink_http_take_body(&h, &len);
	CHECK_EQ_STR(body, "{\"x\":1}");
	free(body);
	uplink_http_free(&h);
}

TEST(no_body_gives_empty_string)
{
	struct uplink_http h;
	size_t len = 99;
	char *body;

	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 204 No Content\r\n\r\n", 0), 1);
	CHECK(h.keep_alive);
	body = uplink_http_take_body(&h, &len);
	CHECK(body && body[0] == '\0' && len == 0);
	free(body);
	uplink_http_free(&h);
}

TEST(cut_short_is_eio)
{
	struct uplink_http h;

	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a\"", 0), 0);
	CHECK_EQ_INT(uplink_http_eof(&h), -EIO);
	uplink_http_free(&h);
	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0), 0);
	CHECK_EQ_INT(uplink_http_eof(&h), -EIO);
	uplink_http_free(&h);
}

TEST(not_http_is_eproto)
{
	struct uplink_http h;

	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "SSH-2.0-OpenSSH_9.2\r\n", 0), -EPROTO);
	uplink_http_free(&h);
	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0),
		     -EPROTO);
	uplink_http_free(&h);
	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, "HTTP/1.1 2 OK\r\n\r\n{}", 0), -EPROTO); /* no such status */
	uplink_http_free(&h);
}

TEST(declared_length_over_cap_refused)
{
	struct uplink_http h;
	char ans[128];

	snprintf(ans, sizeof(ans), "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n{",
		 UPLINK_REPLY_MAX);
	uplink_http_init(&h);
	CHECK_EQ_INT(feed(&h, ans, 0), -EMSGSIZE);
	CHECK(h.len == 0); /* refused before any of it is kept */
	CHECK_EQ_INT(uplink_http_feed(&h, "x", 1), -EMSGSIZE);
	uplink_http_free(&h);
}

TEST(chunked_over_cap_refused)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	size_t piece = 1 << 20, sent = 0;
	char *chunk = malloc(piece + 16);
	struct uplink_http h;
	int rc = 0, n;

	CHECK(chunk != NULL);
	if (!chunk)
		return;
	uplink_http_init(&h);
	CHECK_EQ_INT(uplink_http_feed(&h, head, sizeof(head) - 1), 0);
	n = snprintf(chunk, 16, "%zx\r\n", piece);
	memset(chunk + n, 'a', piece);
	memcpy(chunk + n + piece, "\r\n", 2);
	while (rc == 0 && sent < 2 * (size_t)UPLINK_REPLY_MAX) {
		rc = uplink_http_feed(&h, chunk, (size_t)n + piece + 2);
		sent += piece;
	}
	CHECK_EQ_INT(rc, -EMSGSIZE);
	CHECK(h.len < UPLINK_REPLY_MAX);
	CHECK(sent <= (size_t)UPLINK_REPLY_MAX); /* refused at the cap, not later */
	uplink_http_free(&h);
	free(chunk);
}

int main(void)
{
	RUN(content_length_whole_and_bytewise);
	RUN(bytes_past_the_answer_spoil_the_connection);
	RUN(chunked_body_assembled_and_kept);
	RUN(connection_close_not_kept);
	RUN(body_to_the_end_of_the_connection);
	RUN(no_body_gives_empty_string);
	RUN(cut_short_is_eio);
	RUN(not_http_is_eproto);
	RUN(declared_length_over_cap_refused);
	RUN(chunked_over_cap_refused);
	return harness_done();
}
