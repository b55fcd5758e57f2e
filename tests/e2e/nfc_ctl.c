/*
 * A client for pn532-emu's control socket, for scripts (the same as `pn532-emu --control
 * SOCKET --send LINE...`):
 *
 *   nfc_ctl SOCKET LINE...    sends each LINE, prints each reply line
 *
 * Exits 0 when every reply starts with "ok", 1 when one starts with "err", 2 on a connection
 * problem. Gives up after 5 s without a reply.
 */
#include "tools/pn532emu/client.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: nfc_ctl SOCKET LINE...\n");
		return 2;
	}
	return emu_client_send(argv[1], argv + 2, argc - 2, 5000, stdout);
}
