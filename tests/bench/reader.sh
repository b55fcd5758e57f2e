#!/usr/bin/env bash
# `make bench` for kium-reader: tap-to-feedback latency through pn532-emu paced at 115200 baud
# and libnfc's pn532_uart driver (card placed in the emulator -> feedback line recorded after
# the journal commit), median and p99 over N taps (default 1,000), beside the bare libnfc
# floor measured the same way in the same run (the reader's poll loop writing the record line
# as soon as it sees the card: no journal, no roster). Then the reader's peak RSS and its CPU
# use over 5 s with no card, and the disk's own fdatasync latency for a 16 KB append (the
# storage floor under the journal's commit).
#
#   tests/bench/reader.sh BUILD_DIR        (BENCH_READER_TAPS=N to change the count)
set -uo pipefail
build=${1:-build/default}
root=$(cd "$(dirname "$0")/../.." && pwd)
B=$root/$build
N=${BENCH_READER_TAPS:-1000}
GAP=30
T=$(mktemp -d "${TMPDIR:-/tmp}/kium-bench-reader.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
export LIBNFC_AUTO_SCAN=false

start_emu() { # NAME
	"$B/bin/pn532-emu" --link "$T/$1.tty" --control "$T/$1.ctl" --baud 115200 \
		--log-level warning >"$T/$1.emu.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 250); do [[ -S $T/$1.ctl ]] && return 0; sleep 0.02; done
	echo "bench: pn532-emu did not start" >&2
	exit 1
}

wait_log() { # FILE PATTERN
	for _ in $(seq 500); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done
	return 1
}

# Both loops side by side, each on its own emulator, measured in alternating blocks of 100
# taps so that a busy moment of the machine falls on both alike.
start_emu floor
"$B/test/bench/reader_floor" "pn532_uart:$T/floor.tty" "$T/floor.rec" 300 10 2>"$T/floor.log" &
FLOOR=$!
PIDS+=($FLOOR)

# The reader: a roster holding every card the run places, so each tap is a real arrival.
start_emu reader
{
	echo "kium-roster 1"
	echo "facility NWUK015"
	for i in $(seq 1 "$N"); do printf 'uid 04%06x C%05d 김민수\n' "$i" "$i"; done
} >"$T/roster.txt"
cat >"$T/reader.conf" <<CONF
[device]
id = NWUK015-BENCH
facility = NWUK015
[reader]
device = pn532_uart:$T/reader.tty
presence_ms = 10
[journal]
path = $T/journal.db
[roster]
path = $T/roster.txt
cache = $T/roster.db
[feedback]
backend = record
record_path = $T/reader.rec
[kiosk]
backend = none
[log]
level = notice
CONF
"$B/bin/kium-reader" --config "$T/reader.conf" 2>"$T/reader.log" &
READER=$!
PIDS+=($READER)
wait_log "$T/reader.log" ": ready" || { echo "bench: reader did not start" >&2; exit 1; }
sleep 0.5

BLOCK=100
missed=0
for ((first = 1; first <= N; first += BLOCK)); do
	k=$((N - first + 1 < BLOCK ? N - first + 1 : BLOCK))
	for who in floor reader; do
		BENCH_DUMP=1 "$B/test/bench/reader_bench" "$T/$who.ctl" "$T/$who.rec" "$k" "$GAP" \
			"$first" >"$T/$who.block" 2>>"$T/$who.lat" || missed=$((missed + 1))
	done
done
((missed)) && echo "bench: $missed blocks missed taps (see $T)" >&2
stats() { # FILE -> "median p99 n"
	python3 -c "
import sys
v = sorted(float(l.split()[0]) for l in open(sys.argv[1]) if l.strip())
n = len(v)
print('%.2f %.2f %d' % (v[n // 2], v[max(0, -(-99 * n // 100) - 1)], n))" "$1"
}
read -r f_med f_p99 f_n < <(stats "$T/floor.lat")
read -r r_med r_p99 r_n < <(stats "$T/reader.lat")
kill -TERM "$FLOOR"

# The storage floor: one durable 16 KB append on the journal's disk, for the p99 to be read
# against (a tap's commit cannot be cheaper than the fdatasync it needs).
disk=$("$B/test/bench/reader_fsync" "$T/fsync.test" "$N" 10)

# Idle: no card for 5 s.
ticks() { awk '{ print $14 + $15 }' "/proc/$READER/stat"; }
hz=$(getconf CLK_TCK)
sleep 1
t0=$(ticks)
s0=$(date +%s.%N)
sleep 5
t1=$(ticks)
s1=$(date +%s.%N)
idle=$(python3 -c "print('%.2f' % (100.0 * ($t1 - $t0) / $hz / ($s1 - $s0)))")
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$READER/status")
# What is the reader's own (shared libraries such as libcurl's TLS stack count in RSS too).
dirty=$(awk '/^Private_Dirty:/ { print $2 }' "/proc/$READER/smaps_rollup")
rows=$("$B/bin/kium-reader" --config "$T/reader.conf" --dump-journal 2>/dev/null | wc -l)

echo "bench: reader_tap_to_feedback_median_ms $r_med ms"
echo "bench: reader_tap_to_feedback_p99_ms $r_p99 ms"
echo "bench: libnfc_floor_median_ms $f_med ms"
echo "bench: libnfc_floor_p99_ms $f_p99 ms"
echo "bench: disk_fdatasync_median_ms $(awk '{ print $2 }' <<<"$disk") ms"
echo "bench: disk_fdatasync_p99_ms $(awk '{ print $4 }' <<<"$disk") ms"
echo "bench: reader_taps_measured $r_n taps"
echo "bench: libnfc_floor_taps_measured $f_n taps"
echo "bench: reader_journal_rows $rows taps"
echo "bench: reader_peak_rss_kb $rss kB"
echo "bench: reader_private_dirty_kb $dirty kB"
echo "bench: reader_idle_cpu_percent $idle %"
