#!/usr/bin/env bash
# timeout: 300
# Power cut of the reader during uploads: kium-reader is killed with SIGKILL at random moments
# while taps arrive and batches are in flight, and started again, many times. Afterwards
# (one last run to drain) the hub holds every tap the journal ever numbered exactly once, and
# never more than the journal numbered.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

uplink_hub_init || die "kiumctl could not provision the hub"
uplink_hub_start || die "kium-hub did not start"
{
	for i in $(seq 40); do printf 'place %s\nsleep 2\n' "$(printf '04a1b2%02x' $((i % 5)))"; done
	echo loop
} >"$T/script"
uplink_reader_config "$T/r.conf" "https://localhost:$HUB_PORT" hub.batch=7
rounds=$(scale 24)
bad=0
for r in $(seq "$rounds"); do
	"$BIN/kium-reader" --config "$T/r.conf" >>"$T/reader.log" 2>&1 &
	pid=$!
	E2E_PIDS+=("$pid")
	sleep "0.$(printf '%03d' $((50 + RANDOM % 250)))"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	read -r last acked <<<"$(journal_state)"
	read -r cnt distinct lo hi <<<"$(hub_taps)"
	# At every moment: the hub holds a prefix, each once, at least up to what the reader saw
	# acknowledged, and nothing the journal has not numbered.
	if ((cnt != distinct || (cnt > 0 && (lo != 1 || hi != cnt)) || hi < acked || hi > last)); then
		bad=$((bad + 1))
		echo "round $r: journal $last/$acked, hub $cnt $distinct $lo..$hi"
	fi
done
expect_eq "after each of $rounds kills: hub holds 1..n once, acked <= n <= numbered" "$bad" 0
read -r last acked <<<"$(journal_state)"
check "taps were recorded across the kills" test "$last" -gt "$rounds"
: >"$T/script.drain"
uplink_reader_config "$T/d.conf" "https://localhost:$HUB_PORT" reader.device="fake:$T/script.drain"
spawn drain "$BIN/kium-reader" --config "$T/d.conf"
if wait_for 60 hub_has_all "$last"; then
	pass "the hub ends with every one of the $last taps exactly once"
else
	fail "the hub ends with every one of the $last taps exactly once" "hub: $(hub_taps), journal: $last"
fi
wait_for 10 journal_is "$last" "$last" && pass "the journal is acknowledged to the end" ||
	fail "the journal is acknowledged to the end" "$(journal_state)"
db_ok=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$T/journal.db")
expect_eq "the journal passes integrity_check" "$db_ok" ok
