#!/usr/bin/env bash
# timeout: 60
# The whole reader against a hub whose certificate revocation list comes to revoke the
# reader's certificate while the reader is connected: after the hub reloads the CRL
# (SIGHUP), the reader's kept connection is refused at its next request (403
# certificate_not_trusted, logged), the new taps stay unsent in the journal; once the hub
# loads a CRL without it, the journal drains to the hub, each tap once. (hub_crl.sh tests
# the CRL itself with curl; uplink_tls.sh a device revoked in the hub's database.)
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" >/dev/null || die "seed"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
crl_ca "$T/pki" # an openssl CA database around the test CA, to issue CRLs
gencrl || die "cannot make a CRL"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_CRL=$T/crl.pem HUB_IDLE_MS=30000 hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

r1_taps() {
	python3 - "$T/hub.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(*db.execute("SELECT count(*), count(DISTINCT seq) FROM taps WHERE device_id = 'R1'").fetchone())
PY
}
handshakes() { # full + resumed TLS handshakes the hub has made
	hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" |
		awk '/^kium_tls_handshakes_total/ { n += $2 } END { print n }'
}

# Three taps at once, two more 12 s later (the reader keeps its connection in between: it
# asks for its roster and reports its status every second or two).
printf 'place 04a1b2c3\nplace 04a1b2c4\nplace 0a0b0c0d\nsleep 12000\nplace 04d1e2f3\nplace 04d1e2f4\n' \
	>"$T/script"
uplink_reader_config "$T/r.conf" "https://localhost:$PORT" device.id=R1 \
	hub.ca="$T/pki/ca.crt" hub.cert="$T/pki/R1.crt" hub.key="$T/pki/R1.key"
spawn reader "$BIN/kium-reader" --config "$T/r.conf"
check "under an empty CRL the first three taps are delivered" wait_for 10 journal_is 3 3
expect_eq "each once" "$(r1_taps)" "3 3"

# The CA revokes the reader's certificate; the hub loads the new CRL.
openssl ca -config "$T/ca/ca.cnf" -revoke "$T/pki/R1.crt" >/dev/null 2>&1 || die "revoke"
gencrl || die "gencrl"
loads=$(grep -c 'reloaded CRL' "$T/hub.log")
kill -HUP "$HUB_PID"
wait_for 5 bash -c "[[ \$(grep -c 'reloaded CRL' '$T/hub.log') -gt $loads ]]" || die "no CRL reload"
hs=$(handshakes)
check "the reader journals the next two taps" wait_for 20 bash -c "grep -c . '$T/rec' | grep -qx 5"
check "its kept connection is refused after the reload" \
	wait_for 10 grep -q "certificate_not_trusted" "$T/reader.log"
sleep 1
expect_eq "revoked: the two new taps are not marked sent" "$(journal_state)" "5 3"
expect_eq "revoked: the hub holds only the first three" "$(r1_taps)" "3 3"
check "the hub logged the refusals" grep -q "refused: 403" "$T/hub.log"
expect_eq "on the same connection (no new handshake)" "$(handshakes)" "$((hs + 1))" # + the metrics read

# The CA takes the revocation back (a fresh database): the next CRL does not list R1.
: >"$T/ca/index.txt"
gencrl || die "gencrl"
loads=$(grep -c 'reloaded CRL' "$T/hub.log")
kill -HUP "$HUB_PID"
check "the hub reloaded the CRL" \
	wait_for 5 bash -c "[[ \$(grep -c 'reloaded CRL' '$T/hub.log') -gt $loads ]]"
check "the journal drains: all five taps marked sent" wait_for 20 journal_is 5 5
expect_eq "the hub holds each tap once" "$(r1_taps)" "5 5"
