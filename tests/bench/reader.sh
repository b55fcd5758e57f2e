#!/usr/bin/env bash
# `make bench` for kium-reader: tap-to-feedback latency through pn532-emu paced at 115200 baud
# and libnfc's pn532_uart driver (card placed in the emulator -> feedback line recorded after
# the journal commit), median and p99 over N taps (default 1,000), beside the bare libnfc
# floor measured the same way in the same run (the reader's poll loop writing the record line
# as soon as it sees the card: no journal, no roster), and the reader's own share from its log
# (card seen -> feedback, and the commit within it). The reader uploads every tap to a real
# kium-hub over mutual TLS while it runs, as at a door. Then its CPU use over 5 s with no
# card, its peak RSS (VmHWM over the whole run) with a breakdown of where the resident memory
# is (per library from /proc/PID/smaps, the TLS stack apart; on stderr), and the disk's own
# fdatasync latency for a 16 KB append (the storage floor under the journal's commit).
#
#   tests/bench/reader.sh BUILD_DIR
#   BENCH_READER_TAPS=N      taps (default 1000)
#   BENCH_READER_HUB=0       no hub: the uplink is not configured
#   BENCH_READER_KEEP=DIR    copy the run's files (latencies, logs, journal) to DIR
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
	[[ -n ${BENCH_READER_KEEP:-} ]] && cp -r "$T/." "$BENCH_READER_KEEP/"
	rm -rf "$T" "${H:-}"
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

# The hub the reader uploads to over mutual TLS, provisioned with kiumctl only. Its store is
# on tmpfs: in the field the hub is another machine, so its fsyncs must not land on the
# reader's disk here.
if [[ ${BENCH_READER_HUB:-1} == 1 ]]; then
H=$(mktemp -d /dev/shm/kium-bench-hub.XXXXXX 2>/dev/null || mktemp -d "$T/hub.XXXXXX")
ctl() { "$B/bin/kiumctl" --data "$H" "$@"; }
ctl init --hostname localhost --ip 127.0.0.1 >/dev/null &&
	sed -i "s/^listen = .*/listen = 127.0.0.1:0/" "$H/kium-hub.conf" &&
	printf '\n[hub]\nport_file = %s/hub.port\n[log]\nlevel = warning\n' "$T" >>"$H/kium-hub.conf" &&
	ctl facility add NWUK015 --name "벤치 센터" >/dev/null &&
	ctl device add NWUK015-BENCH --facility NWUK015 --out "$T/dev" >/dev/null ||
	{ echo "bench: cannot provision the hub" >&2; exit 1; }
"$B/bin/kium-hub" --config "$H/kium-hub.conf" >"$T/hub.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 500); do [[ -s $T/hub.port ]] && break; sleep 0.02; done
[[ -s $T/hub.port ]] || { echo "bench: the hub did not start" >&2; exit 1; }
hubconf="[hub]
url = https://localhost:$(cat "$T/hub.port")
ca = $T/dev/ca.crt
cert = $T/dev/device.crt
key = $T/dev/device.key"
fi

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
${hubconf:-}
[log]
level = info
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
# The reader's own share, from its log ("tap seq N: arrival (X ms, commit Y ms)"): card seen
# -> feedback given, and the journal commit within it.
sed -n 's/.*tap seq [0-9]*: [a-z_]* (\([0-9.]*\) ms, commit \([0-9.]*\) ms).*/\1/p' \
	"$T/reader.log" >"$T/inside.lat"
sed -n 's/.*tap seq [0-9]*: [a-z_]* (\([0-9.]*\) ms, commit \([0-9.]*\) ms).*/\2/p' \
	"$T/reader.log" >"$T/commit.lat"
read -r i_med i_p99 _ < <(stats "$T/inside.lat")
read -r c_med c_p99 _ < <(stats "$T/commit.lat")
kill -TERM "$FLOOR"

# The storage floor: one durable 16 KB append on the journal's disk, for the p99 to be read
# against (a tap's commit cannot be cheaper than the fdatasync it needs).
disk=$("$B/test/bench/reader_fsync" "$T/fsync.test" "$N" 10)

# The uplink must have delivered the run's taps to the hub before the memory figures count.
journal_acked() {
	python3 - "$T/journal.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(db.execute("SELECT v FROM state WHERE k = 'acked_seq'").fetchone()[0])
PY
}
[[ -n ${hubconf:-} ]] && for _ in $(seq 300); do (($(journal_acked) >= r_n)) && break; sleep 0.1; done

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
# What is the reader's own (shared libraries such as the TLS stack count in RSS too).
dirty=$(awk '/^Private_Dirty:/ { print $2 }' "/proc/$READER/smaps_rollup")
rows=$("$B/bin/kium-reader" --config "$T/reader.conf" --dump-journal 2>/dev/null | wc -l)
acked=$(journal_acked)
# Where the resident memory is: each mapping of /proc/PID/smaps, by library, or for anonymous
# memory by what it is (thread stacks: an 8 MB-ish mapping right above its guard page; glibc
# arenas: 64 MB-aligned heaps; the main heap; the rest).
python3 - "$READER" "$T/smaps.split" >"$T/smaps.txt" <<'PY'
import collections, os, re, subprocess, sys
pid = sys.argv[1]
rows, cur, prev = [], None, None
for line in open("/proc/%s/smaps" % pid):
    m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
    if m:
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        cur = {"lo": lo, "hi": hi, "perm": m.group(3), "name": m.group(4).strip(),
               "after_guard": bool(prev and prev["perm"] == "---p" and prev["hi"] == lo
                                   and not prev["name"] and prev["hi"] - prev["lo"] == 4096)}
        rows.append(cur)
        prev = cur
        continue
    k, _, v = line.partition(":")
    if k in ("Rss", "Private_Dirty", "Private_Clean", "Shared_Clean"):
        cur[k] = int(v.split()[0])
groups = collections.defaultdict(lambda: [0, 0, 0])
for r in rows:
    n = r["name"]
    if n.startswith("/"):
        g = os.path.basename(n)
        g = re.sub(r"\.so[.0-9]*$", "", g)
    elif n:
        g = n
    elif r["after_guard"] and r["perm"] == "rw-p":
        g = "[thread stacks]"
    elif r["lo"] % (64 << 20) == 0 and r["perm"] == "rw-p":
        g = "[malloc arenas]"
    else:
        g = "[anon]"
    groups[g][0] += r.get("Rss", 0)
    groups[g][1] += r.get("Private_Dirty", 0)
    groups[g][2] += 1
# The TLS stack: mbedTLS, libhttp-parser and every library only they pull in (the reader's other
# libraries and their dependencies count as the reader's own).
def ldd(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    return {re.sub(r"\.so[.0-9]*$", "", l.split()[0]) : l.split()[2]
            for l in out.splitlines() if "=>" in l and len(l.split()) > 2}
closure = ldd("/proc/%s/exe" % pid)
needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]",
                    subprocess.run(["readelf", "-d", "/proc/%s/exe" % pid], capture_output=True,
                                   text=True).stdout)
direct = {n: p for n, p in closure.items() if any(re.sub(r"\.so[.0-9]*$", "", x) == n
                                                  for x in needed)}
tls_roots = {"libmbedtls", "libmbedx509", "libmbedcrypto", "libhttp_parser"}
other = set()
for name, path in direct.items():
    if name not in tls_roots:
        other |= {name} | set(ldd(path))
tls = set()
for name in tls_roots & set(direct):
    tls |= {name} | set(ldd(direct[name]))
tls -= other | {"libc", "ld-linux-x86-64", "linux-vdso"}
tls_rss = sum(v[0] for g, v in groups.items() if g in tls)
tot = sum(v[0] for v in groups.values())
threads = len(os.listdir("/proc/%s/task" % pid))
print("smaps: %-28s %8s %8s" % ("mapping", "rss_kB", "dirty_kB"))
for g, v in sorted(groups.items(), key=lambda kv: -kv[1][0]):
    if v[0]:
        print("smaps: %-28s %8d %8d" % (g, v[0], v[1]))
print("smaps: %-28s %8d %8d   (%d threads)" % ("total", tot, sum(v[1] for v in groups.values()),
                                                threads))
print("smaps: %-28s %8d %8s   (%d libraries)" % ("of which the TLS stack", tls_rss, "",
                                                 len(tls & set(groups))))
open(sys.argv[2], "w").write("%d %d\n" % (tls_rss, tot - tls_rss))
PY

echo "bench: reader_tap_to_feedback_median_ms $r_med ms"
echo "bench: reader_tap_to_feedback_p99_ms $r_p99 ms"
echo "bench: reader_seen_to_feedback_median_ms $i_med ms"
echo "bench: reader_seen_to_feedback_p99_ms $i_p99 ms"
echo "bench: reader_commit_median_ms $c_med ms"
echo "bench: reader_commit_p99_ms $c_p99 ms"
echo "bench: libnfc_floor_median_ms $f_med ms"
echo "bench: libnfc_floor_p99_ms $f_p99 ms"
echo "bench: disk_fdatasync_median_ms $(awk '{ print $2 }' <<<"$disk") ms"
echo "bench: disk_fdatasync_p99_ms $(awk '{ print $4 }' <<<"$disk") ms"
echo "bench: reader_taps_measured $r_n taps"
echo "bench: libnfc_floor_taps_measured $f_n taps"
echo "bench: reader_journal_rows $rows taps"
echo "bench: reader_uplink_acked $acked taps"
echo "bench: reader_peak_rss_kb $rss kB"
echo "bench: reader_private_dirty_kb $dirty kB"
read -r tls_kb own_kb <"$T/smaps.split"
echo "bench: reader_rss_tls_stack_kb $tls_kb kB"
echo "bench: reader_rss_without_tls_stack_kb $own_kb kB"
echo "bench: reader_idle_cpu_percent $idle %"
kill -TERM "$READER"
wait "$READER" 2>/dev/null
cat "$T/smaps.txt" >&2
grep -o 'memory: .*' "$T/reader.log" | sed 's/^/reader: /' >&2
