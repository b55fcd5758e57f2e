/*
 * The cost of a portal login's password check: Argon2id hash and verify at the hub's
 * default limits (hub/auth/password.c) and at libsodium's INTERACTIVE ones, median of N. The
 * check runs on the event loop, so this is also how long one login stalls other requests.
 * Also the cost a session adds to each portal request: GET /api/v1/session in process
 * (cookie -> session row -> account -> roles -> JSON), on a store in a temp directory.
 * Prints "bench: <name> <value> <unit>" lines.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/log.h"

#include "hub/auth/password.h"
#include "tests/unit/hub_portal_fixture.h"
#include "hub/store/store.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(const char *label, int n)
{
	char hash[STORE_PWHASH_MAX];
	double h[64], v[64], t;

	for (int i = 0; i < n; i++) {
		t = now_ms();
		if (password_hash("Bench2026pass", hash, sizeof(hash)) < 0)
			exit(1);
		h[i] = now_ms() - t;
		t = now_ms();
		if (!password_verify(hash, "Bench2026pass"))
			exit(1);
		v[i] = now_ms() - t;
	}
	qsort(h, (size_t)n, sizeof(double), cmp);
	qsort(v, (size_t)n, sizeof(double), cmp);
	printf("bench: portal_password_hash%s_ms %.1f ms\n", label, h[n / 2]);
	printf("bench: portal_password_verify%s_ms %.1f ms\n", label, v[n / 2]);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 9;

	if (n < 1 || n > 64)
		n = 9;
	struct pf f;
	struct pf_reply r;
	char sid[SESSION_ID_TEXT], csrf[SESSION_CSRF_TEXT];
	double t;
	int calls = 2000, bad = 0;

	run("", n);
	password_set_cost(crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	run("_interactive", n);
	log_init("bench", KLOG_ERR - 1);
	if (pf_open(&f) < 0 || pf_facility(&f, "NWUK015", "NW", "UK") < 0 ||
	    pf_account(&f, "NWUK015001", "NW", "NWUK015", "approved", "center:UK") < 0 ||
	    pf_session(&f, "NWUK015001", sid, csrf) < 0)
		return 1;
	t = now_ms();
	for (int i = 0; i < calls; i++) {
		bad += pf_call(&f, "GET", "/api/v1/session", sid, NULL, NULL, NULL, &r) != 200;
		pf_reply_free(&r);
	}
	t = now_ms() - t;
	pf_close(&f);
	if (bad)
		return 1;
	printf("bench: portal_session_request_us %.0f us\n", t * 1000 / calls);
	return 0;
}
