/*
 * Kiosk benchmark: time from kiosk_show (right after a tap's feedback) to the screen drawn
 * on a file-backed 800x480 32 bpp framebuffer (same path as /dev/fb0), and the CPU used by
 * the front's tick loop on the idle clock screen with the real clock.
 *
 *   kiosk_draw [IDLE_SECONDS]     prints "bench: <name> <value> <unit>" lines
 */
#include "common/log.h"
#include "firmware/kiosk.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define TAPS 300

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "김*수", "이*은", "박*준", "최*민" };
	char path[] = "/tmp/kium-bench-fb.XXXXXX";
	struct kiosk_config cfg = {
		.backend = "framebuffer", .fb_width = 800, .fb_height = 480, .fb_bpp = 32,
		.center_name = "노원구 우리동네키움센터 15호점", .idle_return_ms = 1, /* straight back to the clock */
	};
	int64_t t[TAPS], c0, w0, idle_s = argc > 1 ? atoi(argv[1]) : 10;
	struct kiosk *k = NULL;
	unsigned wakeups = 0;
	int fd = mkstemp(path);

	log_init("kiosk-bench", KLOG_WARNING);
	if (fd < 0)
		return 1;
	close(fd);
	cfg.fb_device = path;
	if (kiosk_open(&cfg, &k) < 0 || kiosk_backend_name(k)[0] != 'f') {
		fprintf(stderr, "kiosk bench: framebuffer did not open\n");
		unlink(path);
		return 1;
	}
	for (int i = 0; i < TAPS; i++) {
		int64_t a = now_us();

		kiosk_show(k, i % 3 == 2 ? KIOSK_DEPARTURE : KIOSK_ARRIVAL, names[i % 4],
			   a / 1000);
		t[i] = now_us() - a;
	}
	qsort(t, TAPS, sizeof(t[0]), cmp64);
	printf("bench: kiosk_draw_median_ms %.2f ms\n", (double)t[TAPS / 2] / 1000.0);
	printf("bench: kiosk_draw_p99_ms %.2f ms\n", (double)t[TAPS * 99 / 100] / 1000.0);
	fflush(stdout);

	/* idle: back on the clock screen, then the main loop's tick for idle_s seconds */
	usleep(2000);
	kiosk_tick(k);
	c0 = cpu_us();
	w0 = now_us();
	while (now_us() - w0 < idle_s * 1000000) {
		poll(NULL, 0, kiosk_tick(k));
		wakeups++;
	}
	printf("bench: kiosk_idle_cpu_percent %.3f %%\n",
	       (double)(cpu_us() - c0) * 100.0 / (double)(now_us() - w0));
	printf("bench: kiosk_idle_wakeups_per_s %.2f /s\n",
	       (double)wakeups * 1e6 / (double)(now_us() - w0));
	kiosk_close(k);
	unlink(path);
	return 0;
}
