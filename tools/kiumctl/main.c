/*
 * kiumctl: provisioning and administration of a kium hub from a shell. It works on the hub's
 * data directory directly (store, CA), so it runs on the hub's machine, beside or without a
 * running kium-hub. This file: dispatch, argument helpers, `init` and `token`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "hub/store/store.h"
#include "tools/kiumctl/ctl.h"
#include "tools/kiumctl/pki.h"

static const char usage_text[] =
	"usage: kiumctl --data DIR COMMAND [ARGS]\n"
	"\n"
	"DIR is the hub's data directory (store hub.db, CA ca.key/ca.crt, server certificate).\n"
	"\n"
	"  init --hostname NAME [--ip ADDR]... [--listen ADDR:PORT]\n"
	"      Create the store, the private CA, the hub's server certificate (SANs: NAME and\n"
	"      each ADDR) and DIR/kium-hub.conf (listen defaults to 127.0.0.1:8443).\n"
	"  device add DEVICE_ID --facility CODE --out OUTDIR\n"
	"      Register a reader and write OUTDIR/device.key, device.crt and ca.crt.\n"
	"  device renew DEVICE_ID --out OUTDIR\n"
	"      A new key and certificate for a reader (before the old one expires, after 2 years);\n"
	"      the previous certificate is refused from then on.\n"
	"  device revoke DEVICE_ID        refuse the reader from now on\n"
	"  device list [--silent MINUTES] readers with last-seen (only silent ones with --silent)\n"
	"  facility add --district NW --type UK --name NAME [--kind general|convergent|hub]\n"
	"      Issues the next code of the portal's ledger (NWUK016); codes are never reused\n"
	"      and after 999 the district and type are full.\n"
	"  facility add CODE --name NAME [--kind K]\n"
	"      Keeps a legacy code (NWUK015) that was never issued before.\n"
	"  facility list\n"
	"  child add CHILD_ID --name NAME --facility CODE\n"
	"  card assign UID CHILD_ID       UID in hex, 4/7/10 bytes\n"
	"  card deactivate UID\n"
	"  attendance --facility CODE --date YYYY-MM-DD [--json]\n"
	"      The taps of a facility on a Seoul local day.\n"
	"  token create --role admin [--label TEXT]\n"
	"      Create an API token; it is printed once and stored only as a hash.\n"
	"  token revoke TOKEN_ID\n"
	"  token list\n"
	"  account create-city-admin ID --name NAME --password-stdin [--phone P] [--email E]\n"
	"          [--type UK]... [--must-change-password]\n"
	"      Create an approved city officer (시관리자) with the city roles of the given\n"
	"      facility types (all four by default); the password is read from stdin and\n"
	"      must be changed at the first login with --must-change-password (an account\n"
	"      made for someone else).\n"
	"  account unlock ID              clear a login lockout\n"
	"  account list\n"
	"  import facilities FILE [--dry-run] [--actor ID]   facilities from CSV, with a report\n"
	"  stats rebuild                  recompute the statistics rollups and each child's day\n"
	"                                 of taps (reconciliation) from the taps\n"
	"  stats check                    compare each child's day of taps with the taps\n"
	"                                 (exit 1 when they differ)\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 usage error.\n";

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("kiumctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("kiumctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(kiumctl --help lists the commands)\n", stderr);
	return CTL_EXIT_USAGE;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

int ctl_args_parse(int argc, char **argv, const char *const *with_value,
		   const char *const *flags, struct ctl_args *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
			if (out->n_pos == CTL_MAX_ARGS)
				return ctl_usage("too many arguments"), -EINVAL;
			out->pos[out->n_pos++] = a;
			continue;
		}
		if (out->n_opt == CTL_MAX_ARGS)
			return ctl_usage("too many options"), -EINVAL;
		if (name_in(a, with_value)) {
			if (i + 1 >= argc)
				return ctl_usage("%s needs a value", a), -EINVAL;
			out->opt_name[out->n_opt] = a;
			out->opt_value[out->n_opt++] = argv[++i];
		} else if (name_in(a, flags)) {
			out->opt_name[out->n_opt] = a;
			out->opt_value[out->n_opt++] = "";
		} else {
			return ctl_usage("unknown option %s", a), -EINVAL;
		}
	}
	return 0;
}

const char *ctl_opt(const struct ctl_args *a, const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; i < a->n_opt; i++)
		if (strcmp(a->opt_name[i], name) == 0)
			v = a->opt_value[i];
	return v;
}

bool ctl_flag(const struct ctl_args *a, const char *name)
{
	return ctl_opt(a, name) != NULL;
}

size_t ctl_opt_all(const struct ctl_args *a, const char *name, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_opt && n < max; i++)
		if (strcmp(a->opt_name[i], name) == 0)
			out[n++] = a->opt_value[i];
	return n;
}

int ctl_store_open(const char *data, struct store **st)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/hub.db", data);
	if (stat(path, &sb) < 0) {
		ctl_err("no store at %s (run kiumctl --data %s init first)", path, data);
		return -ENOENT;
	}
	if (store_open(path, st) < 0) {
		ctl_err("cannot open the store %s", path);
		return -EIO;
	}
	return 0;
}

static bool listen_valid(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || colon == s || strlen(s) > 200)
		return false;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return false;
	for (const char *p = s; p < colon; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '#' || *p == ';')
			return false;
	return true;
}

static int cmd_init(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--hostname", "--ip", "--listen", NULL };
	struct ctl_args a;
	struct pki_issued hub = { 0 };
	struct store *st = NULL;
	const char *ips[CTL_MAX_ARGS], *host, *listen;
	char dir[PATH_MAX], path[PATH_MAX + 32], conf[4 * PATH_MAX + 256];
	const char *const existing[] = { "ca.key", "ca.crt", "hub.key", "hub.crt", "hub.db",
					 "kium-hub.conf" };
	size_t n_ips;
	bool created = false;
	int rc = CTL_EXIT_FAIL;

	if (ctl_args_parse(argc, argv, with_value, NULL, &a) < 0)
		return CTL_EXIT_USAGE;
	if (a.n_pos)
		return ctl_usage("init takes no argument %s", a.pos[0]);
	host = ctl_opt(&a, "--hostname");
	if (!host)
		return ctl_usage("init needs --hostname NAME");
	listen = ctl_opt(&a, "--listen");
	if (!listen)
		listen = "127.0.0.1:8443";
	n_ips = ctl_opt_all(&a, "--ip", ips, CTL_MAX_ARGS);
	if (!pki_hostname_valid(host)) {
		ctl_err("bad hostname '%s' (letters, digits, '.' and '-')", host);
		return CTL_EXIT_FAIL;
	}
	if (!listen_valid(listen)) {
		ctl_err("bad --listen '%s' (ADDRESS:PORT)", listen);
		return CTL_EXIT_FAIL;
	}
	if (mkdir(data, 0700) < 0 && errno != EEXIST) {
		ctl_err("cannot create %s: %s", data, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	if (!realpath(data, dir)) {
		ctl_err("cannot resolve %s: %s", data, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	for (size_t i = 0; i < sizeof(existing) / sizeof(existing[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, existing[i]);
		if (access(path, F_OK) == 0) {
			ctl_err("%s already exists: %s is already initialized", path, dir);
			return CTL_EXIT_FAIL;
		}
	}
	for (size_t i = 0; i < n_ips; i++) {
		unsigned char addr[16];

		if (inet_pton(AF_INET, ips[i], addr) != 1 && inet_pton(AF_INET6, ips[i], addr) != 1) {
			ctl_err("bad --ip '%s' (an IPv4 or IPv6 address)", ips[i]);
			return CTL_EXIT_FAIL;
		}
	}
	/* From here on, every file named above is this run's: removed again on failure. */
	created = true;
	if (pki_ca_create(dir, host) < 0) {
		ctl_err("cannot create the CA in %s", dir);
		goto out;
	}
	if (pki_issue(dir, PKI_SERVER, host, ips, n_ips, &hub) < 0) {
		ctl_err("cannot issue the hub's certificate");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/hub.key", dir);
	if (pki_write_file(path, hub.key_pem, 0600) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/hub.crt", dir);
	if (pki_write_file(path, hub.cert_pem, 0644) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (store_open(path, &st) < 0) {
		ctl_err("cannot create the store %s", path);
		goto out;
	}
	snprintf(conf, sizeof(conf),
		 "# kium-hub configuration, written by kiumctl init. Other keys have defaults:\n"
		 "# kium-hub --help lists them.\n"
		 "[hub]\nlisten = %s\n\n"
		 "[tls]\ncert = %s/hub.crt\nkey = %s/hub.key\nclient_ca = %s/ca.crt\n\n"
		 "[store]\npath = %s/hub.db\n",
		 listen, dir, dir, dir, dir);
	snprintf(path, sizeof(path), "%s/kium-hub.conf", dir);
	if (pki_write_file(path, conf, 0640) < 0)
		goto out;
	printf("initialized %s\n  CA          %s/ca.crt\n  server cert %s/hub.crt (%s)\n"
	       "  store       %s/hub.db\n  config      %s\n",
	       dir, dir, dir, host, dir, path);
	rc = CTL_EXIT_OK;
out:
	store_close(st);
	pki_issued_free(&hub);
	if (rc != CTL_EXIT_OK && created) {
		const char *const extra[] = { "hub.db-wal", "hub.db-shm" };

		for (size_t i = 0; i < sizeof(existing) / sizeof(existing[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, existing[i]);
			unlink(path);
		}
		for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, extra[i]);
			unlink(path);
		}
	}
	return rc;
}

static int cmd_token(const char *data, int argc, char **argv)
{
	static const char *const with_value[] = { "--role", "--label", NULL };
	struct ctl_args a;
	struct store *st = NULL;
	struct store_token *list = NULL;
	char secret[STORE_TOKEN_MAX], *end;
	const char *role, *label;
	size_t n = 0;
	int64_t id;
	int r, rc = CTL_EXIT_FAIL;

	if (ctl_args_parse(argc, argv, with_value, NULL, &a) < 0)
		return CTL_EXIT_USAGE;
	if (a.n_pos < 1)
		return ctl_usage("token needs create, revoke or list");
	if (strcmp(a.pos[0], "create") == 0) {
		role = ctl_opt(&a, "--role");
		label = ctl_opt(&a, "--label");
		if (!role || a.n_pos != 1)
			return ctl_usage("token create --role ROLE [--label TEXT]");
		if (strcmp(role, "admin") != 0) {
			ctl_err("unknown role '%s' (known: admin)", role);
			return CTL_EXIT_FAIL;
		}
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		r = store_token_create(st, role, label ? label : "kiumctl", clock_wall_ms(), &id,
				       secret, sizeof(secret));
		if (r < 0) {
			ctl_err(r == -EINVAL ? "bad token label" : "cannot create the token");
			goto out;
		}
		printf("%s\n", secret);
		fprintf(stderr, "token %" PRId64 " (%s) created; it is shown only this once\n", id,
			role);
		memset(secret, 0, sizeof(secret));
	} else if (strcmp(a.pos[0], "revoke") == 0) {
		if (a.n_pos != 2)
			return ctl_usage("token revoke TOKEN_ID");
		errno = 0;
		id = strtoll(a.pos[1], &end, 10);
		if (errno || *end || id < 1) {
			ctl_err("bad token id '%s'", a.pos[1]);
			return CTL_EXIT_FAIL;
		}
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		r = store_token_revoke(st, id, clock_wall_ms());
		if (r < 0) {
			ctl_err(r == -ENOENT ? "no token %" PRId64 : "cannot revoke token %" PRId64, id);
			goto out;
		}
		printf("token %" PRId64 " revoked\n", id);
	} else if (strcmp(a.pos[0], "list") == 0) {
		if (ctl_store_open(data, &st) < 0)
			return CTL_EXIT_FAIL;
		if (store_token_list(st, &list, &n) < 0) {
			ctl_err("cannot list tokens");
			goto out;
		}
		printf("%-6s %-10s %-8s %s\n", "ID", "ROLE", "STATE", "LABEL");
		for (size_t i = 0; i < n; i++)
			printf("%-6" PRId64 " %-10s %-8s %s\n", list[i].id, list[i].role,
			       list[i].revoked_ms ? "revoked" : "active", list[i].label);
	} else {
		return ctl_usage("unknown token command '%s'", a.pos[0]);
	}
	rc = CTL_EXIT_OK;
out:
	free(list);
	store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	const char *data = NULL, *cmd;
	int i = 1;

	log_init("kiumctl", KLOG_WARNING);
	clock_pin_from_env();
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return CTL_EXIT_OK;
		}
		if (strcmp(argv[i], "--data") == 0) {
			if (++i >= argc)
				return ctl_usage("--data needs a directory");
			data = argv[i];
		} else {
			break;
		}
	}
	if (i >= argc)
		return ctl_usage("no command given");
	if (!data)
		return ctl_usage("--data DIR is required");
	cmd = argv[i++];
	if (strcmp(cmd, "init") == 0)
		return cmd_init(data, argc - i, argv + i);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(data, argc - i, argv + i);
	if (strcmp(cmd, "device") == 0)
		return ctl_device(data, argc - i, argv + i);
	if (strcmp(cmd, "facility") == 0)
		return ctl_facility(data, argc - i, argv + i);
	if (strcmp(cmd, "child") == 0)
		return ctl_child(data, argc - i, argv + i);
	if (strcmp(cmd, "card") == 0)
		return ctl_card(data, argc - i, argv + i);
	if (strcmp(cmd, "attendance") == 0)
		return ctl_attendance(data, argc - i, argv + i);
	if (strcmp(cmd, "account") == 0)
		return ctl_account(data, argc - i, argv + i);
	if (strcmp(cmd, "import") == 0)
		return ctl_import(data, argc - i, argv + i);
	if (strcmp(cmd, "stats") == 0)
		return ctl_stats(data, argc - i, argv + i);
	return ctl_usage("unknown command '%s'", cmd);
}
