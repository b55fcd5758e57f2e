/*
 * kiumctl device add|renew|revoke|list: a reader's key and certificate from the hub's CA,
 * its registration (device id -> facility, certificate serial and fingerprint), a renewed
 * certificate before the old one expires, and its state.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/tap.h"
#include "hub/store/store.h"
#include "tools/kiumctl/ctl.h"
#include "tools/kiumctl/pki.h"

/* Reads a small text file (the CA certificate) into a new string. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 65536);
	if (buf) {
		n = fread(buf, 1, 65535, f);
		if (ferror(f) || n == 0) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* device add (renew false) or device renew: a new key and certificate into OUTDIR, then the
 * store records the device or its new certificate. Files are removed if that fails. */
static int device_issue(const char *data, const struct ctl_args *a, bool renew)
{
	struct store *st = NULL;
	struct store_facility fac;
	struct store_device dev;
	struct pki_issued cert = { 0 };
	const char *id = a->pos[1], *facility = ctl_opt(a, "--facility"), *out = ctl_opt(a, "--out");
	char dir[PATH_MAX], kpath[PATH_MAX + 16], cpath[PATH_MAX + 16], apath[PATH_MAX + 16];
	char *ca = NULL;
	int r, written = 0, rc = CTL_EXIT_FAIL;

	if (!out || (!renew && !facility) || (renew && facility))
		return ctl_usage(renew ? "device renew DEVICE_ID --out DIR"
				       : "device add DEVICE_ID --facility CODE --out DIR");
	if (!tap_device_id_valid(id)) {
		ctl_err("bad device id '%s' (1..63 of letters, digits, '.', '_', '-')", id);
		return CTL_EXIT_FAIL;
	}
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	r = store_device_get(st, id, &dev);
	if (renew) {
		if (r < 0 || dev.revoked) {
			ctl_err(r < 0 ? "unknown device '%s'" : "device %s is revoked", id);
			goto out;
		}
		if (store_facility_get(st, dev.facility, &fac) < 0) {
			ctl_err("device %s names an unknown facility", id);
			goto out;
		}
	} else {
		if (store_facility_get(st, facility, &fac) < 0) {
			ctl_err("unknown facility '%s' (kiumctl facility add first)", facility);
			goto out;
		}
		if (r == 0) {
			ctl_err("device id %s already exists%s", id,
				dev.revoked ? " (revoked; give the new reader a new id)" : "");
			goto out;
		}
	}
	snprintf(apath, sizeof(apath), "%s/ca.crt", data);
	if (!(ca = read_text(apath))) {
		ctl_err("cannot read the CA certificate %s", apath);
		goto out;
	}
	if (pki_issue(data, PKI_DEVICE, id, NULL, 0, &cert) < 0) {
		ctl_err("cannot issue a certificate for %s", id);
		goto out;
	}
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		ctl_err("cannot create %s: %s", out, strerror(errno));
		goto out;
	}
	if (!realpath(out, dir)) {
		ctl_err("cannot resolve %s: %s", out, strerror(errno));
		goto out;
	}
	snprintf(kpath, sizeof(kpath), "%s/device.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/device.crt", dir);
	snprintf(apath, sizeof(apath), "%s/ca.crt", dir);
	if (pki_write_file(kpath, cert.key_pem, 0600) < 0)
		goto out;
	written = 1;
	if (pki_write_file(cpath, cert.cert_pem, 0644) < 0)
		goto out;
	written = 2;
	if (pki_write_file(apath, ca, 0644) < 0)
		goto out;
	written = 3;
	if (renew)
		r = store_device_cert_set(st, id, cert.serial, cert.sha256);
	else
		r = store_device_add(st, id, fac.code, cert.serial, cert.sha256, clock_wall_ms());
	if (r < 0) {
		ctl_err(r == -EEXIST ? "device id %s already exists" : "cannot record device %s", id);
		goto out;
	}
	printf("device %s (%s) %s\n  key  %s\n  cert %s (serial %s)\n  ca   %s\n", id, fac.code,
	       renew ? "renewed; its previous certificate is no longer accepted" : "registered",
	       kpath, cpath, cert.serial, apath);
	rc = CTL_EXIT_OK;
out:
	if (rc != CTL_EXIT_OK) {
		/* Remove only what this run wrote (O_EXCL made sure of that). */
		if (written >= 3)
			unlink(apath);
		if (written >= 2)
			unlink(cpath);
		if (written >= 1)
			unlink(kpath);
	}
	free(ca);
	pki_issued_free(&cert);
	store_close(st);
	return rc;
}

static void when(int64_t ms, char *buf, size_t len)
{
	char day[16], hhmm[8];

	if (!ms) {
		snprintf(buf, len, "never");
		return;
	}
	clock_day_format(clock_seoul_day(ms), day, sizeof(day));
	clock_seoul_hhmm(ms, hhmm, sizeof(hhmm));
	snprintf(buf, len, "%s %s", day, hhmm);
}

static int device_list(const char *data, const struct ctl_args *a)
{
	struct store *st = NULL;
	struct store_device *v = NULL;
	const char *silent = ctl_opt(a, "--silent");
	char seen[32], *end;
	long minutes = 0;
	size_t n = 0;
	int r;

	if (silent) {
		minutes = strtol(silent, &end, 10);
		if (*end || minutes < 1 || minutes > 525600) {
			ctl_err("bad --silent '%s' (minutes, 1..525600)", silent);
			return CTL_EXIT_FAIL;
		}
	}
	if (ctl_store_open(data, &st) < 0)
		return CTL_EXIT_FAIL;
	r = silent ? store_device_list_silent(st, clock_wall_ms(), minutes * 60000LL, &v, &n)
		   : store_device_list(st, &v, &n);
	store_close(st);
	if (r < 0) {
		ctl_err("cannot list devices");
		return CTL_EXIT_FAIL;
	}
	printf("%-20s %-9s %-8s %-17s %-12s %-6s %-8s %s\n", "DEVICE", "FACILITY", "STATE",
	       "LAST SEEN (KST)", "VERSION", "QUEUE", "CLOCK", "SEQ");
	for (size_t i = 0; i < n; i++) {
		char q[24];

		when(v[i].last_seen_ms, seen, sizeof(seen));
		if (v[i].queue_depth < 0)
			snprintf(q, sizeof(q), "-");
		else
			snprintf(q, sizeof(q), "%lld", (long long)v[i].queue_depth);
		printf("%-20s %-9s %-8s %-17s %-12s %-6s %-8s %llu\n", v[i].id, v[i].facility,
		       v[i].revoked ? "revoked" : "active", seen,
		       v[i].version[0] ? v[i].version : "-", q,
		       v[i].clock_state[0] ? v[i].clock_state : "-",
		       (unsigned long long)v[i].seq_high);
	}
	free(v);
	return CTL_EXIT_OK;
}

int ctl_device(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--facility", "--out", "--silent", NULL };
	struct ctl_args a;
	struct store *st = NULL;
	int r;

	if (ctl_args_parse(argc, argv, with_value, NULL, &a) < 0)
		return CTL_EXIT_USAGE;
	if (a.n_pos < 1)
		return ctl_usage("device needs add, renew, revoke or list");
	if (strcmp(a.pos[0], "add") == 0 || strcmp(a.pos[0], "renew") == 0) {
		bool renew = strcmp(a.pos[0], "renew") == 0;

		if (a.n_pos != 2)
			return ctl_usage(renew ? "device renew DEVICE_ID --out DIR"
					       : "device add DEVICE_ID --facility CODE --out DIR");
		return device_issue(data, &a, renew);
	}
	if (strcmp(a.pos[0], "revoke") == 0) {
		if (a.n_pos != 2)
			return ctl_usage("device revoke DEVICE_ID");
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		r = store_device_revoke(st, a.pos[1], clock_wall_ms());
		store_close(st);
		if (r < 0) {
			ctl_err(r == -ENOENT ? "unknown device '%s'" : "cannot revoke device '%s'",
				a.pos[1]);
			return CTL_EXIT_FAIL;
		}
		printf("device %s revoked\n", a.pos[1]);
		return CTL_EXIT_OK;
	}
	if (strcmp(a.pos[0], "list") == 0) {
		if (a.n_pos != 1)
			return ctl_usage("device list [--silent MINUTES]");
		return device_list(data, &a);
	}
	return ctl_usage("unknown device command '%s'", a.pos[0]);
}
