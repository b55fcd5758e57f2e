/*
 * The storage floor for `make bench`: what one durable append costs on the journal's disk,
 * without SQLite. Writes 16 KB (about what one tap's commit adds to the WAL) at the next
 * offset of a preallocated file and fdatasync()s it, N times, GAP_MS apart.
 *
 *   reader_fsync PATH N GAP_MS      prints "median_ms M p99_ms P max_ms X"
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FSYNC_CHUNK 16384

static double fsync_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int fsync_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static char buf[FSYNC_CHUNK];
	double *lat;
	int fd, n, gap;

	if (argc != 4) {
		fprintf(stderr, "usage: reader_fsync PATH N GAP_MS\n");
		return 2;
	}
	n = atoi(argv[2]);
	gap = atoi(argv[3]);
	lat = calloc((size_t)n + 1, sizeof(*lat));
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!lat || n < 1 || fd < 0) {
		fprintf(stderr, "reader_fsync: cannot prepare %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < n; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 1;
	if (fsync(fd) != 0)
		return 1;
	memset(buf, 0x5a, sizeof(buf));
	for (int i = 0; i < n; i++) {
		double t0 = fsync_now_ms();

		if (pwrite(fd, buf, sizeof(buf), (off_t)i * FSYNC_CHUNK) != (ssize_t)sizeof(buf) ||
		    fdatasync(fd) != 0)
			return 1;
		lat[i] = fsync_now_ms() - t0;
		poll(NULL, 0, gap);
	}
	close(fd);
	unlink(argv[1]);
	qsort(lat, (size_t)n, sizeof(*lat), fsync_cmp);
	printf("median_ms %.2f p99_ms %.2f max_ms %.2f\n", lat[n / 2],
	       lat[(99 * n + 99) / 100 - 1], lat[n - 1]);
	free(lat);
	return 0;
}
