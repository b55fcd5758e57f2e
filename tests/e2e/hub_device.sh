#!/usr/bin/env bash
# kium-hub's device API end to end over mutual TLS with curl: tap upload (stored, replay ->
# duplicate, gap -> rejected, bad UID beside good records), device identity (mismatch,
# unknown, revoked, certificate mismatch), roster deltas, heartbeats and the device list with
# last-seen and silence, the admin attendance view, and hostile input (SQL metacharacters,
# broken and huge JSON) that must be refused without storing anything wrongly.
# timeout: 120
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

seed() { "$HELPERS/hub_seed" "$T/hub.db" "$@" >/dev/null || die "seed $*"; }
hub_pki "$T/pki" || die "cannot make certificates"
seed facility NWUK015 "노원 키움센터 15호"
seed facility NWUK016 "노원 키움센터 16호"
seed child C1 "김민수" NWUK015
seed child C2 "이서연" NWUK015
seed card 04a1b2c3 C1
for d in R1 R2; do hub_seed_device "$T/hub.db" $d NWUK015 >/dev/null || die "seed $d"; done
hub_seed_device "$T/hub.db" R3 NWUK016 >/dev/null || die "seed R3"
seed device R4 NWUK015 0badbad0 "$(hub_fpr "$T/pki" R1)"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_SILENT_S=1 hub_config "$T/hub.conf"
hub_start "$T/hub.conf"
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H 'Content-Type: application/json')
today=$(python3 -c 'import time; print(time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600)))')
taps_today() {
	json_get "$(hcurl "${AUTH[@]}" "$URL/api/v1/facilities/${1:-NWUK015}/attendance?date=$today")" 'len(j["taps"])'
}
post() { # DEVICE JSON -> body, status in $T/st
	dcurl "$1" "${JSON[@]}" --data-binary "$2" -w '\n%{http_code}' "$URL/api/v1/device/taps" >"$T/resp"
	ST=$(tail -1 "$T/resp")
	BODY=$(sed '$d' "$T/resp")
}
results() { json_get "$BODY" '" ".join("%d:%s%s" % (r["seq"], r["status"], (":" + r["reason"]) if "reason" in r else "") for r in j["results"])'; }

post R1 "$(tap_batch R1 1:04a1b2c3 2:04a1b2c3 3:04112233)"
expect_eq "batch stored: status" "$ST" "200"
expect_eq "batch stored: results" "$(results)" "1:stored 2:stored 3:stored"
expect_eq "batch stored: acked_seq" "$(json_get "$BODY" 'j["acked_seq"]')" "3"
check "answer carries hub_ms" test "$(json_get "$BODY" 'j["hub_ms"] > 1700000000000')" = True
post R1 "$(tap_batch R1 1:04a1b2c3 2:04a1b2c3 3:04112233)"
expect_eq "replay is all duplicate" "$(results) $(json_get "$BODY" 'j["acked_seq"]')" "1:duplicate 2:duplicate 3:duplicate 3"
expect_eq "replay stores nothing more" "$(taps_today)" "3"
post R1 "$(tap_batch R1 6:04a1b2c3)"
expect_eq "gap is rejected, ack unchanged" "$(results) $(json_get "$BODY" 'j["acked_seq"]')" "6:rejected:seq_gap 3"
post R1 "$(tap_batch R1 4:04a1b2c3 5:zz 6:04a1b2c3)"
expect_eq "bad uid rejected beside good records" "$(results)" "4:stored 5:rejected:bad_uid 6:stored"
expect_eq "ack passes a held rejected record" "$(json_get "$BODY" 'j["acked_seq"]')" "6"
expect_eq "attendance shows the good taps" "$(taps_today)" "5"
att=$(hcurl "${AUTH[@]}" "$URL/api/v1/facilities/NWUK015/attendance?date=$today")
expect_eq "attendance names the child" "$(json_get "$att" '[t["name"] for t in j["taps"] if t["seq"] == 1][0]')" "김민수"

# Identity.
post R1 "$(tap_batch R2 7:04a1b2c3)"
expect_eq "batch naming another device is 403 device_mismatch" "$ST $(json_get "$BODY" 'j["error"]["code"]')" "403 device_mismatch"
post R9 "$(tap_batch R9 1:04a1b2c3)"
expect_eq "unknown device is refused" "$ST $(json_get "$BODY" 'j["error"]["code"]')" "403 device_unknown"
post R4 "$(tap_batch R4 1:04a1b2c3)"
expect_eq "certificate not issued to the device is refused" "$ST $(json_get "$BODY" 'j["error"]["code"]')" "403 certificate_mismatch"
post X1 "$(tap_batch R1 7:04a1b2c3)"
check "foreign CA cannot write" test "$ST" = 403 -o "$ST" = 000
expect_eq "roster before revocation" "$(status_of dcurl R2 "$URL/api/v1/device/roster")" "200"
seed revoke R2
post R2 "$(tap_batch R2 1:04a1b2c3)"
expect_eq "revoked device is refused at once" "$ST $(json_get "$BODY" 'j["error"]["code"]')" "403 device_revoked"
expect_eq "revoked device cannot fetch the roster" "$(status_of dcurl R2 "$URL/api/v1/device/roster")" "403"
expect_eq "nothing stored by refused devices" "$(taps_today)" "5"

# Hostile input.
post R1 "{\"device\":\"R1'; DROP TABLE taps;--\",\"taps\":[]}"
expect_eq "SQL metacharacters in device are refused" "$ST" "400"
post R1 "$(tap_batch R1 "7:04' OR 1=1--" "8:04a1b2c3")"
expect_eq "SQL metacharacters in uid: rejected, rest stored" "$(results)" "7:rejected:bad_uid 8:stored"
post R1 '{"device":"R1","taps":[{"seq":'
expect_eq "broken JSON is 400 bad_json" "$ST $(json_get "$BODY" 'j["error"]["code"]')" "400 bad_json"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$T/deep.json"
expect_eq "deeply nested JSON is 400" "$(status_of dcurl R1 "${JSON[@]}" --data-binary @"$T/deep.json" "$URL/api/v1/device/taps")" "400"
tap_batch R1 $(seq -f '%g:04a1b2c3' 100 1100) >"$T/many.json"
post R1 @"$T/many.json"
expect_eq "more than 1000 records is an unusable batch" "$ST $(json_get "$BODY" 'j["error"].get("detail")')" "400 too_many"
expect_eq "non-JSON content type is 415" "$(status_of dcurl R1 -H 'Content-Type: text/plain' --data x "$URL/api/v1/device/taps")" "415"
expect_eq "SQL metacharacters in facility path" "$(status_of hcurl "${AUTH[@]}" "$URL/api/v1/facilities/NWUK015'%20OR%20'1'='1/attendance")" "404"
expect_eq "bad date is 400" "$(status_of hcurl "${AUTH[@]}" "$URL/api/v1/facilities/NWUK015/attendance?date=2026-02-30")" "400"
expect_eq "attendance needs a token" "$(status_of hcurl "$URL/api/v1/facilities/NWUK015/attendance")" "401"
expect_eq "a device cannot read attendance" "$(status_of dcurl R1 "$URL/api/v1/facilities/NWUK015/attendance")" "401"
expect_eq "store intact after hostile input" "$(taps_today)" "6"

# Roster deltas.
r=$(dcurl R1 "$URL/api/v1/device/roster?since=0")
v=$(json_get "$r" 'j["version"]')
expect_eq "full roster" "$(json_get "$r" '(j["full"], j["facility"], [c["display"] for c in j["cards"]])')" "(True, 'NWUK015', ['김*수'])"
r=$(dcurl R1 "$URL/api/v1/device/roster?since=$v")
expect_eq "empty delta at the current version" "$(json_get "$r" '(j["full"], len(j["cards"]), len(j["removed"]))')" "(False, 0, 0)"
seed card a1b2c3d4 C2
seed uncard 04a1b2c3
r=$(dcurl R1 "$URL/api/v1/device/roster?since=$v")
expect_eq "delta brings the new card and the removed one" "$(json_get "$r" '(j["version"] > '"$v"', [c["child"] for c in j["cards"]], len(j["removed"]))')" "(True, ['C2'], 1)"
r=$(dcurl R3 "$URL/api/v1/device/roster?since=0")
expect_eq "another facility's reader sees its own roster" "$(json_get "$r" '(j["facility"], len(j["cards"]))')" "('NWUK016', 0)"
expect_eq "bad since is 400" "$(status_of dcurl R1 "$URL/api/v1/device/roster?since=-1")" "400"

# Heartbeats and the device list.
st=$(status_of dcurl R1 "${JSON[@]}" --data '{"version":"0.3.1","queue_depth":7,"clock":"synced"}' "$URL/api/v1/device/status")
expect_eq "status accepted" "$st" "200"
expect_eq "bad status refused" "$(status_of dcurl R1 "${JSON[@]}" --data '{"version":"x","queue_depth":-1,"clock":"synced"}' "$URL/api/v1/device/status")" "400"
sleep 1.2
sqlv="0.3.1');DROP/**/TABLE/**/devices;--"
expect_eq "status with SQL metacharacters accepted as text" "$(status_of dcurl R1 "${JSON[@]}" --data '{"version":"'"$sqlv"'","queue_depth":7,"clock":"unsynced"}' "$URL/api/v1/device/status")" "200"
devs=$(hcurl "${AUTH[@]}" "$URL/api/v1/devices")
expect_eq "device list: R1 last-seen and status" "$(json_get "$devs" '[(d["queue_depth"], d["clock"], d["last_seen_ms"] > 0, d["silent"]) for d in j["devices"] if d["id"] == "R1"][0]')" "(7, 'unsynced', True, False)"
expect_eq "device list: SQL text kept verbatim" "$(json_get "$devs" '[d["version"] for d in j["devices"] if d["id"] == "R1"][0]')" "$sqlv"
expect_eq "device list: readers quiet past the threshold are silent, revoked ones not" "$(json_get "$devs" '[d["silent"] for d in j["devices"] if d["id"] in ("R2", "R3", "R4")]')" "[False, True, True]"
wait_for 5 grep -q 'R4 of NWUK015 went silent' "$T/hub.log"
check "silent readers are reported in the log" grep -q 'R4 of NWUK015 went silent' "$T/hub.log"
metrics=$(hcurl "${AUTH[@]}" "$URL/metrics")
check "metrics: taps ingested" grep -q 'kium_taps_ingested_total{result="stored"} 6' <<<"$metrics"
check "metrics: duplicates" grep -q 'kium_taps_ingested_total{result="duplicate"} 3' <<<"$metrics"
check "metrics: queue depth by device" grep -q 'kium_device_queue_depth{device="R1",facility="NWUK015"} 7' <<<"$metrics"
check "metrics: devices seen" grep -Eq '^kium_devices_seen [1-9]' <<<"$metrics"

kill -TERM "$HUB_PID"
wait "$HUB_PID"
expect_eq "hub exits cleanly" "$?" "0"
check "no sanitizer report" bash -c "! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' '$T/hub.log'"
