/*
 * The listening socket: parses "ADDR:PORT" / "[IPv6]:PORT", binds (port 0: the kernel picks
 * one), logs the bound address and writes the port to a file for tests and supervisors.
 */
#ifndef KIUM_HUB_NET_LISTEN_H
#define KIUM_HUB_NET_LISTEN_H

/* Opens a non-blocking listening socket: 0 with *fd (caller closes) and *port, or -errno
 * after logging. port_file may be NULL; it is written atomically (temporary file, rename). */
int listen_open(const char *listen_addr, const char *port_file, int *fd, int *port);

#endif
