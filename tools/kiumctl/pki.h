/*
 * kiumctl's private CA, on mbedTLS's x509 writer: the hub's CA (ca.key, ca.crt in the data
 * directory; the key never leaves it), the hub's server certificate and one certificate per
 * reader. ECDSA P-256 keys, SHA-256 signatures, random 128-bit serials, single-CN names.
 *   CA:      CN "kium CA <hostname>", CA:TRUE pathlen 0, keyCertSign|cRLSign, 10 years
 *   server:  CN hostname, SANs (DNS + IP), serverAuth, 2 years
 *   device:  CN device id, clientAuth, 2 years
 * This file is the only part of kiumctl that includes mbedTLS headers.
 */
#ifndef KIUM_KIUMCTL_PKI_H
#define KIUM_KIUMCTL_PKI_H

#include <stddef.h>
#include <sys/types.h>

enum pki_kind {
	PKI_SERVER,
	PKI_DEVICE,
};

struct pki_issued {
	char serial[40];   /* hex */
	char sha256[65];   /* hex SHA-256 of the certificate's DER */
	char *cert_pem;    /* NUL-terminated */
	char *key_pem;     /* NUL-terminated; wiped by pki_issued_free */
};

/* A DNS name for a SAN: 1..253 of [A-Za-z0-9.-]. */
int pki_hostname_valid(const char *name);

/* Creates dir/ca.key (0600) and dir/ca.crt; -EEXIST if either exists. */
int pki_ca_create(const char *dir, const char *hostname);
/* Issues a certificate signed by dir's CA for a new key. cn: the hostname (server) or the
 * device id. dns/ips: SANs (server only; ips as text, IPv4 or IPv6). Caller frees with
 * pki_issued_free. -EINVAL for a bad name or address (logged), -ENOENT without a CA. */
int pki_issue(const char *dir, enum pki_kind kind, const char *cn, const char *const *ips,
	      size_t n_ips, struct pki_issued *out);
void pki_issued_free(struct pki_issued *p);

/* Writes a new file (O_EXCL: never replaces one) with mode; -EEXIST if it exists. */
int pki_write_file(const char *path, const char *data, mode_t mode);

#endif
