/* Real and pinned clocks, Seoul days: see clock.h. */
#include "common/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static struct {
	bool pinned;
	bool synced;
	int64_t wall_ms;
	int64_t mono_ms;
} clock_pin_state;

/* KIUM_CLOCK_UNSYNCED: see clock_pin_from_env. */
static struct {
	bool on;
	bool synced; /* the file appeared: true time, and synced whatever adjtimex says */
	int64_t offset_ms;
	char file[256];
} clock_skew;

static bool clock_skew_active(void)
{
	if (!clock_skew.on)
		return false;
	if (access(clock_skew.file, F_OK) == 0) {
		clock_skew.on = false; /* synced for good */
		clock_skew.synced = true;
		return false;
	}
	return true;
}

static int64_t clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_wall_ms(void)
{
	if (clock_pin_state.pinned)
		return clock_pin_state.wall_ms;
	return clock_read(CLOCK_REALTIME) + (clock_skew_active() ? clock_skew.offset_ms : 0);
}

int64_t clock_mono_ms(void)
{
	return clock_pin_state.pinned ? clock_pin_state.mono_ms : clock_read(CLOCK_MONOTONIC);
}

bool clock_is_synced(void)
{
	struct timex tx = { 0 };
	int state;

	if (clock_pin_state.pinned)
		return clock_pin_state.synced;
	if (clock_skew_active())
		return false;
	if (clock_skew.synced)
		return true;
	state = adjtimex(&tx);
	return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

void clock_pin(int64_t wall_ms, int64_t mono_ms, bool synced)
{
	clock_pin_state.pinned = true;
	clock_pin_state.wall_ms = wall_ms;
	clock_pin_state.mono_ms = mono_ms;
	clock_pin_state.synced = synced;
}

void clock_advance(int64_t ms)
{
	clock_pin_state.wall_ms += ms;
	clock_pin_state.mono_ms += ms;
}

void clock_set_synced(bool synced)
{
	clock_pin_state.synced = synced;
}

void clock_unpin(void)
{
	clock_pin_state.pinned = false;
}

bool clock_pin_from_env(void)
{
	const char *v = getenv("KIUM_PINNED_CLOCK"), *skew = getenv("KIUM_CLOCK_UNSYNCED");
	char *end;
	long long wall;

	if (skew && *skew) {
		errno = 0;
		clock_skew.offset_ms = strtoll(skew, &end, 10);
		if (!errno && *end == ':' && end[1]) {
			snprintf(clock_skew.file, sizeof(clock_skew.file), "%s", end + 1);
			clock_skew.on = true;
		}
	}
	if (!v || !*v)
		return false;
	errno = 0;
	wall = strtoll(v, &end, 10);
	if (errno || (*end && *end != ','))
		return false;
	clock_pin(wall, 1000000, !(*end == ',' && strcmp(end + 1, "unsynced") == 0));
	return true;
}

/* Floor division: days before 1970 must round down, not toward zero. */
static int64_t clock_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t clock_seoul_day(int64_t wall_ms)
{
	return clock_floor_div(wall_ms + CLOCK_SEOUL_OFFSET_MS, CLOCK_DAY_MS);
}

int64_t clock_day_start_ms(int64_t day)
{
	return day * CLOCK_DAY_MS - CLOCK_SEOUL_OFFSET_MS;
}

void clock_day_format(int64_t day, char *buf, size_t len)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

int clock_day_parse(const char *s, int64_t *day)
{
	struct tm tm = { 0 };
	char check[16];
	int y, m, d;
	time_t t;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*day = clock_floor_div((int64_t)t, 86400);
	/* timegm normalises 2026-02-30 to March; a real date formats back to itself. */
	clock_day_format(*day, check, sizeof(check));
	return strcmp(check, s) == 0 ? 0 : -EINVAL;
}

void clock_iso8601(int64_t wall_ms, char *buf, size_t len)
{
	time_t t = (time_t)clock_floor_div(wall_ms, 1000);
	struct tm tm;
	char s[24];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", s, (int)(wall_ms - (int64_t)t * 1000));
}

void clock_seoul_hhmm(int64_t wall_ms, char *buf, size_t len)
{
	int64_t in_day = wall_ms + CLOCK_SEOUL_OFFSET_MS - clock_floor_div(wall_ms + CLOCK_SEOUL_OFFSET_MS, CLOCK_DAY_MS) * CLOCK_DAY_MS;
	int minutes = (int)(in_day / 60000);

	snprintf(buf, len, "%02d:%02d", minutes / 60, minutes % 60);
}

int clock_boot_id(char *buf, size_t len)
{
	FILE *f;
	int ret = -EIO;

	if (clock_pin_state.pinned) {
		snprintf(buf, len, "00000000-0000-4000-8000-000000000001");
		return 0;
	}
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return -errno;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}
