#!/usr/bin/env bash
# The certificate revocation list: with [tls] crl set, a device certificate the CA revoked
# is refused once the hub reloads the CRL on SIGHUP (new connections fail verification and
# device routes answer 403 certificate_not_trusted), while other devices go on. A CRL file
# that does not parse is refused at SIGHUP and the previous one stays in force. A resumed TLS
# session (ticket from before the revocation) is verified again against the current CRL. A
# stale CRL (nextUpdate passed) is refused at SIGHUP; one that goes stale while in force is
# logged once and shown in /metrics.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" >/dev/null || die "seed"
for d in R1 R2; do hub_seed_device "$T/hub.db" $d NWUK015 >/dev/null || die "seed $d"; done
crl_ca "$T/pki" # an openssl CA database around the test CA, to issue CRLs
# resumed DEV: GET the roster over a session resumed from $T/DEV.sess; prints "reused" when
# the session was resumed, then the HTTP status.
resumed() {
	local out
	out=$(printf 'GET /api/v1/device/roster HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -CAfile "$T/pki/ca.crt" \
			-cert "$T/pki/$1.crt" -key "$T/pki/$1.key" -sess_in "$T/$1.sess" -ign_eof 2>/dev/null)
	grep -q '^Reused, TLSv1.2' <<<"$out" && printf 'reused '
	sed -n 's/^HTTP\/1.1 \([0-9]*\) .*/\1/p' <<<"$out" | head -1
}
gencrl || die "cannot make a CRL"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_CRL=$T/crl.pem hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

expect_eq "R1 admitted under an empty CRL" "$(status_of dcurl R1 "$URL/api/v1/device/roster")" "200"
timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -CAfile "$T/pki/ca.crt" \
	-cert "$T/pki/R1.crt" -key "$T/pki/R1.key" -sess_out "$T/R1.sess" </dev/null >/dev/null 2>&1
expect_eq "R1 resumes its session" "$(resumed R1)" "reused 200"
openssl ca -config "$T/ca/ca.cnf" -revoke "$T/pki/R1.crt" >/dev/null 2>&1 || die "revoke"
gencrl || die "gencrl"
expect_eq "before SIGHUP the old CRL is in force" "$(status_of dcurl R1 "$URL/api/v1/device/roster")" "200"
kill -HUP "$HUB_PID"
wait_for 5 grep -q 'reloaded CRL' "$T/hub.log"
body=$(dcurl R1 "$URL/api/v1/device/roster")
expect_eq "after SIGHUP the revoked certificate is refused" "$(json_get "$body" 'j["error"]["code"]')" "certificate_not_trusted"
expect_eq "other devices go on" "$(status_of dcurl R2 "$URL/api/v1/device/roster")" "200"
expect_eq "a session resumed from before the revocation is refused too" "$(resumed R1)" "reused 403"
echo garbage >"$T/crl.pem"
kill -HUP "$HUB_PID"
wait_for 5 grep -q 'cannot load CRL' "$T/hub.log"
check "a broken CRL is reported" grep -q 'cannot load CRL' "$T/hub.log"
expect_eq "and the previous CRL stays in force" "$(status_of dcurl R1 "$URL/api/v1/device/roster")" "403"
expect_eq "hub still serves" "$(status_of hcurl "$URL/healthz")" "200"

# A stale CRL is refused; the one in force stays (R1 refused, R2 admitted).
gencrl -crl_lastupdate "$(date -u -d '-2 hours' +%Y%m%d%H%M%SZ)" \
	-crl_nextupdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" || die "stale CRL"
kill -HUP "$HUB_PID"
wait_for 5 grep -q 'is stale' "$T/hub.log"
check "a stale CRL is reported" grep -q 'CRL .* is stale' "$T/hub.log"
expect_eq "devices are not all refused after a stale CRL" "$(status_of dcurl R2 "$URL/api/v1/device/roster")" "200"
expect_eq "the revocation stays in force" "$(status_of dcurl R1 "$URL/api/v1/device/roster")" "403"
# A current CRL that goes stale while in force: logged once, shown in /metrics.
# 8 s of life: under the sanitizers generating, loading and reading /metrics took over 3 s.
stale_at=$(($(date +%s) + 8))
gencrl -crl_nextupdate "$(date -u -d "@$stale_at" +%Y%m%d%H%M%SZ)" || die "short CRL"
kill -HUP "$HUB_PID"
wait_for 5 test "$(grep -c 'reloaded CRL' "$T/hub.log")" -ge 2
expect_eq "a short-lived CRL is loaded" "$(grep -c 'reloaded CRL' "$T/hub.log")" "2"
check "metrics show the CRL current" grep -q '^kium_tls_crl_stale 0' <<<"$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics")"
while (($(date +%s) <= stale_at)); do sleep 0.2; done
for i in 1 2; do dcurl R2 -o /dev/null "$URL/api/v1/device/roster" 2>/dev/null; done
expect_eq "a CRL gone stale is logged once" "$(grep -c 'passed its nextUpdate' "$T/hub.log")" "1"
check "metrics show the CRL stale" grep -q '^kium_tls_crl_stale 1' <<<"$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics")"
