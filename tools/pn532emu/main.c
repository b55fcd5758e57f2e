/*
 * pn532-emu: a software PN532 on a pseudo-terminal, so that libnfc's own pn532_uart driver
 * (connstring pn532_uart:PATH) runs against it with no hardware. One poll loop over the pty
 * master, the control socket, a signalfd and the chip's timers; see README.md.
 */
#include "common/clock.h"
#include "common/log.h"
#include "tools/pn532emu/client.h"
#include "tools/pn532emu/control.h"
#include "tools/pn532emu/emu.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static bool debug_wire;

struct app {
	const char *link;
	long baud;              /* 0: no pacing */
	int64_t byte_ns;        /* one 8N1 byte on the wire at baud */
	int master, slave;      /* -1 while unplugged */
	bool unplugged;
	bool quit;
	struct emu *emu;
	int64_t tx_clock_ns;    /* when the last paced byte finished on the wire */
	bool tx_busy;
	int64_t replug_at;      /* mono ms of an automatic replug, or -1 */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pn532-emu --link PATH [--baud RATE] [--control SOCKET] [--log-level LEVEL]\n"
		"       pn532-emu --control SOCKET --send LINE [--send LINE]...\n"
		"\n"
		"A software PN532 (UART/HSU framing) on a pseudo-terminal. libnfc talks to it with\n"
		"connstring pn532_uart:PATH (set LIBNFC_AUTO_SCAN=false).\n"
		"\n"
		"  --link PATH        symlink to create to the pty's slave end (replaced if it is a\n"
		"                     symlink; removed at exit)\n"
		"  --baud RATE        pace output like a real UART at RATE baud, 8N1 (115200: about\n"
		"                     87 us a byte); without it bytes go out at once\n"
		"  --control SOCKET   Unix stream socket for the control protocol, one command a line:\n"
		"                       place UIDHEX [ATQA SAK]   put a card (4, 7 or 10-byte UID;\n"
		"                                                 default ATQA 0004 / 0044, SAK 08)\n"
		"                       remove                    take the card away\n"
		"                       fault garbage|noack|noresp|badcs|none [CMD]\n"
		"                                                 spoil the next command frame (badcs:\n"
		"                                                 the next response frame); with CMD\n"
		"                                                 (2 hex digits) the next of that code\n"
		"                       fault unplug [MS]         close the pty and remove the link;\n"
		"                                                 back by itself after MS if given\n"
		"                       replug                    a new pty behind the same link\n"
		"                       stats                     counters on one line\n"
		"                       quit                      stop the emulator\n"
		"                     each command gets one line: \"ok ...\" or \"err REASON\"\n"
		"  --log-level LEVEL  error, warning, notice, info (default), debug (every frame)\n"
		"  --send LINE        with --control only: send LINE to a running emulator, print\n"
		"                     its reply; exit 0 when ok, 1 on err, 2 when unreachable\n"
		"  --help             this text\n"
		"\n"
		"SIGTERM or SIGINT: clean exit (the link and the socket are removed).\n"
		"See tools/pn532emu/README.md for the commands answered and the fault semantics.\n");
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void close_pty(struct app *a)
{
	if (a->master >= 0)
		close(a->master);
	if (a->slave >= 0)
		close(a->slave);
	a->master = a->slave = -1;
}

/* A new pty: slave in raw mode and kept open by us (pitfalls 3 in PN532.md), master
 * non-blocking, and the link pointed at the slave (atomically, by rename). */
static int open_pty(struct app *a)
{
	struct termios tio;
	char tmp[PATH_MAX];
	const char *name;
	struct stat st;
	int ret;

	if (openpty(&a->master, &a->slave, NULL, NULL, NULL) < 0) {
		ret = -errno;
		log_err("openpty: %s", strerror(errno));
		a->master = a->slave = -1;
		return ret;
	}
	if (tcgetattr(a->slave, &tio) < 0) {
		ret = -errno;
		log_err("tcgetattr: %s", strerror(errno));
		goto out;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(a->slave, TCSANOW, &tio) < 0) {
		ret = -errno;
		log_err("tcsetattr: %s", strerror(errno));
		goto out;
	}
	if (fcntl(a->master, F_SETFL, fcntl(a->master, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(a->master, F_SETFD, FD_CLOEXEC) < 0 || fcntl(a->slave, F_SETFD, FD_CLOEXEC) < 0) {
		ret = -errno;
		log_err("fcntl: %s", strerror(errno));
		goto out;
	}
	name = ttyname(a->slave);
	if (!name) {
		ret = -errno;
		log_err("ttyname: %s", strerror(errno));
		goto out;
	}
	if (lstat(a->link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		ret = -EEXIST;
		log_err("link %s: exists and is not a symlink; not replacing it", a->link);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", a->link, (long)getpid());
	unlink(tmp);
	if (symlink(name, tmp) < 0 || rename(tmp, a->link) < 0) {
		ret = -errno;
		log_err("link %s -> %s: %s", a->link, name, strerror(errno));
		unlink(tmp);
		goto out;
	}
	log_info("pty %s linked at %s", name, a->link);
	a->unplugged = false;
	return 0;
out:
	close_pty(a);
	return ret;
}

static int app_unplug(void *ctx, int64_t replug_after_ms)
{
	struct app *a = ctx;

	close_pty(a);
	unlink(a->link);
	emu_reset_link(a->emu);
	a->tx_busy = false;
	a->unplugged = true;
	a->replug_at = replug_after_ms >= 0 ? clock_mono_ms() + replug_after_ms : -1;
	log_notice("unplugged: pty closed, %s removed", a->link);
	return 0;
}

static int app_replug(void *ctx)
{
	struct app *a = ctx;
	int ret = open_pty(a);

	a->replug_at = -1;
	if (ret == 0)
		log_notice("replugged");
	return ret;
}

static bool app_unplugged(void *ctx)
{
	return ((struct app *)ctx)->unplugged;
}

static void app_quit(void *ctx)
{
	((struct app *)ctx)->quit = true;
}

static const struct emu_control_ops app_ops = {
	.unplug = app_unplug,
	.replug = app_replug,
	.unplugged = app_unplugged,
	.quit = app_quit,
};

/* At --log-level debug: the bytes on the wire, as libnfc's LIBNFC_LOG_LEVEL=3 shows them. */
static void log_bytes(const char *dir, const uint8_t *b, size_t n)
{
	char hex[3 * 64 + 4];
	size_t k = 0;

	if (!debug_wire)
		return;
	for (size_t i = 0; i < n && i < 64; i++)
		k += (size_t)snprintf(hex + k, sizeof(hex) - k, " %02x", b[i]);
	if (n > 64)
		snprintf(hex + k, sizeof(hex) - k, " ...");
	log_debug("%s %zu:%s", dir, n, hex);
}

static void read_host(struct app *a)
{
	uint8_t buf[512];

	for (;;) {
		ssize_t r = read(a->master, buf, sizeof(buf));

		if (r > 0) {
			log_bytes("rx", buf, (size_t)r);
			emu_feed(a->emu, buf, (size_t)r, clock_mono_ms());
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("read pty: %s", strerror(errno));
		return;
	}
}

/* Writes what is due. Returns ns until the next paced byte is due, 0 when nothing is
 * pending or the master is not writable (then POLLOUT wakes us). */
static int64_t write_host(struct app *a, bool *want_pollout)
{
	const uint8_t *out;
	size_t pending = emu_output(a->emu, &out);
	size_t n = pending;
	int64_t now;
	ssize_t w;

	*want_pollout = false;
	if (pending == 0 || a->master < 0) {
		a->tx_busy = false;
		return 0;
	}
	if (a->byte_ns) {
		now = now_ns();
		if (!a->tx_busy) {
			a->tx_clock_ns = now;
			a->tx_busy = true;
		}
		n = (size_t)((now - a->tx_clock_ns) / a->byte_ns);
		if (n == 0)
			return a->tx_clock_ns + a->byte_ns - now;
		if (n > pending)
			n = pending;
	}
	w = write(a->master, out, n);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			*want_pollout = true;
		else
			log_warn("write pty: %s", strerror(errno));
		return 0;
	}
	log_bytes("tx", out, (size_t)w);
	emu_output_consume(a->emu, (size_t)w);
	if (a->byte_ns) {
		a->tx_clock_ns += (int64_t)w * a->byte_ns;
		if (emu_output(a->emu, &out) > 0)
			return a->byte_ns;
		a->tx_busy = false;
	} else if ((size_t)w < n) {
		*want_pollout = true;
	}
	return 0;
}

static int setup_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int run(struct app *a, struct emu_control *ctl, int sigfd)
{
	while (!a->quit) {
		struct pollfd pfd[2 + 1 + EMU_CONTROL_CLIENTS_MAX];
		size_t n = 0, ctl_first, nctl;
		int64_t wait_ns = -1, dl, pace;
		bool pollout;
		struct timespec ts, *tsp = NULL;
		int master_idx = -1;

		pace = write_host(a, &pollout);
		if (pace > 0)
			wait_ns = pace;
		dl = emu_deadline(a->emu);
		if (a->replug_at >= 0 && (dl < 0 || a->replug_at < dl))
			dl = a->replug_at;
		if (dl >= 0) {
			int64_t d = (dl - clock_mono_ms()) * 1000000LL;

			if (d < 0)
				d = 0;
			if (wait_ns < 0 || d < wait_ns)
				wait_ns = d;
		}
		pfd[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (a->master >= 0) {
			master_idx = (int)n;
			pfd[n++] = (struct pollfd){ .fd = a->master,
						    .events = POLLIN | (pollout ? POLLOUT : 0) };
		}
		ctl_first = n;
		nctl = ctl ? emu_control_pollfds(ctl, pfd + n, sizeof(pfd) / sizeof(pfd[0]) - n) : 0;
		n += nctl;
		if (wait_ns >= 0) {
			ts.tv_sec = wait_ns / 1000000000LL;
			ts.tv_nsec = wait_ns % 1000000000LL;
			tsp = &ts;
		}
		if (ppoll(pfd, n, tsp, NULL) < 0) {
			if (errno == EINTR)
				continue;
			log_err("ppoll: %s", strerror(errno));
			return -errno;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				log_notice("signal %u: stopping", si.ssi_signo);
			a->quit = true;
			break;
		}
		if (master_idx >= 0 && (pfd[master_idx].revents & (POLLIN | POLLHUP | POLLERR)))
			read_host(a);
		emu_tick(a->emu, clock_mono_ms());
		if (a->unplugged && a->replug_at >= 0 && clock_mono_ms() >= a->replug_at)
			app_replug(a);
		if (ctl && nctl)
			emu_control_handle(ctl, pfd + ctl_first, nctl, clock_mono_ms());
	}
	/* Let a reply already computed (e.g. to "quit") reach nobody: we are going. */
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "link", required_argument, NULL, 'l' },
		{ "baud", required_argument, NULL, 'b' },
		{ "control", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "send", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *send[64];
	int nsend = 0;
	struct app a = { .master = -1, .slave = -1, .replug_at = -1 };
	const char *control = NULL;
	struct emu_control *ctl = NULL;
	int level = KLOG_INFO, sigfd = -1, c, ret = 1;
	char *end;

	while ((c = getopt_long(argc, argv, "l:b:c:L:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			a.link = optarg;
			break;
		case 'b':
			errno = 0;
			a.baud = strtol(optarg, &end, 10);
			if (errno || *end || a.baud < 300 || a.baud > 10000000) {
				fprintf(stderr, "pn532-emu: bad --baud %s\n", optarg);
				return 2;
			}
			break;
		case 'c':
			control = optarg;
			break;
		case 'L':
			level = log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "pn532-emu: bad --log-level %s\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (nsend == (int)(sizeof(send) / sizeof(send[0]))) {
				fprintf(stderr, "pn532-emu: too many --send\n");
				return 2;
			}
			send[nsend++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (nsend > 0) { /* client mode: talk to a running emulator */
		if (!control || a.link || optind != argc) {
			usage(stderr);
			return 2;
		}
		return emu_client_send(control, send, nsend, 5000, stdout);
	}
	if (!a.link || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("pn532-emu", level);
	debug_wire = level >= KLOG_DEBUG;
	if (a.baud)
		a.byte_ns = 10LL * 1000000000LL / a.baud; /* start + 8 data + stop bits */
	a.emu = emu_new();
	if (!a.emu) {
		log_err("out of memory");
		goto out;
	}
	sigfd = setup_signals();
	if (sigfd < 0) {
		log_err("signals: %s", strerror(-sigfd));
		goto out;
	}
	if (open_pty(&a) < 0)
		goto out;
	if (control) {
		ctl = emu_control_new(control, a.emu, &app_ops, &a);
		if (!ctl)
			goto out;
	}
	log_info("ready: link %s, control %s, %s", a.link, control ? control : "(none)",
		 a.baud ? "paced" : "not paced");
	if (run(&a, ctl, sigfd) == 0)
		ret = 0;
out:
	emu_control_free(ctl);
	if (a.link && !a.unplugged && a.master >= 0)
		unlink(a.link);
	close_pty(&a);
	if (sigfd >= 0)
		close(sigfd);
	emu_free(a.emu);
	return ret;
}
