#!/usr/bin/env bash
# The missing-departure message (issue 7), end to end: the hub's clock is pinned to 19:45
# Seoul (closing time 19:00 + 30 minutes' grace has passed); C1 tapped in at 15:00 and never
# out, C2 tapped in and out. The sweep runs every second: exactly one message per guardian of
# C1 reaches the provider, with the missing-departure template, however many sweeps run and
# across a hub restart; a guardian who turned it off gets none; C2's guardian gets none.
# Then the window: a hub started 15 minutes after closing + grace with
# missing_departure_window_min = 10 announces nothing; with the default (6 hours) it does.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"
. "$(dirname "$0")/notify_lib.bash"

hub_pki "$T/pki" || die "certificates"
S="$HELPERS/hub_seed"
"$S" "$T/hub.db" facility NWUK015 "노원 별빛 키움센터" >/dev/null || die "seed"
"$S" "$T/hub.db" child C1 "김민수" NWUK015 >/dev/null || die "seed child"
"$S" "$T/hub.db" child C2 "이서연" NWUK015 >/dev/null || die "seed child"
"$S" "$T/hub.db" card 04a1b2c3 C1 >/dev/null || die "card"
"$S" "$T/hub.db" card 04b1b2b3 C2 >/dev/null || die "card"
"$S" "$T/hub.db" child C3 "박지호" NWUK015 >/dev/null || die "seed child"
"$S" "$T/hub.db" card 0a0b0c0d C3 >/dev/null || die "card"
# The cards were assigned at the real time; the taps are earlier today: assign them at 0.
sql "UPDATE cards SET assigned_ms = 0" >/dev/null
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$S" "$T/hub.db" token admin) || die "token"
# Today 00:00 Seoul, in UTC ms; the hub lives at 19:45.
DAY0=$(python3 -c "import time; n = int(time.time()) + 9 * 3600; print((n - n % 86400 - 9 * 3600) * 1000)")
NOW=$((DAY0 + (19 * 60 + 45) * 60000))
notify_conf "$T/hub.conf" "sweep_interval_s = 1" "closing_time = 19:00" "grace_min = 30"
recv_start
KIUM_PINNED_CLOCK=$NOW hub_start "$T/hub.conf"

parent_link mom01 010-3333-4444 C1 || die "mom linked"
parent_link dad01 010-5555-6666 C1 || die "dad linked"
parent_link aunt01 010-7777-8888 C2 || die "aunt linked"
parent_link uncle01 010-2222-9999 C3 || die "uncle linked"
as dad01 PUT /api/v1/my/notification-preferences '{"missing_departure":false}' >/dev/null
expect_eq "dad turns missing-departure messages off" "$(st)" "200"

T15=$((DAY0 + 15 * 3600000))
expect_eq "taps of the afternoon arrive" \
	"$(upload R1 "1:04a1b2c3:arrival:$T15" "2:04b1b2b3:arrival:$((T15 + 1000))" "3:04b1b2b3:departure:$((T15 + 7200000))")" "3"
wait_for 15 grep -q missing_departure "$T/received.tsv"
sleep 2 # two more sweeps
KIUM_PINNED_CLOCK=$((NOW + 60000))
kill -TERM "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
KIUM_PINNED_CLOCK=$((NOW + 60000)) hub_start "$T/hub.conf"
sleep 2 # more sweeps after the restart
got=$(grep missing_departure "$T/received.tsv" | cut -f3)
expect_eq "one message, to mom only" "$(printf '%s\n' "$got" | python3 -c 'import sys,json; print([json.loads(l)["to"] for l in sys.stdin if l.strip()])')" "['01033334444']"
check "the text names the child masked and the closing time" json_get "$(printf '%s\n' "$got" | head -1)" 'exit(0 if "김*수 아동의" in j["text"] and "19:00" in j["text"] and "하원" in j["text"] else 1)'
expect_eq "one row per child, day and guardian in the outbox" "$(sql "SELECT count(*) FROM notification_outbox WHERE template='missing_departure'")" "1"
expect_eq "delivered" "$(sql "SELECT state FROM notification_outbox WHERE template='missing_departure'")" "delivered"
expect_eq "C2 left: aunt01 got no missing-departure message" "$(sql "SELECT count(*) FROM notification_outbox WHERE recipient='aunt01' AND template='missing_departure'")" "0"
expect_eq "taps 4+ hours old are stored but not announced" "$(sql "SELECT count(*) FROM notification_outbox WHERE template IN ('arrival','departure')")" "0"

# ---- the window ----
metric() { hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
kill -TERM "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
notify_conf "$T/hub10.conf" "sweep_interval_s = 1" "closing_time = 19:00" "grace_min = 30" \
	"missing_departure_window_min = 10"
KIUM_PINNED_CLOCK=$((NOW + 60000)) hub_start "$T/hub10.conf"
expect_eq "C3 taps in (no departure)" "$(upload R1 "4:0a0b0c0d:arrival:$((T15 + 600000))")" "4"
sleep 3 # sweeps at 19:46, past 19:30 + 10 minutes
expect_eq "a 10-minute window that has passed: nothing for C3's guardian" "$(sql "SELECT count(*) FROM notification_outbox WHERE recipient='uncle01'")" "0"
expect_eq "/metrics: no missing-departure message queued by this hub" "$(metric kium_notify_missing_departure_total)" "0"
kill -TERM "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
KIUM_PINNED_CLOCK=$((NOW + 60000)) hub_start "$T/hub.conf"
check "the default window (6 hours): C3's guardian is told" wait_for 15 grep -q 01022229999 "$T/received.tsv"
expect_eq "/metrics: one missing-departure message queued" "$(metric kium_notify_missing_departure_total)" "1"
