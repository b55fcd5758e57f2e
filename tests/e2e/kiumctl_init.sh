#!/usr/bin/env bash
# kiumctl init and device add: the files, their modes, the hub config, and certificates that
# openssl verifies and that a TLS server and curl accept for mutual TLS (server name by DNS
# and by IP SAN, client certificate required, another CA's client refused).
. "$(dirname "$0")/lib.bash"

K=$BIN/kiumctl
D=$T/data
[[ -x $K ]] || die "no kiumctl at $K"

check "init" "$K" --data "$D" init --hostname localhost --ip 127.0.0.1 --ip ::1
for f in ca.key ca.crt hub.key hub.crt hub.db kium-hub.conf; do
	[[ -f $D/$f ]] || fail "init_files" "missing $f"
done
expect_eq "ca_key_mode" "$(stat -c %a "$D/ca.key")" 600
expect_eq "hub_key_mode" "$(stat -c %a "$D/hub.key")" 600
expect_eq "data_dir_mode" "$(stat -c %a "$D")" 700
expect_eq "config_listen" "$(sed -n 's/^listen = //p' "$D/kium-hub.conf")" "127.0.0.1:8443"
expect_eq "config_cert" "$(sed -n 's/^cert = //p' "$D/kium-hub.conf")" "$D/hub.crt"
expect_eq "config_key" "$(sed -n 's/^key = //p' "$D/kium-hub.conf")" "$D/hub.key"
expect_eq "config_client_ca" "$(sed -n 's/^client_ca = //p' "$D/kium-hub.conf")" "$D/ca.crt"
expect_eq "config_store" "$(sed -n 's/^path = //p' "$D/kium-hub.conf")" "$D/hub.db"
check "server_cert_verifies" openssl verify -CAfile "$D/ca.crt" "$D/hub.crt"
text=$(openssl x509 -in "$D/hub.crt" -noout -text)
[[ $text == *"DNS:localhost"* && $text == *"IP Address:127.0.0.1"* && $text == *"ecdsa-with-SHA256"* && $text == *"prime256v1"* && $text == *"TLS Web Server Authentication"* ]] &&
	pass "server_cert_fields" || fail "server_cert_fields" "SAN/alg/EKU missing"
ca_text=$(openssl x509 -in "$D/ca.crt" -noout -text)
[[ $ca_text == *"CA:TRUE"* ]] && pass "ca_is_ca" || fail "ca_is_ca" "no CA:TRUE"

# Refusals: a second init, usage errors, bad values.
"$K" --data "$D" init --hostname localhost >/dev/null 2>"$T/err"
expect_eq "init_twice_fails" "$?" 1
grep -q "already" "$T/err" && pass "init_twice_message" || fail "init_twice_message" "$(cat "$T/err")"
"$K" --data "$T/other" init >/dev/null 2>&1
expect_eq "init_without_hostname_usage" "$?" 2
"$K" --data "$T/other" init --hostname 'bad host;' >/dev/null 2>&1
expect_eq "init_bad_hostname" "$?" 1
"$K" --data "$T/other2" init --hostname h --ip 300.1.1.1 >/dev/null 2>"$T/err"
expect_eq "init_bad_ip" "$?" 1
grep -q "bad --ip '300.1.1.1'" "$T/err" && pass "init_bad_ip_message" || fail "init_bad_ip_message" "$(cat "$T/err")"
check "init_after_bad_ip_leaves_nothing" "$K" --data "$T/other2" init --hostname h --ip 10.1.2.3
"$K" --help | grep -q "device add DEVICE_ID" && pass "help" || fail "help" "no device add"
"$K" --data "$D" frobnicate >/dev/null 2>&1
expect_eq "unknown_command_usage" "$?" 2

check "facility_add" "$K" --data "$D" facility add NWUK015 --name "노원 키움센터"
"$K" --data "$D" facility add XXUK015 --name x 2>"$T/err" >/dev/null
expect_eq "facility_bad_code" "$?" 1
grep -q "bad facility code" "$T/err" && pass "facility_bad_code_message" || fail "facility_bad_code_message" "$(cat "$T/err")"
"$K" --data "$D" device add NWUK015-R09 --facility GNUK001 --out "$T/x" 2>"$T/err" >/dev/null
expect_eq "device_unknown_facility" "$?" 1
grep -q "unknown facility" "$T/err" && pass "device_unknown_facility_message" || fail "device_unknown_facility_message" "$(cat "$T/err")"
"$K" --data "$D" device add "R';--" --facility NWUK015 --out "$T/x" >/dev/null 2>&1
expect_eq "device_bad_id" "$?" 1

check "device_add" "$K" --data "$D" device add NWUK015-R01 --facility NWUK015 --out "$T/dev1"
expect_eq "device_key_mode" "$(stat -c %a "$T/dev1/device.key")" 600
check "device_ca_copied" cmp "$D/ca.crt" "$T/dev1/ca.crt"
check "device_cert_verifies" openssl verify -CAfile "$T/dev1/ca.crt" -purpose sslclient "$T/dev1/device.crt"
expect_eq "device_cn" "$(openssl x509 -in "$T/dev1/device.crt" -noout -subject -nameopt RFC2253)" "subject=CN=NWUK015-R01"
fp=$(openssl x509 -in "$T/dev1/device.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
expect_eq "device_fingerprint_stored" "$(sqlite3 "$D/hub.db" "SELECT cert_sha256 FROM devices WHERE id='NWUK015-R01'")" "$fp"
"$K" --data "$D" device add NWUK015-R01 --facility NWUK015 --out "$T/dev1b" 2>"$T/err" >/dev/null
expect_eq "device_duplicate" "$?" 1
grep -q "already exists" "$T/err" && pass "device_duplicate_message" || fail "device_duplicate_message" "$(cat "$T/err")"
[[ ! -e $T/dev1b/device.key ]] && pass "device_duplicate_writes_nothing" || fail "device_duplicate_writes_nothing" "key written"

# A second, unrelated CA: its device must be refused by our server.
check "init_other" "$K" --data "$T/rogue" init --hostname localhost
check "facility_other" "$K" --data "$T/rogue" facility add NWUK015 --name rogue
check "device_other" "$K" --data "$T/rogue" device add NWUK015-R01 --facility NWUK015 --out "$T/rogue-dev"

port=$(free_port)
spawn s_server openssl s_server -accept "127.0.0.1:$port" -cert "$D/hub.crt" -key "$D/hub.key" \
	-CAfile "$D/ca.crt" -Verify 2 -verify_return_error -www -quiet
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || die "openssl s_server did not start"
check "curl_mtls_by_name" curl -fsS --max-time 10 --cacert "$D/ca.crt" --cert "$T/dev1/device.crt" \
	--key "$T/dev1/device.key" --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/"
check "curl_mtls_by_ip" curl -fsS --max-time 10 --cacert "$D/ca.crt" --cert "$T/dev1/device.crt" \
	--key "$T/dev1/device.key" "https://127.0.0.1:$port/"
if curl -fsS --max-time 10 --cacert "$D/ca.crt" "https://127.0.0.1:$port/" >/dev/null 2>&1; then
	fail "no_client_cert_refused" "accepted"
else
	pass "no_client_cert_refused"
fi
if curl -fsS --max-time 10 --cacert "$D/ca.crt" --cert "$T/rogue-dev/device.crt" \
	--key "$T/rogue-dev/device.key" "https://127.0.0.1:$port/" >/dev/null 2>&1; then
	fail "other_ca_client_refused" "accepted"
else
	pass "other_ca_client_refused"
fi
if curl -fsS --max-time 10 --cacert "$T/rogue/ca.crt" --cert "$T/dev1/device.crt" \
	--key "$T/dev1/device.key" "https://127.0.0.1:$port/" >/dev/null 2>&1; then
	fail "server_checked_against_ca" "a foreign CA trusted our server"
else
	pass "server_checked_against_ca"
fi

check "device_revoke" "$K" --data "$D" device revoke NWUK015-R01
"$K" --data "$D" device list >"$T/list"
grep -q "NWUK015-R01 .*revoked" "$T/list" && pass "device_list_revoked" || fail "device_list_revoked" "$(cat "$T/list")"
"$K" --data "$D" device renew NWUK015-R01 --out "$T/renew" 2>"$T/err" >/dev/null
expect_eq "renew_revoked_refused" "$?" 1
grep -q "revoked" "$T/err" && pass "renew_revoked_message" || fail "renew_revoked_message" "$(cat "$T/err")"
[[ ! -e $T/renew/device.key ]] && pass "renew_revoked_writes_nothing" || fail "renew_revoked_writes_nothing" "key written"
"$K" --data "$D" device renew NWUK015-R01 --facility NWUK015 --out "$T/renew" >/dev/null 2>&1
expect_eq "renew_usage" "$?" 2
"$K" --data "$D" device revoke NWUK015-R77 >/dev/null 2>&1
expect_eq "device_revoke_unknown" "$?" 1
exit 0
