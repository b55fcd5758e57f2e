#!/usr/bin/env bash
# A hub provisioned only with kiumctl, end to end over HTTPS: kiumctl init writes the config,
# CA and server certificate that kium-hub starts from; a reader's kiumctl certificate uploads
# taps (one corrected from an unsynced clock), fetches its roster and reports its status; the
# admin token from kiumctl reads the attendance JSON; kiumctl reads the same store while the
# hub runs; renewing a device's certificate or revoking the device or the token takes effect
# at once.
# timeout: 90
. "$(dirname "$0")/lib.bash"

K=$BIN/kiumctl
D=$T/data
[[ -x $K && -x $BIN/kium-hub ]] || die "missing kiumctl or kium-hub"
BOOT=11111111-2222-3333-4444-555555555555
NOW=1795330800000 # the hub's pinned clock: 2026-11-22 16:00 KST
T0=1795327200000  # 15:00 KST
# kiumctl's own clock: the day before, so cards are held before they are tapped.
export KIUM_PINNED_CLOCK=$((T0 - 86400000))

pyq() { # EXPR over the JSON on stdin as d
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps(eval(sys.argv[1]), ensure_ascii=False, separators=(",", ":")))' "$1"
}

port=$(free_port)
"$K" --data "$D" init --hostname localhost --ip 127.0.0.1 --listen "127.0.0.1:$port" >/dev/null || die "init"
"$K" --data "$D" facility add NWUK015 --name "노원 키움센터" >/dev/null || die "facility"
"$K" --data "$D" child add C001 --name "김민수" --facility NWUK015 >/dev/null || die "child"
"$K" --data "$D" card assign 04a1b2c3 C001 >/dev/null || die "card"
"$K" --data "$D" device add NWUK015-R01 --facility NWUK015 --out "$T/dev" >/dev/null || die "device"
TOKEN=$("$K" --data "$D" token create --role admin --label e2e 2>/dev/null) || die "token"

KIUM_PINNED_CLOCK=$NOW spawn hub "$BIN/kium-hub" --config "$D/kium-hub.conf"
URL=https://localhost:$port
TLS=(--max-time 10 -sS --cacert "$D/ca.crt" --resolve "localhost:$port:127.0.0.1")
DEV=("${TLS[@]}" --cert "$T/dev/device.crt" --key "$T/dev/device.key")
wait_for 10 curl "${TLS[@]}" -o /dev/null "$URL/healthz" || die "kium-hub did not start: $(tail -3 "$T/hub.log")"
pass "hub_starts_from_kiumctl_config"

cat >"$T/batch.json" <<EOF
{"device":"NWUK015-R01","boot_id":"$BOOT","mono_ms":100000,"wall_ms":5000,"clock":"unsynced","taps":[
 {"seq":1,"uid":"04a1b2c3","wall_ms":$T0,"boot_id":"$BOOT","mono_ms":1000,"clock":"synced","dir":"in","result":"arrival"},
 {"seq":2,"uid":"04a1b2c3","wall_ms":4000,"boot_id":"$BOOT","mono_ms":40000,"clock":"unsynced","dir":"out","result":"departure"}]}
EOF
answer=$(curl "${DEV[@]}" -H 'Content-Type: application/json' --data-binary @"$T/batch.json" "$URL/api/v1/device/taps")
expect_eq "taps_over_mtls" "$(pyq "[d['acked_seq'], [r['status'] for r in d['results']]]" <<<"$answer")" '[2,["stored","stored"]]'
answer=$(curl "${DEV[@]}" -H 'Content-Type: application/json' --data-binary @"$T/batch.json" "$URL/api/v1/device/taps")
expect_eq "replay_over_mtls" "$(pyq "[d['acked_seq'], [r['status'] for r in d['results']]]" <<<"$answer")" '[2,["duplicate","duplicate"]]'

want=$(python3 -c 'import hashlib; print(hashlib.blake2b(bytes.fromhex("04a1b2c3"), digest_size=16, key=b"kium-roster-v1:NWUK015").hexdigest())')
roster=$(curl "${DEV[@]}" "$URL/api/v1/device/roster?since=0")
expect_eq "roster_over_mtls" "$(pyq "[d['version'], d['full'], d['cards'][0]['uidhash'], d['cards'][0]['child']]" <<<"$roster")" "[1,true,\"$want\",\"C001\"]"
status=$(curl "${DEV[@]}" -H 'Content-Type: application/json' \
	--data '{"device":"NWUK015-R01","version":"0.9.1","queue_depth":4,"clock":"unsynced"}' \
	-o /dev/null -w '%{http_code}' "$URL/api/v1/device/status")
expect_eq "status_over_mtls" "$status" 200
"$K" --data "$D" device list >"$T/dl"
grep -q "^NWUK015-R01 .*active .*2026-11-22 16:00 .*0.9.1 .*4 .*unsynced .*2" "$T/dl" &&
	pass "kiumctl_sees_status_while_hub_runs" || fail "kiumctl_sees_status_while_hub_runs" "$(cat "$T/dl")"

att=$(curl "${TLS[@]}" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/facilities/NWUK015/attendance?date=2026-11-22")
expect_eq "attendance_json_with_token" "$(pyq "[len(d['taps']), d['taps'][0]['hhmm'], d['taps'][0]['name'], d['taps'][1]['hhmm'], d['taps'][1]['clock']]" <<<"$att")" \
	'[2,"15:00","김민수","15:59","corrected"]'
"$K" --data "$D" attendance --facility NWUK015 --date 2026-11-22 >"$T/att"
grep -q "^15:59 .*김민수 .*하원 .*보정됨" "$T/att" && pass "kiumctl_attendance_while_hub_runs" || fail "kiumctl_attendance_while_hub_runs" "$(cat "$T/att")"

code=$(curl "${TLS[@]}" -o /dev/null -w '%{http_code}' "$URL/api/v1/facilities/NWUK015/attendance?date=2026-11-22")
expect_eq "attendance_needs_token" "$code" 401
code=$(curl "${TLS[@]}" -H "Authorization: Bearer ${TOKEN%?}x" -o /dev/null -w '%{http_code}' "$URL/api/v1/facilities/NWUK015/attendance?date=2026-11-22")
expect_eq "wrong_token_refused" "$code" 401
code=$(curl "${TLS[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @"$T/batch.json" "$URL/api/v1/device/taps" 2>/dev/null)
[[ $code == 401 || $code == 403 || $code == 000 ]] && pass "taps_need_client_cert" || fail "taps_need_client_cert" "$code"

# Renewal: the new certificate works, the old one is refused at once.
check "device_renew" "$K" --data "$D" device renew NWUK015-R01 --out "$T/dev2"
DEV2=("${TLS[@]}" --cert "$T/dev2/device.crt" --key "$T/dev2/device.key")
expect_eq "renewed_cert_accepted" "$(curl "${DEV2[@]}" -o /dev/null -w '%{http_code}' "$URL/api/v1/device/roster?since=0")" 200
expect_eq "previous_cert_refused" "$(curl "${DEV[@]}" -o /dev/null -w '%{http_code}' "$URL/api/v1/device/roster?since=0")" 403
"$K" --data "$D" device renew NWUK015-R01 --out "$T/dev2" >/dev/null 2>&1
expect_eq "renew_never_overwrites_keys" "$?" 1
DEV=("${DEV2[@]}")

"$K" --data "$D" token revoke 1 >/dev/null || fail "token_revoke" "kiumctl failed"
code=$(curl "${TLS[@]}" -H "Authorization: Bearer $TOKEN" -o /dev/null -w '%{http_code}' "$URL/api/v1/facilities/NWUK015/attendance?date=2026-11-22")
expect_eq "revoked_token_refused_at_once" "$code" 401
"$K" --data "$D" device revoke NWUK015-R01 >/dev/null || fail "device_revoke" "kiumctl failed"
code=$(curl "${DEV[@]}" -o /dev/null -w '%{http_code}' "$URL/api/v1/device/roster?since=0")
expect_eq "revoked_device_refused_at_once" "$code" 403
exit 0
