#!/usr/bin/env bash
# timeout: 300
# Faults during upload: a proxy between reader and hub resets connections, stalls answers,
# truncates them and refuses connections, and the hub is killed mid-flow and comes back,
# while taps keep arriving at the door. Afterwards the hub holds every tap exactly once and
# the journal is acknowledged to the end: nothing lost, nothing duplicated at the hub.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

uplink_hub_init || die "kiumctl could not provision the hub"
uplink_hub_start || die "kium-hub did not start"
token=$(ctl token create --role admin 2>/dev/null | tail -1)
echo pass >"$T/mode"
spawn proxy "$HELPERS/faultproxy" "$T/proxy.port" "$HUB_PORT" "$T/mode"
wait_for 5 test -s "$T/proxy.port" || die "faultproxy did not start"
n=$(scale 600)
# The taps keep coming for about 8 s whatever n is, so every fault window below meets uploads.
pause=$((8000 / n))
for i in $(seq "$n"); do
	printf 'place %s\nsleep %d\n' "$(printf '04a1b2%02x' $((i % 7)))" "$pause"
done >"$T/script"
uplink_reader_config "$T/r.conf" "https://localhost:$(cat "$T/proxy.port")" hub.batch=10
spawn reader "$BIN/kium-reader" --config "$T/r.conf"

# Each fault for a while, with clean stretches between so that some batches get through.
# Limits of a few hundred bytes to a few KB past the start of a connection spoil handshakes
# or answers of a batch the hub may already have stored.
for mode in "reset 300" "stall 100" "drop 700" "refuse 0" "reset 1200" "drop 60" \
	"stall 900" "reset 2600"; do
	echo "$mode" >"$T/mode"
	sleep 0.7
	echo pass >"$T/mode"
	sleep 0.3
done
metrics() {
	curl -sS --cacert "$T/hub/ca.crt" -H "Authorization: Bearer $token" \
		"https://localhost:$HUB_PORT/metrics" |
		sed -n 's/^kium_taps_ingested_total{result="duplicate"} //p'
}
dups=$(metrics)
# Until an answer to a stored batch has been lost at least once (a few more truncations of
# the next answer, while taps still arrive), so the replay check below always has material.
for _ in 1 2 3 4 5 6; do
	((${dups:-0} > 0)) && break
	echo "drop 40" >"$T/mode"
	sleep 0.4
	echo pass >"$T/mode"
	sleep 0.4
	dups=$(metrics)
done
# The hub dies (power cut of the server) while the reader is uploading, and comes back.
uplink_hub_kill
sleep 0.5
uplink_hub_restart_same_port || die "kium-hub did not come back"
wait_for 60 rec_more $((n - 1)) || fail "every tap fed back" "$(rec_count) of $n"
if wait_for 60 hub_has_all "$n"; then
	pass "the hub holds taps 1..$n, each once"
else
	fail "the hub holds taps 1..$n, each once" "hub has: $(hub_taps)"
fi
wait_for 10 journal_is "$n" "$n" && pass "the journal is acknowledged up to $n" ||
	fail "the journal is acknowledged up to $n" "$(journal_state)"
for m in reset stall drop refuse; do
	check "the proxy's '$m' fault really fired" grep -q "^$m fired" "$T/mode.log"
done
check "the reader saw the hub unreachable and came back" \
	grep -q 'hub unreachable.*' "$T/reader.log"
check "the reader logged the recovery" grep -q 'hub reachable again' "$T/reader.log"
# Replays of batches whose answers were lost: the hub stored them once and answered
# "duplicate" to the replay (counted before the kill and after the restart).
dups=$((${dups:-0} + $(metrics)))
echo "replayed records answered duplicate: $dups"
check "answers were lost after the hub stored a batch, and the replay changed nothing" \
	test "$dups" -gt 0
