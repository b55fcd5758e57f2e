/*
 * Time for both sides, behind a seam: the real clocks, or a pinned clock that tests move by
 * hand so that no test sleeps to let time pass (clock_pin / clock_advance).
 *
 * Units: milliseconds. Wall time is UTC since the epoch; monotonic time is CLOCK_MONOTONIC
 * (which, unlike wall time, never jumps when NTP corrects the clock). A "day" for people is
 * the local day in Asia/Seoul (UTC+9 all year, no daylight saving since 1988).
 */
#ifndef KIUM_COMMON_CLOCK_H
#define KIUM_COMMON_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_SEOUL_OFFSET_MS (9LL * 3600 * 1000)
#define CLOCK_DAY_MS (24LL * 3600 * 1000)

int64_t clock_wall_ms(void);
int64_t clock_mono_ms(void);
/* Whether the kernel believes the system clock is synchronized (adjtimex: no STA_UNSYNC).
 * Pinned: as given to clock_pin. */
bool clock_is_synced(void);

/* Pins both clocks (tests, benchmarks); clock_advance moves both by ms; clock_unpin returns
 * to the real clocks. Not thread-safe against concurrent readers: pin before starting threads. */
void clock_pin(int64_t wall_ms, int64_t mono_ms, bool synced);
void clock_advance(int64_t ms);
void clock_set_synced(bool synced);
void clock_unpin(void);
/* Reads KIUM_PINNED_CLOCK="WALL_MS[,synced|unsynced]" from the environment if set, so that
 * end-to-end tests can pin a daemon's clock. Returns true when it pinned.
 * Also reads KIUM_CLOCK_UNSYNCED="OFFSET_MS:FILE" (a board that booted without a real-time
 * clock): the wall clock runs OFFSET_MS off the true time and reports unsynced until FILE
 * exists; from then on it is true and reports synced (NTP caught up). Monotonic time is untouched. */
bool clock_pin_from_env(void);

/* Seoul local day number (days since 1970-01-01 in Asia/Seoul) of a UTC wall time. */
int64_t clock_seoul_day(int64_t wall_ms);
/* "YYYY-MM-DD" of a Seoul day number; buf needs 11 bytes. */
void clock_day_format(int64_t day, char *buf, size_t len);
/* Parses "YYYY-MM-DD" (a real calendar date) into a Seoul day number; -EINVAL otherwise. */
int clock_day_parse(const char *s, int64_t *day);
/* UTC wall ms of 00:00 Seoul time on that day. */
int64_t clock_day_start_ms(int64_t day);
/* "2026-11-22T03:12:00.123Z" for a UTC wall time; buf needs 25 bytes. */
void clock_iso8601(int64_t wall_ms, char *buf, size_t len);
/* "HH:MM" of a wall time in Seoul local time; buf needs 6 bytes. */
void clock_seoul_hhmm(int64_t wall_ms, char *buf, size_t len);
/* The kernel's boot id (a UUID, changes at every boot), or a constant under a pinned clock. */
int clock_boot_id(char *buf, size_t len);

#endif
