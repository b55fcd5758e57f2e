#!/usr/bin/env bash
# timeout: 400
# Store-and-forward: the hub is down while taps pile up in the reader's journal (real taps
# through the tap loop, then a bulk backlog written into the journal file to reach 100,000
# without 100,000 fsyncs of wall time), then the hub comes up and the reader drains
# everything: all delivered, in order (the hub holds only contiguous sequences), none twice.
# Prints the drain rate; `make bench` runs this script for its figure.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

uplink_hub_init || die "kiumctl could not provision the hub"
port=$(free_port)
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" "$T/hub/kium-hub.conf"
live=$(scale 300)
total=${UPLINK_BACKLOG:-$(scale 100000)}

# 1. Real taps while nothing listens on the hub's port.
for i in $(seq "$live"); do
	printf 'place %s\nidle\n' "$(printf '04a1b2%02x' $((i % 4)))"
done >"$T/script"
uplink_reader_config "$T/r.conf" "https://localhost:$port" ${UPLINK_BATCH:+hub.batch=$UPLINK_BATCH}
spawn reader "$BIN/kium-reader" --config "$T/r.conf"
rpid=$SPAWNED_PID
wait_for 60 rec_more $((live - 1)) || die "the reader did not record $live taps"
check "every tap fed back with the hub down" test "$(rec_count)" -eq "$live"
read -r last acked <<<"$(journal_state)"
expect_eq "all $live taps wait in the journal" "$last $acked" "$live 0"
check "the uplink keeps trying (backoff, no crash)" grep -q 'uplink' "$T/reader.log"
kill -TERM "$rpid"
wait "$rpid" 2>/dev/null

# 2. The backlog up to $total, as the tap loop would have written it (same boot, in order).
python3 - "$T/journal.db" "$live" "$total" <<'PY' || die "cannot write the backlog"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
start, total = int(sys.argv[2]), int(sys.argv[3])
boot = db.execute("SELECT boot_id FROM taps ORDER BY seq DESC LIMIT 1").fetchone()[0]
now = int(time.time() * 1000)
rows = ((s, "04a1b2%02x" % (s % 4), now - (total - s), boot, 1000 + s, "synced",
         "in" if s % 2 else "out", "arrival" if s % 2 else "departure")
        for s in range(start + 1, total + 1))
with db:
    db.executemany("INSERT INTO taps(seq, uid, wall_ms, boot_id, mono_ms, clock, dir, result)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
PY
: >"$T/script"
spawn reader2 "$BIN/kium-reader" --config "$T/r.conf"
sleep 0.5
read -r last acked <<<"$(journal_state)"
expect_eq "the reader restarts on a $total-tap backlog" "$last $acked" "$total 0"

# 3. The hub comes up: the reader drains everything.
t0=$(date +%s%N)
uplink_hub_start || die "kium-hub did not start"
if wait_for 300 hub_has_all "$total"; then
	t1=$(date +%s%N)
	pass "the hub holds taps 1..$total, each once"
else
	fail "the hub holds taps 1..$total, each once" "hub has: $(hub_taps)"
	t1=$(date +%s%N)
fi
wait_for 10 journal_is "$total" "$total" &&
	pass "the journal is acknowledged up to $total" ||
	fail "the journal is acknowledged up to $total" "$(journal_state)"
check "nothing was sent out of order (no seq_gap at the hub)" \
	bash -c "! grep -q seq_gap '$T/reader.log'"
ms=$(((t1 - t0) / 1000000))
rate=$((total * 1000 / (ms > 0 ? ms : 1)))
echo "drain: $total taps in $ms ms after the hub came up: $rate taps/s"
echo "bench: uplink_backlog_drain_taps_per_s $rate taps/s"
