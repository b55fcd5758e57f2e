/*
 * Latency through libnfc's real pn532_uart driver against pn532-emu:
 *   select      nfc_initiator_select_passive_target with the card there (no endless retry)
 *   tap_to_uid  a card placed while nfc_initiator_poll_target (InAutoPoll) waits, to the UID
 *   removal_to_gone  card removed, to nfc_initiator_target_is_present saying so, checking
 *               back to back
 *
 *   pn532_bench CONNSTRING CONTROL_SOCKET TAPS LABEL
 *
 * Prints "bench: LABEL_<figure>_{median,p95}_ms <value> ms" lines. Watchdog: alarm.
 */
#include <nfc/nfc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_TAPS 1000

static int ctl_fd = -1;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool ctl(const char *cmd)
{
	char line[128], reply[256];
	size_t n = 0;
	int len = snprintf(line, sizeof(line), "%s\n", cmd);

	if (write(ctl_fd, line, (size_t)len) != len)
		return false;
	while (n + 1 < sizeof(reply) && read(ctl_fd, reply + n, 1) == 1)
		if (reply[n++] == '\n')
			break;
	reply[n] = '\0';
	return strncmp(reply, "ok", 2) == 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *label, const char *what, double *v, int n)
{
	if (n == 0) {
		printf("bench: %s_%s_median_ms nan ms\n", label, what);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("bench: %s_%s_median_ms %.2f ms\n", label, what, v[n / 2]);
	printf("bench: %s_%s_p95_ms %.2f ms\n", label, what, v[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1]);
}

struct placer {
	const char *cmd;
	int delay_us;
	double at_ms;
	bool ok;
};

static void *place_later(void *arg)
{
	struct placer *p = arg;

	usleep((useconds_t)p->delay_us);
	p->at_ms = now_ms();
	p->ok = ctl(p->cmd);
	return NULL;
}

int main(int argc, char **argv)
{
	static double sel[MAX_TAPS], tap[MAX_TAPS], gone[MAX_TAPS];
	const nfc_modulation mod = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	nfc_context *ctx = NULL;
	nfc_device *pnd = NULL;
	int taps, nsel = 0, ntap = 0, ngone = 0, ret = 1;
	nfc_target nt;

	if (argc != 5 || strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: pn532_bench CONNSTRING CONTROL_SOCKET TAPS LABEL\n");
		return 2;
	}
	taps = atoi(argv[3]);
	if (taps < 1 || taps > MAX_TAPS)
		taps = 50;
	alarm(120);
	memcpy(sa.sun_path, argv[2], strlen(argv[2]) + 1);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ctl_fd < 0 || connect(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	nfc_init(&ctx);
	if (!ctx || !(pnd = nfc_open(ctx, argv[1])) || nfc_initiator_init(pnd) < 0 ||
	    nfc_device_set_property_bool(pnd, NP_INFINITE_SELECT, false) < 0) {
		fprintf(stderr, "pn532_bench: cannot open %s\n", argv[1]);
		goto out;
	}
	for (int i = 0; i < taps; i++) {
		struct placer p = { .cmd = "place 04A1B2C3", .delay_us = 5000 + (i % 10) * 1000 };
		pthread_t th;
		double t0;
		int res;

		pthread_create(&th, NULL, place_later, &p);
		res = nfc_initiator_poll_target(pnd, &mod, 1, 20, 1, &nt);
		t0 = now_ms();
		pthread_join(th, NULL);
		if (res == 1 && p.ok)
			tap[ntap++] = t0 - p.at_ms;
		t0 = now_ms();
		if (nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt) == 1)
			sel[nsel++] = now_ms() - t0;
		t0 = now_ms();
		if (!ctl("remove"))
			goto out;
		for (int k = 0; k < 1000; k++) {
			if (nfc_initiator_target_is_present(pnd, NULL) == NFC_ETGRELEASED) {
				gone[ngone++] = now_ms() - t0;
				break;
			}
		}
	}
	report(argv[4], "select", sel, nsel);
	report(argv[4], "tap_to_uid", tap, ntap);
	report(argv[4], "removal_to_gone", gone, ngone);
	ret = nsel == taps && ntap == taps && ngone == taps ? 0 : 1;
	if (ret)
		fprintf(stderr, "pn532_bench: %d selects, %d taps, %d removals of %d\n", nsel, ntap,
			ngone, taps);
out:
	alarm(0);
	if (pnd)
		nfc_close(pnd);
	if (ctx)
		nfc_exit(ctx);
	if (ctl_fd >= 0)
		close(ctl_fd);
	return ret;
}
