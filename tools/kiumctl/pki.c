/*
 * kiumctl's private CA on mbedTLS 2.28 (see pki.h). mbedTLS 2.28's writer has no setters for
 * subjectAltName or extendedKeyUsage, so those two extensions are DER-encoded here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "common/hex.h"
#include "common/log.h"
#include "tools/kiumctl/pki.h"

#define PKI_DER_MAX 4096
#define PKI_PEM_MAX 8192
#define PKI_SAN_MAX 2048
#define CA_YEARS 10
#define LEAF_YEARS 2

struct rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static int rng_init(struct rng *r)
{
	static const char pers[] = "kiumctl-pki";

	mbedtls_entropy_init(&r->entropy);
	mbedtls_ctr_drbg_init(&r->drbg);
	if (mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
				  (const unsigned char *)pers, sizeof(pers) - 1) != 0) {
		log_err("pki: cannot seed the random generator");
		return -EIO;
	}
	return 0;
}

static void rng_free(struct rng *r)
{
	mbedtls_ctr_drbg_free(&r->drbg);
	mbedtls_entropy_free(&r->entropy);
}

int pki_hostname_valid(const char *name)
{
	size_t n = 0;

	if (!name)
		return 0;
	for (; name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z') ||
		      (name[n] >= '0' && name[n] <= '9') || name[n] == '.' || name[n] == '-'))
			return 0;
	return n >= 1 && n <= 253 && name[0] != '.' && name[0] != '-';
}

int pki_write_file(const char *path, const char *data, mode_t mode)
{
	size_t len = strlen(data), off = 0;
	ssize_t w;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0) {
		int e = errno;

		log_err("cannot create %s: %s", path, strerror(e));
		return -e;
	}
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	return close(fd) < 0 ? -EIO : 0;
fail:
	log_err("cannot write %s: %s", path, strerror(errno));
	close(fd);
	unlink(path);
	return -EIO;
}

/* "YYYYMMDDhhmmss" in UTC, years from now (negative hours allowed through offset_s). */
static void validity_time(time_t base, int years, long offset_s, char *buf, size_t len)
{
	struct tm tm;
	time_t t = base + offset_s;

	gmtime_r(&t, &tm);
	tm.tm_year += years;
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28;
	strftime(buf, len, "%Y%m%d%H%M%S", &tm);
}

static int new_key(mbedtls_pk_context *key, struct rng *r)
{
	if (mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
				mbedtls_ctr_drbg_random, &r->drbg) != 0) {
		log_err("pki: cannot generate a P-256 key");
		return -EIO;
	}
	return 0;
}

/* Appends a DER length; returns the new offset or 0 when out of room. */
static size_t der_len(unsigned char *b, size_t o, size_t cap, size_t len)
{
	if (len < 0x80 && o + 1 <= cap) {
		b[o++] = (unsigned char)len;
	} else if (len <= 0xff && o + 2 <= cap) {
		b[o++] = 0x81;
		b[o++] = (unsigned char)len;
	} else if (len <= 0xffff && o + 3 <= cap) {
		b[o++] = 0x82;
		b[o++] = (unsigned char)(len >> 8);
		b[o++] = (unsigned char)len;
	} else {
		return 0;
	}
	return o;
}

/* subjectAltName: SEQUENCE { [2] dNSName, [7] iPAddress ... }. */
static int san_encode(const char *dns, const char *const *ips, size_t n_ips, unsigned char *out,
		      size_t cap, size_t *len)
{
	unsigned char body[PKI_SAN_MAX], addr[16];
	size_t o = 0, l, alen;

	l = strlen(dns);
	body[o++] = 0x82;
	if (!(o = der_len(body, o, sizeof(body), l)) || o + l > sizeof(body))
		return -EINVAL;
	memcpy(body + o, dns, l);
	o += l;
	for (size_t i = 0; i < n_ips; i++) {
		if (inet_pton(AF_INET, ips[i], addr) == 1) {
			alen = 4;
		} else if (inet_pton(AF_INET6, ips[i], addr) == 1) {
			alen = 16;
		} else {
			log_err("pki: not an IP address: %s", ips[i]);
			return -EINVAL;
		}
		if (o + 2 + alen > sizeof(body))
			return -EINVAL;
		body[o++] = 0x87;
		body[o++] = (unsigned char)alen;
		memcpy(body + o, addr, alen);
		o += alen;
	}
	if (cap < 1)
		return -EINVAL;
	out[0] = 0x30;
	l = der_len(out, 1, cap, o);
	if (!l || l + o > cap)
		return -EINVAL;
	memcpy(out + l, body, o);
	*len = l + o;
	return 0;
}

/* extendedKeyUsage: SEQUENCE { OID }. */
static int eku_set(mbedtls_x509write_cert *crt, const char *oid, size_t oid_len)
{
	unsigned char v[32];

	v[0] = 0x30;
	v[1] = (unsigned char)(oid_len + 2);
	v[2] = 0x06;
	v[3] = (unsigned char)oid_len;
	memcpy(v + 4, oid, oid_len);
	return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
						   0, v, oid_len + 4);
}

struct cert_params {
	const char *subject;
	const char *issuer;
	mbedtls_pk_context *subject_key;
	mbedtls_pk_context *issuer_key;
	int years;
	int is_ca;
	unsigned int key_usage;
	const char *eku_oid;
	size_t eku_len;
	const unsigned char *san;
	size_t san_len;
};

/* Signs a certificate; PEM into *pem (malloc'd), serial and DER fingerprint as hex. */
static int cert_write(const struct cert_params *p, struct rng *r, char **pem, char *serial_hex,
		      char *sha_hex)
{
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	unsigned char sb[16], *der = NULL, sha[32];
	char nb[16], na[16];
	size_t olen;
	time_t now = time(NULL);
	int len, r2 = -EIO;

	*pem = NULL;
	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	der = malloc(PKI_DER_MAX);
	*pem = malloc(PKI_PEM_MAX);
	if (!der || !*pem) {
		r2 = -ENOMEM;
		goto out;
	}
	if (mbedtls_ctr_drbg_random(&r->drbg, sb, sizeof(sb)) != 0)
		goto out;
	sb[0] &= 0x7f; /* positive */
	sb[0] |= 0x40; /* and 16 bytes long */
	hex_encode(sb, sizeof(sb), false, serial_hex, 2 * sizeof(sb) + 1);
	validity_time(now, 0, -3600, nb, sizeof(nb));
	validity_time(now, p->years, 0, na, sizeof(na));
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, p->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, p->issuer_key);
	if (mbedtls_mpi_read_binary(&serial, sb, sizeof(sb)) != 0 ||
	    mbedtls_x509write_crt_set_serial(&crt, &serial) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&crt, p->subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&crt, p->issuer) != 0 ||
	    mbedtls_x509write_crt_set_validity(&crt, nb, na) != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&crt, p->is_ca, p->is_ca ? 0 : -1) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&crt) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&crt) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(&crt, p->key_usage) != 0 ||
	    (p->eku_oid && eku_set(&crt, p->eku_oid, p->eku_len) != 0) ||
	    (p->san && mbedtls_x509write_crt_set_extension(
			       &crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
			       MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p->san,
			       p->san_len) != 0)) {
		log_err("pki: cannot build the certificate for %s", p->subject);
		goto out;
	}
	len = mbedtls_x509write_crt_der(&crt, der, PKI_DER_MAX, mbedtls_ctr_drbg_random, &r->drbg);
	if (len <= 0) {
		log_err("pki: cannot sign the certificate for %s", p->subject);
		goto out;
	}
	/* The DER is at the end of the buffer. */
	if (mbedtls_sha256_ret(der + PKI_DER_MAX - len, (size_t)len, sha, 0) != 0 ||
	    mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
				     der + PKI_DER_MAX - len, (size_t)len,
				     (unsigned char *)*pem, PKI_PEM_MAX, &olen) != 0)
		goto out;
	hex_encode(sha, sizeof(sha), false, sha_hex, 2 * sizeof(sha) + 1);
	r2 = 0;
out:
	if (r2 < 0) {
		free(*pem);
		*pem = NULL;
	}
	free(der);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return r2;
}

static int key_pem(mbedtls_pk_context *key, char **out)
{
	*out = calloc(1, PKI_PEM_MAX);
	if (!*out)
		return -ENOMEM;
	if (mbedtls_pk_write_key_pem(key, (unsigned char *)*out, PKI_PEM_MAX) != 0) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	return 0;
}

int pki_ca_create(const char *dir, const char *hostname)
{
	mbedtls_pk_context key;
	struct rng rng;
	struct cert_params p = { 0 };
	char subject[300], keypath[4096], crtpath[4096], serial[40], sha[65];
	char *kpem = NULL, *cpem = NULL;
	int r;

	mbedtls_pk_init(&key);
	if (!pki_hostname_valid(hostname))
		return -EINVAL;
	snprintf(subject, sizeof(subject), "CN=kium CA %s", hostname);
	snprintf(keypath, sizeof(keypath), "%s/ca.key", dir);
	snprintf(crtpath, sizeof(crtpath), "%s/ca.crt", dir);
	if ((r = rng_init(&rng)) < 0)
		goto out;
	if ((r = new_key(&key, &rng)) < 0)
		goto out;
	p.subject = p.issuer = subject;
	p.subject_key = p.issuer_key = &key;
	p.years = CA_YEARS;
	p.is_ca = 1;
	p.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
	if ((r = cert_write(&p, &rng, &cpem, serial, sha)) < 0 || (r = key_pem(&key, &kpem)) < 0)
		goto out;
	if ((r = pki_write_file(keypath, kpem, 0600)) < 0)
		goto out;
	if ((r = pki_write_file(crtpath, cpem, 0644)) < 0)
		unlink(keypath);
out:
	if (kpem)
		mbedtls_platform_zeroize(kpem, strlen(kpem));
	free(kpem);
	free(cpem);
	mbedtls_pk_free(&key);
	rng_free(&rng);
	return r;
}

int pki_issue(const char *dir, enum pki_kind kind, const char *cn, const char *const *ips,
	      size_t n_ips, struct pki_issued *out)
{
	mbedtls_pk_context ca_key, key;
	mbedtls_x509_crt ca;
	struct rng rng;
	struct cert_params p = { 0 };
	unsigned char san[PKI_SAN_MAX];
	char path[4096], issuer[300], subject[300];
	int r = -EIO;

	memset(out, 0, sizeof(*out));
	mbedtls_pk_init(&ca_key);
	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&ca);
	if ((r = rng_init(&rng)) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	if (mbedtls_pk_parse_keyfile(&ca_key, path, NULL) != 0) {
		log_err("pki: cannot read the CA key %s", path);
		r = -ENOENT;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	if (mbedtls_x509_crt_parse_file(&ca, path) != 0 ||
	    mbedtls_x509_dn_gets(issuer, sizeof(issuer), &ca.subject) < 0) {
		log_err("pki: cannot read the CA certificate %s", path);
		r = -ENOENT;
		goto out;
	}
	r = -EIO;
	if ((r = new_key(&key, &rng)) < 0)
		goto out;
	snprintf(subject, sizeof(subject), "CN=%s", cn);
	p.subject = subject;
	p.issuer = issuer;
	p.subject_key = &key;
	p.issuer_key = &ca_key;
	p.years = LEAF_YEARS;
	p.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
	if (kind == PKI_SERVER) {
		if ((r = san_encode(cn, ips, n_ips, san, sizeof(san), &p.san_len)) < 0)
			goto out;
		p.san = san;
		p.eku_oid = MBEDTLS_OID_SERVER_AUTH;
		p.eku_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
	} else {
		p.eku_oid = MBEDTLS_OID_CLIENT_AUTH;
		p.eku_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
	}
	if ((r = cert_write(&p, &rng, &out->cert_pem, out->serial, out->sha256)) < 0 ||
	    (r = key_pem(&key, &out->key_pem)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		pki_issued_free(out);
	mbedtls_x509_crt_free(&ca);
	mbedtls_pk_free(&key);
	mbedtls_pk_free(&ca_key);
	rng_free(&rng);
	return r;
}

void pki_issued_free(struct pki_issued *p)
{
	if (!p)
		return;
	if (p->key_pem)
		mbedtls_platform_zeroize(p->key_pem, strlen(p->key_pem));
	free(p->key_pem);
	free(p->cert_pem);
	p->key_pem = p->cert_pem = NULL;
}
