#!/usr/bin/env bash
# The provisioning path end to end: kiumctl init writes the hub's CA, server certificate,
# store and kium-hub.conf; kiumctl device add issues a reader's certificate; kium-hub runs on
# exactly that configuration; curl uploads taps with the reader's certificate; kiumctl
# device revoke refuses the reader at its next request, without restarting the hub.
# timeout: 90
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

D=$T/data
ctl() { "$BIN/kiumctl" --data "$D" "$@"; }
ctl init --hostname localhost --ip 127.0.0.1 >/dev/null || die "kiumctl init"
ctl facility add NWUK015 --name "노원 키움센터 15호" >/dev/null || die "facility add"
ctl child add C1 --name "김민수" --facility NWUK015 >/dev/null || die "child add"
ctl card assign 04a1b2c3 C1 >/dev/null || die "card assign"
ctl device add R1 --facility NWUK015 --out "$T/r1" >/dev/null || die "device add"
TOKEN=$(ctl token create --role admin | grep -o 'kt1_[A-Za-z0-9_-]*' | head -1)
[[ -n $TOKEN ]] || die "token create"
# The generated file, plus a port file so that port 0 can be found.
cp "$D/kium-hub.conf" "$T/hub.conf"
sed -i "s|^listen = .*|listen = 127.0.0.1:0\nport_file = $T/port|" "$T/hub.conf"
hub_start "$T/hub.conf"

rc() { curl -sS --max-time 10 --cacert "$T/r1/ca.crt" --cert "$T/r1/device.crt" --key "$T/r1/device.key" "$@"; }
out=$(rc -H 'Content-Type: application/json' --data-binary "$(tap_batch R1 1:04a1b2c3 2:04a1b2c3)" "$URL/api/v1/device/taps")
expect_eq "reader provisioned by kiumctl uploads taps" "$(json_get "$out" '(j["acked_seq"], [r["status"] for r in j["results"]])')" "(2, ['stored', 'stored'])"
out=$(rc "$URL/api/v1/device/roster?since=0")
expect_eq "reader gets its roster" "$(json_get "$out" '[c["display"] for c in j["cards"]]')" "['김*수']"
today=$(python3 -c 'import time; print(time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600)))')
out=$(curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/facilities/NWUK015/attendance?date=$today")
expect_eq "admin token reads attendance over HTTPS" "$(json_get "$out" 'len(j["taps"])')" "2"
check "kiumctl sees the reader as seen" bash -c "'$BIN/kiumctl' --data '$D' device list | grep R1 | grep -vq never"
ctl device revoke R1 >/dev/null || fail "device revoke" "kiumctl failed"
out=$(rc -H 'Content-Type: application/json' --data-binary "$(tap_batch R1 3:04a1b2c3)" "$URL/api/v1/device/taps")
expect_eq "revoked reader refused at its next request (no restart, no SIGHUP)" "$(json_get "$out" 'j["error"]["code"]')" "device_revoked"
expect_eq "revoked reader stored nothing more" "$(json_get "$(curl -sS --cacert "$D/ca.crt" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/facilities/NWUK015/attendance?date=$today")" 'len(j["taps"])')" "2"
kill -TERM "$HUB_PID"
wait "$HUB_PID"
expect_eq "hub exits cleanly" "$?" "0"
