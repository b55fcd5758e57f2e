/*
 * Each pn532-emu fault seen through libnfc's real pn532_uart driver, as PN532.md predicts,
 * and the next call succeeding: garbage -> NFC_EIO at once; noack and noresp on select ->
 * NFC_ETIMEOUT (300 ms); badcs -> NFC_EIO; nfc_abort_command cancels a waiting InAutoPoll;
 * unplug -> NFC_EIO and nfc_open fails until replug.
 *
 *   nfc_faults CONNSTRING CONTROL_SOCKET
 *
 * Prints "PASS: nfc_faults:<check>" / "FAIL: nfc_faults:<check>: <why>" lines; exit 1 on a
 * failure. Watchdog: alarm(30).
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

static int failures;
static int ctl_fd = -1;
static const nfc_modulation mod = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };

static void result(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void result(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: nfc_faults:%s\n", name);
	} else {
		printf("FAIL: nfc_faults:%s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		failures++;
	}
	fflush(stdout);
}

static const char *err_name(int e)
{
	switch (e) {
	case NFC_EIO: return "NFC_EIO";
	case NFC_ETIMEOUT: return "NFC_ETIMEOUT";
	default: return "?";
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool ctl(const char *cmd)
{
	char line[128], reply[1024];
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

static nfc_device *open_init(nfc_context *ctx, const char *conn)
{
	nfc_device *pnd = nfc_open(ctx, conn);

	if (pnd && (nfc_initiator_init(pnd) < 0 ||
		    nfc_device_set_property_bool(pnd, NP_INFINITE_SELECT, false) < 0)) {
		nfc_close(pnd);
		pnd = NULL;
	}
	return pnd;
}

/* Arms fault, runs one select; checks its result and duration, then that the next works. */
static void select_fault(nfc_device *pnd, const char *fault, int want, int64_t min_ms, int64_t max_ms)
{
	char cmd[64], name[64];
	nfc_target nt;
	int64_t t0, dt;
	int res;

	snprintf(cmd, sizeof(cmd), "fault %s", fault);
	if (!ctl(cmd)) {
		result(fault, false, "control refused \"%s\"", cmd);
		return;
	}
	t0 = now_ms();
	res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
	dt = now_ms() - t0;
	snprintf(name, sizeof(name), "%s on select gives %s", fault, err_name(want));
	result(name, res == want && dt >= min_ms && dt <= max_ms,
	       "select returned %d (%s) after %lld ms, want %d in [%lld, %lld] ms", res,
	       res < 0 ? nfc_strerror(pnd) : "-", (long long)dt, want, (long long)min_ms,
	       (long long)max_ms);
	res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
	snprintf(name, sizeof(name), "%s: next select works", fault);
	result(name, res == 1, "select returned %d", res);
}

struct aborter {
	nfc_device *pnd;
	int delay_ms;
};

static void *abort_later(void *arg)
{
	struct aborter *a = arg;

	usleep((useconds_t)a->delay_ms * 1000);
	nfc_abort_command(a->pnd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	nfc_context *ctx = NULL;
	nfc_device *pnd = NULL;
	nfc_target nt;
	int res;

	if (argc != 3 || strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: nfc_faults CONNSTRING CONTROL_SOCKET\n");
		return 2;
	}
	alarm(30);
	memcpy(sa.sun_path, argv[2], strlen(argv[2]) + 1);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ctl_fd < 0 || connect(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		result("setup", false, "cannot connect to %s", argv[2]);
		return 1;
	}
	nfc_init(&ctx);
	pnd = ctx ? open_init(ctx, argv[1]) : NULL;
	if (!pnd || !ctl("place 04A1B2C3")) {
		result("setup", false, "nfc_open/init or place failed");
		goto out;
	}
	res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
	result("select works before faults", res == 1, "select returned %d", res);

	select_fault(pnd, "garbage", NFC_EIO, 0, 100);
	select_fault(pnd, "noack", NFC_ETIMEOUT, 250, 1000);
	select_fault(pnd, "noresp", NFC_ETIMEOUT, 250, 1000);
	select_fault(pnd, "badcs", NFC_EIO, 0, 200);

	/* A fault aimed at one command code lets the others through. */
	{
		int r1, r2, r3;

		ctl("fault badcs 4A");
		r1 = nfc_device_set_property_bool(pnd, NP_INFINITE_SELECT, false); /* 32 05 ... */
		r2 = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
		r3 = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
		result("badcs aimed at 4A spares RFConfiguration, spoils the select, once",
		       r1 == 0 && r2 == NFC_EIO && r3 == 1, "got %d %d %d", r1, r2, r3);
	}

	/* A waiting InAutoPoll (no card) cancelled by nfc_abort_command: libnfc sends an ACK,
	 * the emulator drops the wait, and the next poll sees the card. */
	{
		struct aborter a = { .pnd = pnd, .delay_ms = 200 };
		pthread_t th;
		int64_t t0 = now_ms();

		ctl("remove");
		pthread_create(&th, NULL, abort_later, &a);
		res = nfc_initiator_poll_target(pnd, &mod, 1, 0xFF, 1, &nt);
		pthread_join(th, NULL);
		result("abort cancels a waiting InAutoPoll", res == NFC_EOPABORTED &&
		       now_ms() - t0 < 1000, "poll returned %d after %lld ms", res,
		       (long long)(now_ms() - t0));
		ctl("place 04112233445566");
		res = nfc_initiator_poll_target(pnd, &mod, 1, 0xFF, 1, &nt);
		result("poll after abort sees the card", res == 1 && nt.nti.nai.szUidLen == 7,
		       "poll returned %d", res);
	}

	/* Unplug: the open device fails with NFC_EIO, reopening fails until replug. */
	if (!ctl("fault unplug")) {
		result("unplug", false, "control refused");
		goto out;
	}
	res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
	result("unplug gives NFC_EIO", res == NFC_EIO, "select returned %d", res);
	nfc_close(pnd);
	pnd = nfc_open(ctx, argv[1]);
	result("reopen fails while unplugged", pnd == NULL, "nfc_open succeeded");
	if (pnd)
		nfc_close(pnd);
	result("replug", ctl("replug"), "control refused");
	pnd = open_init(ctx, argv[1]);
	result("reopen works after replug", pnd != NULL, "nfc_open failed");
	if (pnd) {
		res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
		result("select works after replug", res == 1, "select returned %d", res);
	}

	/* Unplugged for 300 ms, back by itself. */
	if (pnd)
		nfc_close(pnd);
	pnd = NULL;
	result("unplug for 300 ms", ctl("fault unplug 300"), "control refused");
	{
		nfc_device *d = nfc_open(ctx, argv[1]);

		result("reopen fails at once", d == NULL, "nfc_open succeeded");
		if (d)
			nfc_close(d);
	}
	usleep(500 * 1000);
	pnd = open_init(ctx, argv[1]);
	result("reopen works after the automatic replug", pnd != NULL, "nfc_open failed");
	if (pnd) {
		res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
		result("select works after the automatic replug", res == 1, "select returned %d", res);
	}
out:
	alarm(0);
	if (pnd)
		nfc_close(pnd);
	if (ctx)
		nfc_exit(ctx);
	close(ctl_fd);
	return failures ? 1 : 0;
}
