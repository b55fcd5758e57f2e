/*
 * A client of pn532-emu's control socket: what `pn532-emu --control SOCKET --send LINE` and
 * the test scripts use to place and remove cards by hand.
 */
#ifndef KIUM_TOOLS_PN532EMU_CLIENT_H
#define KIUM_TOOLS_PN532EMU_CLIENT_H

#include <stdio.h>

/* Sends each of lines[0..n) to the emulator at socket_path and prints each reply line to
 * out. Returns 0 when every reply starts with "ok", 1 when one starts with "err", 2 when the
 * emulator cannot be reached or gives no reply within timeout_ms. */
int emu_client_send(const char *socket_path, char *const *lines, int n, int timeout_ms, FILE *out);

#endif
