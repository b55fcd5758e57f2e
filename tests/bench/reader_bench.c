/*
 * The tap-to-feedback driver for `make bench`: places N cards in pn532-emu one after another
 * and measures, for each, the time from the moment it sends "place" to the moment the
 * feedback line appears in the record file (inotify), then removes the card and waits GAP_MS
 * for the reader to see it go. Card i has the 4-byte UID 04 xx xx xx (FIRST + i in the low
 * bytes, FIRST defaults to 1).
 *
 *   reader_bench CONTROL_SOCKET RECORD_FILE N GAP_MS [FIRST]
 * prints: "median_ms M p90_ms Q p99_ms P max_ms X n N missed K"; with BENCH_DUMP set, every
 * latency (ms) on stderr, one a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int bench_ctl(int fd, const char *line)
{
	char buf[256];
	size_t n = 0;

	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0)
		return -1;
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return strncmp(buf, "ok", 2) == 0 ? 0 : -1;
}

static off_t bench_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ino, n, gap, first, missed = 0, got = 0;
	double *lat, *at;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: reader_bench CONTROL_SOCKET RECORD_FILE N GAP_MS [FIRST]\n");
		return 2;
	}
	first = argc == 6 ? atoi(argv[5]) : 1;
	n = atoi(argv[3]);
	gap = atoi(argv[4]);
	lat = calloc((size_t)n + 1, sizeof(*lat));
	at = calloc((size_t)n + 1, sizeof(*at));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	if (!lat || !at || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "reader_bench: cannot connect to %s\n", argv[1]);
		return 1;
	}
	close(open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644));
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino < 0 || inotify_add_watch(ino, argv[2], IN_MODIFY) < 0) {
		fprintf(stderr, "reader_bench: inotify on %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char cmd[64], evbuf[4096];
		off_t before = bench_size(argv[2]);
		double t0, deadline;
		bool seen = false;

		while (read(ino, evbuf, sizeof(evbuf)) > 0)
			;
		snprintf(cmd, sizeof(cmd), "place 04%06x", (unsigned)(first + i) & 0xffffff);
		t0 = bench_now_ms();
		if (bench_ctl(fd, cmd) < 0)
			return 1;
		deadline = t0 + 3000;
		while (!seen && bench_now_ms() < deadline) {
			struct pollfd p = { .fd = ino, .events = POLLIN };

			if (bench_size(argv[2]) > before) {
				seen = true;
				break;
			}
			if (poll(&p, 1, 50) > 0)
				while (read(ino, evbuf, sizeof(evbuf)) > 0)
					;
		}
		if (seen) {
			at[got] = t0;
			lat[got++] = bench_now_ms() - t0;
		}
		else
			missed++;
		if (bench_ctl(fd, "remove") < 0)
			return 1;
		poll(NULL, 0, gap);
	}
	if (getenv("BENCH_DUMP"))
		for (int i = 0; i < got; i++)
			fprintf(stderr, "%.3f %.3f\n", lat[i], at[i]);
	qsort(lat, (size_t)got, sizeof(*lat), bench_cmp);
	printf("median_ms %.2f p90_ms %.2f p99_ms %.2f max_ms %.2f n %d missed %d\n",
	       got ? lat[got / 2] : -1.0, got ? lat[(got * 9) / 10] : -1.0,
	       got ? lat[(got * 99) / 100 - (got >= 100 ? 1 : 0)] : -1.0,
	       got ? lat[got - 1] : -1.0, got, missed);
	free(lat);
	free(at);
	return missed ? 1 : 0;
}
