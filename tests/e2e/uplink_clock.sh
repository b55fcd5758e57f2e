#!/usr/bin/env bash
# timeout: 120
# A reader that boots without a real-time clock: its wall clock is 40 days behind and says
# "unsynced"; later NTP catches up. Taps recorded before the sync reach the hub flagged
# "corrected" with times within one second of the truth (from the batch's boot id and
# monotonic clock); taps after the sync keep the reader's time, flagged "reader".
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

uplink_hub_init || die "kiumctl could not provision the hub"
uplink_hub_start || die "kium-hub did not start"
# Three taps, a long pause (during which NTP syncs the clock), two more taps: one process.
printf 'place 04a1b2c3\nsleep 300\nplace 04a1b2c4\nsleep 300\nplace 04a1b2c5\nsleep 3000\n%s\n' \
	'place 04a1b2d1' >"$T/script"
printf 'sleep 200\nplace 04a1b2d2\n' >>"$T/script"
# The uplink waits a little after failures, so batches are sent some time after their taps
# (the correction must use the tap's monotonic time, not the time of sending).
uplink_reader_config "$T/r.conf" "https://localhost:$HUB_PORT" hub.backoff_min_ms=700
offset=$((-40 * 86400 * 1000))
KIUM_CLOCK_UNSYNCED="$offset:$T/synced" spawn reader "$BIN/kium-reader" --config "$T/r.conf"
wait_for 20 rec_more 2 || die "the reader did not record 3 taps"
wait_for 20 hub_has_all 3 || fail "the hub holds the 3 unsynced taps" "$(hub_taps)"
touch "$T/synced" # NTP: the wall clock is right from now on
wait_for 20 hub_has_all 5 || fail "the hub holds all 5 taps" "$(hub_taps)"

# Truth: the journal's monotonic time of each tap on this boot, placed on the real clock now.
python3 - "$T/journal.db" "$T/hub/hub.db" <<'PY'
import sqlite3, sys, time
now_wall = time.time() * 1000
now_mono = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000
j = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
h = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True)
flags = {0: "reader", 1: "corrected", 2: "uncorrectable"}
for seq, mono, wall, clock in j.execute("SELECT seq, mono_ms, wall_ms, clock FROM taps ORDER BY seq"):
    truth = now_wall - (now_mono - mono)
    t, flag, raw = h.execute("SELECT time_ms, time_flag, wall_ms FROM taps WHERE seq = ? AND "
                             "device_id = 'NWUK015-R01'", (seq,)).fetchone()
    err = abs(t - truth)
    want = "corrected" if clock == "unsynced" else "reader"
    name = "tap %d (%s): hub time within 1 s of the truth, flagged %s" % (seq, clock, want)
    if err <= 1000 and flags.get(flag) == want and raw == wall:
        print("PASS: uplink_clock:%s (off by %d ms)" % (name, err))
    else:
        print("FAIL: uplink_clock:%s: off by %d ms, flag %s, raw kept %s" %
              (name, err, flags.get(flag), raw == wall))
PY
