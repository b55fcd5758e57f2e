#!/usr/bin/env bash
# Notifications over real HTTPS (issue 7) with a real local provider (notify_receiver):
# a tap reaches the guardian as the arrival template with the masked name and a stable key,
# after the provider failed three times (500, 429, 500); a guardian who turned arrivals off
# gets nothing; a password reset's token is scrubbed from the row once delivered; a parent
# sees only their own children; a dead provider and a hanging one do not slow tap ingest
# (latency ratio against a live provider) and the messages go out when it is back; SIGKILL
# of the hub mid-delivery loses nothing and never gives an event a second key; the admin
# listing shows states without parameters.
# timeout: 120
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"
. "$(dirname "$0")/notify_lib.bash"

hub_pki "$T/pki" || die "certificates"
S="$HELPERS/hub_seed"
"$S" "$T/hub.db" facility NWUK015 "노원 별빛 키움센터" >/dev/null || die "seed"
"$S" "$T/hub.db" facility NWUK016 "노원 달빛 키움센터" >/dev/null || die "seed"
"$S" "$T/hub.db" child C1 "김민수" NWUK015 >/dev/null || die "seed child"
"$S" "$T/hub.db" child C2 "이서연" NWUK016 >/dev/null || die "seed child"
"$S" "$T/hub.db" card 04a1b2c3 C1 >/dev/null || die "card"
"$S" "$T/hub.db" card 04b1b2b3 C2 >/dev/null || die "card"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$S" "$T/hub.db" token admin) || die "token"
# The hub runs on the real clock: between 19:30 and 01:30 Seoul its missing-departure sweep
# would add messages for C2 (arrivals only) to the counts below; notify_missing.sh tests the
# sweep on a pinned clock.
notify_conf "$T/hub.conf" "missing_departure = false"
recv_start --script 500,429,500
hub_start "$T/hub.conf"

parent_link mom01 010-3333-4444 C1 || die "mom linked"
parent_link dad01 010-5555-6666 C1 || die "dad linked"
parent_link aunt01 010-7777-8888 C2 || die "aunt linked"
out=$(as dad01 PUT /api/v1/my/notification-preferences '{"arrival":false}')
expect_eq "dad turns arrival messages off" "$(st) $(json_get "$out" '(j["arrival"], j["departure"])')" "200 (False, True)"
as dad01 PUT /api/v1/my/notification-preferences '{"arrival":"no"}' >/dev/null
expect_eq "a bad preferences body is refused" "$(st) $(json_get "$(cat "$T/out")" 'j["error"]["code"]')" "400 bad_preferences"

# ---- a tap, a provider failing three times, then the message ----
expect_eq "C1 taps in" "$(upload R1 1:04a1b2c3:arrival)" "1"
wait_for 20 bash -c "grep -c \$'\t200\t' '$T/received.tsv' | grep -qx 1"
lines=$(recv_lines)
expect_eq "four tries reach the provider (500, 429, 500, 200)" "$(printf '%s\n' "$lines" | cut -f2 | tr '\n' ' ')" "500 429 500 200 "
expect_eq "one idempotency key for the four tries" "$(printf '%s\n' "$lines" | cut -f1 | sort -u | wc -l)" "1"
body=$(printf '%s\n' "$lines" | tail -1 | cut -f3)
expect_eq "the arrival template to mom's phone" "$(json_get "$body" '(j["template"], j["to"])')" "('arrival', '01033334444')"
check "the text has the masked name and the time" json_get "$body" 'exit(0 if "김*수 아동이" in j["text"] and "에 등원했습니다" in j["text"] and j["params"]["name"] == "김*수" else 1)'
check "never the UID or the full name" bash -c "! grep -q -e 04a1b2c3 -e 김민수 '$T/received.tsv'"
expect_eq "dad (arrivals off) got nothing" "$(sql "SELECT count(*) FROM notification_outbox WHERE recipient='dad01'")" "0"
key=$(printf '%s\n' "$lines" | tail -1 | cut -f1)
expect_eq "the row is delivered under the key it was sent with" "$(sql "SELECT state, attempts FROM notification_outbox WHERE idem_key='$key'")" "delivered|4"
metric() { hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
expect_eq "/metrics: one delivered, three retries" "$(metric 'kium_notify_messages_total{outcome="delivered"}') $(metric kium_notify_retries_total)" "1 3"

# ---- a departure: both guardians ----
upload R1 2:04a1b2c3:departure >/dev/null
wait_for 10 bash -c "[[ \$(grep -c departure '$T/received.tsv') == 2 ]]"
expect_eq "the departure reaches mom and dad" "$(grep departure "$T/received.tsv" | cut -f3 | python3 -c 'import sys,json; print(sorted(json.loads(l)["to"] for l in sys.stdin))')" "['01033334444', '01055556666']"

# ---- password reset: the token goes out, then leaves the row ----
hcurl -H "$J" --data '{"id":"mom01","phone":"010-3333-4444"}' -o /dev/null "$URL/api/v1/password-reset"
wait_for 10 grep -q password_reset "$T/received.tsv"
tok=$(grep password_reset "$T/received.tsv" | cut -f3 | python3 -c 'import sys,json; print(json.loads(sys.stdin.read())["params"]["token"])')
check "the provider received a reset token" test "${#tok}" -gt 20
wait_for 5 rows_are 1 "template='password_reset' AND scrubbed = 1"
expect_eq "the delivered row keeps no token" "$(sql "SELECT instr(params, '$tok') = 0 AND params LIKE '%***%' FROM notification_outbox WHERE template='password_reset'")" "1"

# ---- parents' views ----
out=$(as mom01 GET /api/v1/my/children)
expect_eq "mom lists only her child, masked, with today's times" "$(json_get "$out" '[(c["id"], c["display"], c["today"]["arrived"] is not None, c["today"]["left"] is not None) for c in j["children"]]')" "[('C1', '김*수', True, True)]"
as mom01 GET /api/v1/children/C2/attendance >/dev/null
expect_eq "another parent's child is refused" "$(st) $(json_get "$(cat "$T/out")" 'j["error"]["code"]')" "403 out_of_scope"
MONTH=$(python3 -c "import time; print(time.strftime('%Y-%m', time.gmtime(time.time() + 9 * 3600)))")
out=$(as mom01 GET "/api/v1/children/C1/attendance?month=$MONTH")
expect_eq "her child's month: today with arrival and departure" "$(st) $(json_get "$out" '[(d["arrived"] is not None, d["left"] is not None) for d in j["days"]]')" "200 [(True, True)]"
as mom01 GET "/api/v1/children/C1/attendance?month=2026-13" >/dev/null
expect_eq "a bad month is refused" "$(st)" "400"
expect_eq "the reads are audited" "$(sql "SELECT count(*) > 0 FROM audit_log WHERE actor='mom01' AND action IN ('child.read my/children','child.attendance')")" "1"
out=$(op GET /api/v1/notifications)
expect_eq "officers see states without parameters" "$(st) $(json_get "$out" '(j["counts"]["delivered"] >= 4, all("params" not in n for n in j["notifications"]))')" "200 (True, True)"

# ---- a dead provider does not slow taps; messages go out when it is back ----
N=$(scale 8)
echo 2 >"$T/seq"
lat() { # one upload's total time in us (one tap of C2, which aunt01 hears of)
	local seq=$(($(cat "$T/seq") + 1)) now
	echo "$seq" >"$T/seq"
	now=$(date +%s%3N)
	dcurl R1 -H "$J" --data-binary "{\"device\":\"R1\",\"boot_id\":\"6f1c2a3e-0000-4000-8000-000000000001\",\"mono_ms\":200000,\"wall_ms\":$now,\"clock\":\"synced\",\"taps\":[{\"seq\":$seq,\"uid\":\"04b1b2b3\",\"wall_ms\":$((now - 500)),\"boot_id\":\"6f1c2a3e-0000-4000-8000-000000000001\",\"mono_ms\":$((100000 + seq)),\"clock\":\"synced\",\"dir\":\"in\",\"result\":\"arrival\"}]}" \
		-o /dev/null -w '%{time_total}\n' "$URL/api/v1/device/taps" | awk '{printf "%d\n", $1 * 1000000}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wait_for 10 rows_are 0 "state='pending'"
live=$(for _ in $(seq "$N"); do lat; done | median)
recv_stop
dead=$(for _ in $(seq "$N"); do lat; done | median)
recv_start --hang-ms 3000
hang=$(for _ in $(seq "$N"); do lat; done | median)
recv_stop
echo "# ingest median (us): live $live, dead provider $dead, hanging provider $hang" >&2
check "a dead provider does not slow ingest (median ratio < 2)" python3 -c "import sys; sys.exit(0 if $dead < 2 * $live + 2000 else 1)"
check "a hanging provider does not slow ingest (median ratio < 2)" python3 -c "import sys; sys.exit(0 if $hang < 2 * $live + 2000 else 1)"
recv_start
wait_for 20 rows_are 0 "state<>'delivered'"
expect_eq "every message is delivered once the provider is back" "$(sql "SELECT count(*) FROM notification_outbox WHERE template='arrival' AND recipient='aunt01' AND state='delivered'")" "$((3 * N))"

# ---- SIGKILL mid-delivery ----
recv_stop
recv_start --hang-ms 4000
seq=$(($(cat "$T/seq") + 1))
upload R1 "$seq:04b1b2b3:arrival" >/dev/null
hung=$(wc -l <"$T/received.tsv")
wait_for 10 bash -c "[[ \$(wc -l <'$T/received.tsv') -gt $hung ]]"
kill -KILL "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
recv_stop
expect_eq "the row in flight is still pending after the kill" "$(sql "SELECT count(*) FROM notification_outbox WHERE state='pending'")" "1"
recv_start
hub_start "$T/hub.conf"
wait_for 20 rows_are 0 "state<>'delivered'"
rows=$(sql "SELECT count(*) FROM notification_outbox")
expect_eq "nothing lost: every row delivered" "$(sql "SELECT count(*) FROM notification_outbox WHERE state='delivered'")" "$rows"
expect_eq "no event with two keys: distinct keys received = rows" "$(cut -f1 "$T/received.tsv" | sort -u | wc -l)" "$rows"
expect_eq "every key received is a row's key" "$(cut -f1 "$T/received.tsv" | sort -u | python3 -c "
import sqlite3, sys
keys = {r[0] for r in sqlite3.connect('$T/hub.db').execute('SELECT idem_key FROM notification_outbox')}
print(all(l.strip() in keys for l in sys.stdin))")" "True"
expect_eq "each tap of C2 gave aunt01 exactly one row" "$(sql "SELECT count(*) FROM notification_outbox WHERE recipient='aunt01'")" "$((seq - 2))"

# ---- a provider refusing the message (400): failed at once, visible to officers ----
recv_stop
recv_start --script 400
seq=$((seq + 1))
upload R1 "$seq:04b1b2b3:departure" >/dev/null
wait_for 10 rows_are 1 "state='failed'"
out=$(op GET "/api/v1/notifications?state=failed")
expect_eq "a 400 fails the message after one try, listed with its error" "$(st) $(json_get "$out" '[(n["template"], n["attempts"], n["last_status"], n["last_error"]) for n in j["notifications"]]')" "200 [('departure', 1, 400, 'scripted_400')]"
expect_eq "/metrics counts the outbox" "$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" | grep '^kium_notify_outbox{state="failed"}')" 'kium_notify_outbox{state="failed"} 1'
expect_eq "/metrics: the worker counts it rejected, none exhausted or expired" "$(metric 'kium_notify_messages_total{outcome="rejected"}') $(metric 'kium_notify_messages_total{outcome="exhausted"}') $(metric 'kium_notify_messages_total{outcome="expired"}')" "1 0 0"

# ---- a message out of tries, one out of time: counted by reason (a fresh hub) ----
kill -TERM "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
recv_stop
recv_start --script 500,500
notify_conf "$T/hub2.conf" "missing_departure = false" "max_attempts = 2"
hub_start "$T/hub2.conf"
seq=$((seq + 1))
upload R1 "$seq:04b1b2b3:arrival" >/dev/null
check "two 500s fail the message after max_attempts = 2" wait_for 10 rows_are 1 "state='failed' AND attempts=2"
expect_eq "/metrics: exhausted 1, one retry, nothing delivered" "$(metric 'kium_notify_messages_total{outcome="exhausted"}') $(metric kium_notify_retries_total) $(metric 'kium_notify_messages_total{outcome="delivered"}')" "1 1 0"
kill -TERM "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
recv_stop # the provider is gone: every try is refused and retried
notify_conf "$T/hub3.conf" "missing_departure = false" "max_age_s = 1"
hub_start "$T/hub3.conf"
seq=$((seq + 1))
upload R1 "$seq:04b1b2b3:departure" >/dev/null
check "unsent after max_age_s = 1: failed expired" wait_for 10 rows_are 1 "state='failed' AND last_error='expired'"
expect_eq "/metrics: expired 1, retried before, none exhausted" "$(metric 'kium_notify_messages_total{outcome="expired"}') $(python3 -c "print(int($(metric kium_notify_retries_total)) >= 1)") $(metric 'kium_notify_messages_total{outcome="exhausted"}')" "1 True 0"
