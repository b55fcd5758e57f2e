/*
 * Place/remove cycles through libnfc's real pn532_uart driver against pn532-emu: every placed
 * UID must be seen exactly once (no miss) and nothing may be seen while the reader is empty
 * (no phantom). Uses the calls the firmware uses: nfc_initiator_poll_target (InAutoPoll) or
 * nfc_initiator_select_passive_target, then nfc_initiator_target_is_present to see removal.
 *
 *   nfc_cycles CONNSTRING CONTROL_SOCKET CYCLES poll|select
 *
 * Prints "cycles=N seen=N missed=N phantom=N stale=N" and exits 0 only when all is well.
 * A watchdog (alarm) kills it if one cycle takes more than 10 s.
 */
#include <errno.h>
#include <nfc/nfc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends one command line; true when the reply line starts with "ok". */
static bool ctl(int fd, const char *cmd)
{
	char line[256], reply[512];
	size_t n = 0;
	int len = snprintf(line, sizeof(line), "%s\n", cmd);

	if (write(fd, line, (size_t)len) != len)
		return false;
	while (n + 1 < sizeof(reply)) {
		ssize_t r = read(fd, reply + n, 1);

		if (r <= 0)
			return false;
		if (reply[n++] == '\n')
			break;
	}
	reply[n] = '\0';
	if (strncmp(reply, "ok", 2) != 0) {
		fprintf(stderr, "control: %s -> %s", cmd, reply);
		return false;
	}
	return true;
}

static void make_uid(unsigned i, uint8_t *uid, size_t len)
{
	uint32_t x = i * 2654435761u + 0x1234567u;

	for (size_t k = 0; k < len; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uid[k] = (uint8_t)x;
	}
	if (len == 7)
		uid[0] = 0x04; /* NXP manufacturer byte, never the cascade tag 0x88 */
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t k = 0; k < n; k++)
		sprintf(out + 2 * k, "%02X", b[k]);
}

int main(int argc, char **argv)
{
	const nfc_modulation mod = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
	nfc_context *ctx = NULL;
	nfc_device *pnd = NULL;
	unsigned cycles, seen = 0, missed = 0, phantom = 0, stale = 0;
	bool poll_mode;
	int fd = -1, ret = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: nfc_cycles CONNSTRING CONTROL_SOCKET CYCLES poll|select\n");
		return 2;
	}
	cycles = (unsigned)strtoul(argv[3], NULL, 10);
	poll_mode = strcmp(argv[4], "poll") == 0;
	alarm(20);
	fd = ctl_connect(argv[2]);
	if (fd < 0) {
		fprintf(stderr, "cannot connect to %s\n", argv[2]);
		goto out;
	}
	nfc_init(&ctx);
	if (!ctx || !(pnd = nfc_open(ctx, argv[1]))) {
		fprintf(stderr, "nfc_open %s failed\n", argv[1]);
		goto out;
	}
	if (nfc_initiator_init(pnd) < 0) {
		nfc_perror(pnd, "nfc_initiator_init");
		goto out;
	}
	for (unsigned i = 0; i < cycles; i++) {
		uint8_t uid[7];
		size_t len = i % 2 ? 7 : 4;
		char cmd[64], want[15], got[21];
		nfc_target nt;
		int res;

		alarm(10);
		make_uid(i, uid, len);
		hex(uid, len, want);
		/* Empty reader first: a quick select (no endless retries) must find nothing. */
		if (nfc_device_set_property_bool(pnd, NP_INFINITE_SELECT, false) < 0)
			goto out;
		res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
		if (res != 0) {
			fprintf(stderr, "cycle %u: empty reader, select returned %d\n", i, res);
			phantom++;
		}
		snprintf(cmd, sizeof(cmd), "place %s", want);
		if (!ctl(fd, cmd))
			goto out;
		if (poll_mode)
			res = nfc_initiator_poll_target(pnd, &mod, 1, 20, 1, &nt);
		else
			res = nfc_initiator_select_passive_target(pnd, mod, NULL, 0, &nt);
		if (res == 1) {
			hex(nt.nti.nai.abtUid, nt.nti.nai.szUidLen, got);
			if (strcmp(got, want) == 0) {
				seen++;
			} else {
				fprintf(stderr, "cycle %u: saw %s, placed %s\n", i, got, want);
				phantom++;
			}
		} else {
			fprintf(stderr, "cycle %u: %s %s returned %d\n", i, want,
				poll_mode ? "poll" : "select", res);
			missed++;
		}
		if (res == 1 && nfc_initiator_target_is_present(pnd, NULL) != 0) {
			fprintf(stderr, "cycle %u: present card reported gone\n", i);
			stale++;
		}
		if (!ctl(fd, "remove"))
			goto out;
		if (res == 1 && (res = nfc_initiator_target_is_present(pnd, NULL)) != NFC_ETGRELEASED) {
			fprintf(stderr, "cycle %u: removed card, is_present returned %d\n", i, res);
			stale++;
		}
	}
	printf("cycles=%u seen=%u missed=%u phantom=%u stale=%u\n", cycles, seen, missed,
	       phantom, stale);
	ret = seen == cycles && !missed && !phantom && !stale ? 0 : 1;
out:
	alarm(0);
	if (pnd)
		nfc_close(pnd);
	if (ctx)
		nfc_exit(ctx);
	if (fd >= 0)
		close(fd);
	return ret;
}
