/* [notify] configuration into a delivery worker (notify_config.h). */
#include "hub/notify/notify_config.h"

#include "common/config.h"
#include "common/log.h"
#include "hub/domain/notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The first line of path, without its newline, into buf. */
static int read_token(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp) {
		log_err("notify: cannot read [notify] auth_token_file %s: %s", path, strerror(errno));
		return -errno;
	}
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? 0 : -EINVAL;
}

static int hhmm(const char *s, int *min)
{
	int h, m;
	char end;

	if (!s || sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

int notify_config_start(const struct config *cfg, const char *db_path, struct notify_worker **out)
{
	struct notify_worker_opts o = { 0 };
	long cto, to, att, base, cap, age, ret, poll, grace, sweep, window, tap_age;
	const char *tf = config_get(cfg, "notify", "auth_token_file");
	char token[512] = "";
	int r;

	*out = NULL;
	if (config_get_int(cfg, "notify", "connect_timeout_ms", 0, 100, 600000, &cto) < 0 ||
	    config_get_int(cfg, "notify", "timeout_ms", 0, 100, 3600000, &to) < 0 ||
	    config_get_int(cfg, "notify", "max_attempts", 0, 1, 1000, &att) < 0 ||
	    config_get_int(cfg, "notify", "backoff_base_ms", 0, 1, 86400000, &base) < 0 ||
	    config_get_int(cfg, "notify", "backoff_cap_ms", 0, 1, 7L * 86400000, &cap) < 0 ||
	    config_get_int(cfg, "notify", "max_age_s", 0, 1, 30L * 86400, &age) < 0 ||
	    config_get_int(cfg, "notify", "retention_days", 0, 1, 3650, &ret) < 0 ||
	    config_get_int(cfg, "notify", "poll_ms", 0, 10, 600000, &poll) < 0 ||
	    config_get_int(cfg, "notify", "grace_min", 0, 0, 720, &grace) < 0 ||
	    config_get_int(cfg, "notify", "sweep_interval_s", 0, 1, 86400, &sweep) < 0 ||
	    config_get_int(cfg, "notify", "missing_departure_window_min", 360, 1, 1440,
			   &window) < 0 ||
	    config_get_int(cfg, "notify", "tap_max_age_min", NOTIFY_TAP_MAX_AGE_MS / 60000, 1, 1440,
			   &tap_age) < 0 ||
	    config_get_bool(cfg, "notify", "missing_departure", true, &o.sweep) < 0)
		return -EINVAL;
	if (hhmm(config_get(cfg, "notify", "closing_time"), &o.sweep_opts.default_close_min) < 0) {
		log_err("notify: [notify] closing_time must be HH:MM");
		return -EINVAL;
	}
	if (tf && tf[0] && (r = read_token(tf, token, sizeof(token))) < 0)
		return r;
	o.db_path = db_path;
	o.provider_url = config_get(cfg, "notify", "provider_url");
	if (o.provider_url && o.provider_url[0] && strncmp(o.provider_url, "https://", 8)) {
		log_err("notify: [notify] provider_url must be an https:// URL");
		return -EINVAL;
	}
	o.ca_file = config_get(cfg, "notify", "ca_file");
	o.client_cert = config_get(cfg, "notify", "client_cert");
	o.client_key = config_get(cfg, "notify", "client_key");
	o.auth_token = token[0] ? token : NULL;
	o.connect_timeout_ms = cto;
	o.timeout_ms = to;
	o.max_attempts = (int)att;
	o.backoff_base_ms = base;
	o.backoff_cap_ms = cap;
	o.max_age_ms = (int64_t)age * 1000;
	o.retention_ms = (int64_t)ret * 86400000;
	o.poll_ms = poll;
	o.sweep_interval_ms = sweep * 1000;
	o.sweep_opts.grace_min = (int)grace;
	o.sweep_opts.window_ms = (int64_t)window * 60000;
	notify_set_tap_max_age((int64_t)tap_age * 60000);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("notify: libcurl did not initialize");
		return -EIO;
	}
	r = notify_worker_start(&o, out);
	sodium_memzero(token, sizeof(token));
	return r;
}
