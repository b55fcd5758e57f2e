/*
 * kium-reader: the door appliance's daemon. Reads cards (libnfc), decides arrival or
 * departure, commits every tap to the local journal before any feedback, then gives feedback
 * (LEDs, buzzer, door relay) and shows the kiosk screen. See firmware/README.md.
 *
 *   kium-reader --config FILE [--board NAME|PATH] [--dump-journal] [--help] [--version]
 */
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/tap.h"
#include "firmware/feedback.h"
#include "firmware/journal.h"
#include "firmware/kiosk.h"
#include "firmware/netwatch.h"
#include "firmware/reader.h"
#include "firmware/roster.h"
#include "firmware/tapdesk.h"
#include "firmware/uplink.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct config_key reader_keys[] = {
	{ "device", "id", NULL, "this reader's device id, e.g. NWUK015-R01 (required)" },
	{ "device", "facility", NULL, "facility code, e.g. NWUK015: keys the card UID hashes (required)" },
	{ "device", "board", "", "board profile: a name under board_dir (rpi4, rpi5, sim) or a path" },
	{ "device", "board_dir", "/usr/local/share/kium/board", "where board profiles live" },
	{ "device", "center_name", "", "the center's name on the kiosk" },
	{ "reader", "device", NULL, "libnfc connstring, e.g. pn532_uart:/dev/ttyAMA0:115200, or fake:SCRIPT (required; board profile)" },
	{ "reader", "poll_ms", "300", "longest wait for a card in one poll (InAutoPoll, 150 ms steps)" },
	{ "reader", "presence_ms", "100", "how often a card lying on the reader is checked for removal" },
	{ "reader", "watchdog_ms", "2000", "a reader command taking longer is aborted (nfc_abort_command)" },
	{ "reader", "fault_after", "3", "failed polls in a row before the reader is reopened" },
	{ "reader", "reopen_min_ms", "200", "first wait before reopening a failed reader (doubles)" },
	{ "reader", "reopen_max_ms", "5000", "longest wait between reopen attempts" },
	{ "tap", "debounce_ms", "60000", "the same card again within this is a duplicate (0: off)" },
	{ "journal", "path", "/var/lib/kium/journal.db", "SQLite journal of taps" },
	{ "journal", "capacity", "200000", "taps kept at most; when all are unacknowledged, new taps are refused" },
	{ "journal", "warn_percent", "80", "warn when unacknowledged taps reach this share of capacity" },
	{ "roster", "path", "", "roster file loaded at start and on SIGHUP (see firmware/roster.h)" },
	{ "roster", "cache", "/var/lib/kium/roster.db", "SQLite roster cache (works with no network)" },
	{ "feedback", "backend", "gpiod", "gpiod, record or none" },
	{ "feedback", "record_path", "", "record backend: file appended with one line per feedback" },
	{ "feedback", "chip", "", "gpiod: gpiochip name, path or number (board profile)" },
	{ "feedback", "green", "-1", "gpiod: line offset of the green LED (-1: none)" },
	{ "feedback", "red", "-1", "gpiod: line offset of the red LED (-1: none)" },
	{ "feedback", "buzzer", "-1", "gpiod: line offset of the buzzer (-1: none)" },
	{ "feedback", "relay", "-1", "gpiod: line offset of the door relay (-1: none)" },
	{ "feedback", "active_low", "false", "gpiod: lines switch on when driven low" },
	{ "feedback", "relay_ms", "3000", "gpiod: how long the door relay is held open" },
	{ "kiosk", "backend", "terminal", "terminal, framebuffer or none" },
	{ "kiosk", "tty", "", "terminal: tty to draw on (board profile), empty for stdout" },
	{ "kiosk", "fb_device", "/dev/fb0", "framebuffer: device (or a regular file in tests)" },
	{ "kiosk", "fb_width", "0", "framebuffer file: width" },
	{ "kiosk", "fb_height", "0", "framebuffer file: height" },
	{ "kiosk", "fb_bpp", "32", "framebuffer file: 16 or 32 bits per pixel" },
	{ "kiosk", "rotation", "0", "0, 90, 180 or 270 (board profile)" },
	{ "kiosk", "font", "/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "framebuffer: font with Hangul" },
	{ "kiosk", "idle_return_ms", "4000", "back to the idle screen this long after a tap" },
	{ "kiosk", "blank", "", "night blanking HH:MM-HH:MM Seoul time, empty for never" },
	{ "hub", "url", "", "the hub: https://HOST:PORT, HOST a name, IPv4 or [IPv6] (no path)" },
	{ "hub", "ca", "", "CA certificate that signed the hub's device certificate" },
	{ "hub", "cert", "", "this reader's client certificate (CN = device id)" },
	{ "hub", "key", "", "this reader's private key" },
	{ "hub", "batch", "500", "taps in one upload at most (1..1000); a backlog drains in batches this big" },
	{ "hub", "connect_timeout_ms", "5000", "TCP and TLS handshake to the hub" },
	{ "hub", "timeout_ms", "15000", "one whole request to the hub" },
	{ "hub", "backoff_min_ms", "500", "first wait after the hub could not be reached (doubles)" },
	{ "hub", "backoff_max_ms", "60000", "longest wait between tries; also the wait after a refusal" },
	{ "hub", "status_interval_ms", "60000", "heartbeat (queue depth, clock state) to the hub" },
	{ "hub", "roster_interval_ms", "300000", "roster delta from the hub" },
	{ "log", "level", "info", "error, warning, notice, info or debug" },
	{ "log", "file", "", "log file (reopened on SIGHUP); empty for stderr" },
	{ NULL, NULL, NULL, NULL },
};

static volatile sig_atomic_t main_stop;
static volatile sig_atomic_t main_hup;

static void main_on_signal(int sig)
{
	if (sig == SIGHUP)
		main_hup = 1;
	else
		main_stop = 1;
}

static void main_usage(FILE *out)
{
	fprintf(out,
		"usage: kium-reader --config FILE [--board NAME|PATH] [--dump-journal]\n"
		"\n"
		"The door reader daemon: every card tap is committed to the journal, then the\n"
		"child gets feedback and the kiosk screen. Signals: TERM/INT stop, HUP reloads\n"
		"the roster file and reopens the log file.\n"
		"\n"
		"  --config FILE    INI configuration (keys below)\n"
		"  --board NAME     board profile, overriding [device] board: values the\n"
		"                   configuration leaves unset come from the profile\n"
		"  --dump-journal   print the journal as JSON lines and exit\n"
		"  --help, --version\n"
		"\n"
		"Configuration keys:\n");
	config_print_help(out, reader_keys);
}

/* Values the configuration leaves at their defaults come from the board profile. */
static int main_apply_board(struct config *cfg, const char *board)
{
	const char *dir = config_get(cfg, "device", "board_dir");
	struct config *prof = NULL;
	char path[1024];
	int ret;

	if (strchr(board, '/'))
		snprintf(path, sizeof(path), "%s", board);
	else
		snprintf(path, sizeof(path), "%s/%s.conf", dir ? dir : ".", board);
	ret = config_load(path, reader_keys, &prof);
	if (ret < 0) {
		log_err("board profile '%s' (%s) cannot be used", board, path);
		return ret;
	}
	for (const struct config_key *k = reader_keys; k->section; k++) {
		if (strcmp(config_origin(cfg, k->section, k->key), "default") != 0 ||
		    strcmp(config_origin(prof, k->section, k->key), "default") == 0)
			continue;
		ret = config_set(cfg, k->section, k->key, config_get(prof, k->section, k->key));
		if (ret < 0)
			break;
	}
	config_free(prof);
	return ret;
}

struct main_ctx {
	struct config *cfg;
	struct journal *journal;
	struct roster *roster;
	struct kiosk *kiosk;
	const char *roster_path;
	const char *log_file;
	/* The uplink, with its own roster connection: a roster update never blocks a lookup. */
	struct uplink *uplink;
	struct roster *up_roster;
	int netwatch;
	bool shown_offline;
	unsigned shown_waiting;
};

static int main_roster_apply(void *ctx, const json_t *delta)
{
	return roster_apply_hub(ctx, delta);
}

static int64_t main_roster_version(void *ctx)
{
	size_t cards;
	int64_t version;

	return roster_stats(ctx, &cards, &version) == 0 && version > 0 ? version : 0;
}

static void main_rejected(void *ctx, uint64_t seq, const char *reason)
{
	journal_set_aside(ctx, seq, reason);
}

/* Starts the uplink when [hub] url is set. A reader without a hub still records every tap.
 * The journal handle is shared with the tap loop (it is locked per call, and the
 * acknowledged mark must be one in-memory truth for pruning and for the kiosk). */
static int main_uplink_start(struct main_ctx *m, const char *facility)
{
	struct uplink_config uc = { 0 };
	long v[7];

	uc.transport.url = config_get(m->cfg, "hub", "url");
	if (!uc.transport.url || !*uc.transport.url) {
		log_notice("no [hub] url: taps are kept in the journal only");
		return 0;
	}
	uc.transport.ca = config_require(m->cfg, "hub", "ca");
	uc.transport.cert = config_require(m->cfg, "hub", "cert");
	uc.transport.key = config_require(m->cfg, "hub", "key");
	if (!uc.transport.ca || !uc.transport.cert || !uc.transport.key ||
	    config_get_int(m->cfg, "hub", "batch", 0, 1, TAP_BATCH_MAX, &v[0]) < 0 ||
	    config_get_int(m->cfg, "hub", "connect_timeout_ms", 0, 100, 600000, &v[1]) < 0 ||
	    config_get_int(m->cfg, "hub", "timeout_ms", 0, 100, 600000, &v[2]) < 0 ||
	    config_get_int(m->cfg, "hub", "backoff_min_ms", 0, 10, 3600000, &v[3]) < 0 ||
	    config_get_int(m->cfg, "hub", "backoff_max_ms", 0, 10, 86400000, &v[4]) < 0 ||
	    config_get_int(m->cfg, "hub", "status_interval_ms", 0, 100, 86400000, &v[5]) < 0 ||
	    config_get_int(m->cfg, "hub", "roster_interval_ms", 0, 100, 86400000, &v[6]) < 0)
		return -EINVAL;
	uc.batch_max = v[0];
	uc.transport.connect_timeout_ms = v[1];
	uc.transport.timeout_ms = v[2];
	uc.backoff_min_ms = v[3];
	uc.backoff_max_ms = v[4];
	uc.status_interval_ms = v[5];
	uc.roster_interval_ms = v[6];
	if (roster_open(config_get(m->cfg, "roster", "cache"), facility, &m->up_roster) < 0)
		return -EIO;
	uc.ops = &uplink_mbedtls_ops;
	uc.journal = m->journal;
	uc.device_id = config_get(m->cfg, "device", "id");
	uc.version = KIUM_VERSION;
	uc.roster_apply = main_roster_apply;
	uc.roster_version = main_roster_version;
	uc.roster_ctx = m->up_roster;
	uc.on_rejected = main_rejected;
	uc.rejected_ctx = m->journal;
	if (uplink_start(&uc, &m->uplink) < 0) {
		log_err("the uplink to %s cannot start", uc.transport.url);
		return -EIO;
	}
	m->netwatch = netwatch_open();
	log_notice("uplink to %s started", uc.transport.url);
	return 0;
}

/* The offline badge follows the uplink: shown while the hub cannot be reached, with the
 * journal's count of taps waiting (the uplink's own count is refreshed only when it sends,
 * which it does not while it backs off). */
static void main_uplink_idle(struct main_ctx *m, bool had_card)
{
	struct journal_usage u;
	struct uplink_state st;
	bool offline;

	if (!m->uplink) { /* no hub configured: every tap waits */
		journal_usage(m->journal, &u);
		if (!m->shown_offline || (unsigned)u.pending != m->shown_waiting) {
			m->shown_offline = true;
			m->shown_waiting = (unsigned)u.pending;
			kiosk_set_offline(m->kiosk, true, (unsigned)u.pending);
		}
		return;
	}
	if (had_card)
		uplink_kick(m->uplink);
	if (netwatch_changed(m->netwatch)) {
		log_info("network changed: trying the hub now");
		uplink_network_changed(m->uplink);
	}
	uplink_get_state(m->uplink, &st);
	journal_usage(m->journal, &u);
	offline = !st.online;
	if (!offline)
		u.pending = 0; /* not shown: no redraw for each tap while the hub takes them */
	if (offline != m->shown_offline || (unsigned)u.pending != m->shown_waiting) {
		m->shown_offline = offline;
		m->shown_waiting = (unsigned)u.pending;
		kiosk_set_offline(m->kiosk, offline, (unsigned)u.pending);
	}
}

static void main_idle(void *user, bool had_card)
{
	struct main_ctx *m = user;

	main_uplink_idle(m, had_card);
	kiosk_tick(m->kiosk);
	if (main_hup) {
		main_hup = 0;
		if (m->log_file && *m->log_file)
			log_reopen(m->log_file);
		if (m->roster_path && *m->roster_path)
			roster_import_file(m->roster, m->roster_path);
	}
}

/* Where the heap stands at exit, for `make bench` (tests/bench/reader.sh). */
static void main_log_memory(void)
{
	struct mallinfo2 mi = mallinfo2();
	int64_t sq_now, sq_peak;

	journal_sqlite_memory(&sq_now, &sq_peak);
	log_notice("memory: malloc %zu kB in use of %zu kB, SQLite %lld kB (peak %lld kB)",
		   mi.uordblks / 1024, (mi.arena + mi.hblkhd) / 1024, (long long)(sq_now / 1024),
		   (long long)(sq_peak / 1024));
}

static int main_int(const struct config *cfg, const char *s, const char *k, long min, long max,
		    long *out)
{
	return config_get_int(cfg, s, k, 0, min, max, out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "board", required_argument, NULL, 'b' },
		{ "dump-journal", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *board = NULL, *s;
	struct main_ctx m = { .netwatch = -1 };
	struct journal_options jo = { 0 };
	struct feedback_config fc = { 0 };
	struct kiosk_config kc = { 0 };
	struct reader_options ro = { 0 };
	struct tapdesk_config tc = { 0 };
	struct feedback *fb = NULL;
	struct tapdesk desk;
	struct sigaction sa;
	bool dump = false, b;
	long v[12];
	int c, ret = 1, level;

	log_init("kium-reader", KLOG_INFO);
	while ((c = getopt_long(argc, argv, "c:b:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'b':
			board = optarg;
			break;
		case 'd':
			dump = true;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("kium-reader %s\n", KIUM_VERSION);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (!config_path || optind != argc) {
		main_usage(stderr);
		return 2;
	}
	clock_pin_from_env();
	if (config_load(config_path, reader_keys, &m.cfg) < 0)
		goto out;
	if (!board)
		board = config_get(m.cfg, "device", "board");
	if (board && *board && main_apply_board(m.cfg, board) < 0)
		goto out;
	s = config_get(m.cfg, "log", "level");
	level = log_level_parse(s ? s : "info");
	if (level < 0) {
		log_err("%s: [log] level = '%s' is not error, warning, notice, info or debug",
			config_origin(m.cfg, "log", "level"), s);
		goto out;
	}
	log_set_level(level);
	m.log_file = config_get(m.cfg, "log", "file");
	if (m.log_file && *m.log_file && log_reopen(m.log_file) < 0) {
		log_err("[log] file %s cannot be opened", m.log_file);
		goto out;
	}

	jo.path = config_require(m.cfg, "journal", "path");
	if (!jo.path || main_int(m.cfg, "journal", "capacity", 1, 100000000, &v[0]) < 0 ||
	    main_int(m.cfg, "journal", "warn_percent", 1, 100, &v[1]) < 0)
		goto out;
	jo.capacity = v[0];
	jo.warn_percent = (int)v[1];
	if (dump) {
		jo.read_only = true;
		if (journal_open(&jo, &m.journal) < 0 || journal_dump(m.journal, stdout) < 0)
			goto out;
		ret = 0;
		goto out;
	}

	tc.facility = config_require(m.cfg, "device", "facility");
	if (!config_require(m.cfg, "device", "id") || !tc.facility)
		goto out;
	if (!tap_device_id_valid(config_get(m.cfg, "device", "id"))) {
		log_err("%s: [device] id must be 1..63 of [A-Za-z0-9._-]",
			config_origin(m.cfg, "device", "id"));
		goto out;
	}
	ro.connstring = config_require(m.cfg, "reader", "device");
	if (!ro.connstring || main_int(m.cfg, "reader", "poll_ms", 150, 30000, &v[0]) < 0 ||
	    main_int(m.cfg, "reader", "presence_ms", 10, 10000, &v[1]) < 0 ||
	    main_int(m.cfg, "reader", "watchdog_ms", 200, 600000, &v[2]) < 0 ||
	    main_int(m.cfg, "reader", "fault_after", 1, 1000, &v[3]) < 0 ||
	    main_int(m.cfg, "reader", "reopen_min_ms", 10, 600000, &v[4]) < 0 ||
	    main_int(m.cfg, "reader", "reopen_max_ms", 10, 3600000, &v[5]) < 0 ||
	    main_int(m.cfg, "tap", "debounce_ms", 0, 86400000, &v[6]) < 0)
		goto out;
	ro.poll_ms = (int)v[0];
	ro.presence_ms = (int)v[1];
	ro.watchdog_ms = (int)v[2];
	tc.fault_after = (int)v[3];
	tc.reopen_min_ms = (int)v[4];
	tc.reopen_max_ms = (int)v[5];
	tc.debounce_ms = v[6];

	fc.backend = config_get(m.cfg, "feedback", "backend");
	fc.record_path = config_get(m.cfg, "feedback", "record_path");
	fc.chip = config_get(m.cfg, "feedback", "chip");
	if (main_int(m.cfg, "feedback", "green", -1, 4095, &v[0]) < 0 ||
	    main_int(m.cfg, "feedback", "red", -1, 4095, &v[1]) < 0 ||
	    main_int(m.cfg, "feedback", "buzzer", -1, 4095, &v[2]) < 0 ||
	    main_int(m.cfg, "feedback", "relay", -1, 4095, &v[3]) < 0 ||
	    main_int(m.cfg, "feedback", "relay_ms", 0, 60000, &v[4]) < 0 ||
	    config_get_bool(m.cfg, "feedback", "active_low", false, &b) < 0)
		goto out;
	fc.green = (int)v[0];
	fc.red = (int)v[1];
	fc.buzzer = (int)v[2];
	fc.relay = (int)v[3];
	fc.relay_ms = (int)v[4];
	fc.active_low = b;

	kc.backend = config_get(m.cfg, "kiosk", "backend");
	kc.tty = config_get(m.cfg, "kiosk", "tty");
	kc.fb_device = config_get(m.cfg, "kiosk", "fb_device");
	kc.font = config_get(m.cfg, "kiosk", "font");
	kc.blank = config_get(m.cfg, "kiosk", "blank");
	kc.center_name = config_get(m.cfg, "device", "center_name");
	if (main_int(m.cfg, "kiosk", "fb_width", 0, 8192, &v[0]) < 0 ||
	    main_int(m.cfg, "kiosk", "fb_height", 0, 8192, &v[1]) < 0 ||
	    main_int(m.cfg, "kiosk", "fb_bpp", 16, 32, &v[2]) < 0 ||
	    main_int(m.cfg, "kiosk", "rotation", 0, 270, &v[3]) < 0 ||
	    main_int(m.cfg, "kiosk", "idle_return_ms", 100, 600000, &v[4]) < 0)
		goto out;
	kc.fb_width = (int)v[0];
	kc.fb_height = (int)v[1];
	kc.fb_bpp = (int)v[2];
	kc.rotation = (int)v[3];
	if (kc.rotation % 90) {
		log_err("%s: [kiosk] rotation = %d is not 0, 90, 180 or 270",
			config_origin(m.cfg, "kiosk", "rotation"), kc.rotation);
		goto out;
	}
	kc.idle_return_ms = (int)v[4];

	if (journal_open(&jo, &m.journal) < 0)
		goto out;
	if (roster_open(config_get(m.cfg, "roster", "cache"), tc.facility, &m.roster) < 0)
		goto out;
	m.roster_path = config_get(m.cfg, "roster", "path");
	if (m.roster_path && *m.roster_path)
		roster_import_file(m.roster, m.roster_path); /* on failure the cache serves */
	{
		size_t cards;
		int64_t version;

		if (roster_stats(m.roster, &cards, &version) == 0)
			log_notice("roster: %zu cards (version %lld)%s", cards, (long long)version,
				   cards ? "" : "; every card will be an unknown card");
	}
	if (feedback_open(&fc, &fb) < 0)
		goto out;
	kiosk_open(&kc, &m.kiosk);
	/* Kept strongly referenced so that the terminal backend is linked in. */
	if (!m.kiosk && !kiosk_term_ops.name)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	m.shown_offline = true;
	if (main_uplink_start(&m, tc.facility) < 0)
		goto out;
	tapdesk_init(&desk, &tc, m.journal, m.roster, fb, m.kiosk);
	{
		struct journal_usage u;

		journal_usage(m.journal, &u);
		kiosk_set_offline(m.kiosk, true, (unsigned)u.pending);
		log_notice("kium-reader %s: device %s, journal %s (last seq %llu, %llu waiting)",
			   KIUM_VERSION, config_get(m.cfg, "device", "id"), jo.path,
			   (unsigned long long)u.last_seq, (unsigned long long)u.pending);
	}
	tapdesk_run(&desk, reader_ops_for(ro.connstring), &ro, &main_stop, main_idle, &m);
	log_notice("stopping");
	main_log_memory();
	ret = 0;
out:
	uplink_stop(m.uplink);
	netwatch_close(m.netwatch);
	roster_close(m.up_roster);
	kiosk_close(m.kiosk);
	feedback_close(fb);
	roster_close(m.roster);
	journal_close(m.journal);
	config_free(m.cfg);
	return ret;
}
