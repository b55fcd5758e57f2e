/*
 * Network change notices from the kernel (rtnetlink: links up/down, addresses added or
 * removed), so that the uplink retries at once when the network comes back instead of
 * waiting out its backoff. Non-blocking; polled from the main loop's idle callback.
 */
#ifndef KIUM_FIRMWARE_NETWATCH_H
#define KIUM_FIRMWARE_NETWATCH_H

#include <stdbool.h>

/* A netlink socket subscribed to link and address changes, or -errno (logged: the uplink
 * then relies on its backoff alone). */
int netwatch_open(void);
/* Drains pending notices; true when there was at least one. NULL-safe for fd < 0. */
bool netwatch_changed(int fd);
void netwatch_close(int fd);

#endif
