#!/usr/bin/env bash
# timeout: 60
# A reader whose certificate the hub's CRL already revokes when it starts, end to end with
# the real driver: kium-reader on pn532-emu (libnfc's pn532_uart) against kium-hub with
# [tls] crl. Each new connection is refused (403 certificate_not_trusted, logged by the hub
# with the reader's address), the taps get their feedback at the door and stay in the
# reader's journal, never acknowledged, and the hub stores none; after the CA takes the
# revocation back and the hub reloads its CRL (SIGHUP), the journal drains, each tap once.
# (reader_crl.sh: a reader revoked while connected, on the scripted driver.)
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" >/dev/null || die "seed"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
crl_ca "$T/pki"
openssl ca -config "$T/ca/ca.cnf" -revoke "$T/pki/R1.crt" >/dev/null 2>&1 || die "revoke"
gencrl || die "cannot make a CRL"
HUB_CRL=$T/crl.pem hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

r1_taps() {
	python3 - "$T/hub.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(*db.execute("SELECT count(*), count(DISTINCT seq) FROM taps WHERE device_id = 'R1'").fetchone())
PY
}

spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl" --baud 115200
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
ctl() { "$HELPERS/nfc_ctl" "$T/ctl" "$@" >/dev/null; }
reader_roster "$T/roster.txt"
uplink_reader_config "$T/r.conf" "https://localhost:$PORT" device.id=R1 \
	reader.device="pn532_uart:$T/tty" roster.path="$T/roster.txt" log.level=debug \
	hub.ca="$T/pki/ca.crt" hub.cert="$T/pki/R1.crt" hub.key="$T/pki/R1.key"
spawn reader "$BIN/kium-reader" --config "$T/r.conf"
wait_for 10 grep -q "reader pn532_uart:$T/tty: ready" "$T/reader.log" || die "reader did not start"

# tap UID: the card on the reader until its feedback, then away until the reader saw it go.
tap() {
	local n r
	n=$(rec_count)
	r=$(log_count "card removed")
	ctl "place $1"
	wait_for 8 rec_more "$n" || fail "feedback for $1" "none"
	ctl remove
	wait_for 5 log_more "card removed" "$r"
}
tap 04a1b2c3
tap 04d1e2f3a4b5c6
tap 0a0b0c0d
expect_eq "revoked from the start: three taps with feedback at the door" "$(rec_count)" "3"
check "the reader is refused" wait_for 10 grep -q "certificate_not_trusted" "$T/reader.log"
check "the hub logged the refusal of R1's upload" \
	wait_for 5 grep -q "POST /api/v1/device/taps from .* refused: 403 (client certificate presented)" "$T/hub.log"
sleep 1.5 # a few more tries (backoff 50-400 ms)
expect_eq "the taps stay in the journal, none acknowledged" "$(journal_state)" "3 0"
expect_eq "the hub holds none" "$(r1_taps)" "0 0"

# The CA takes the revocation back (a fresh database); the hub reloads the CRL.
: >"$T/ca/index.txt"
gencrl || die "gencrl"
loads=$(grep -c 'reloaded CRL' "$T/hub.log")
kill -HUP "$HUB_PID"
check "the hub reloaded the CRL" \
	wait_for 5 bash -c "[[ \$(grep -c 'reloaded CRL' '$T/hub.log') -gt $loads ]]"
check "the journal drains: all three taps acknowledged" wait_for 20 journal_is 3 3
expect_eq "the hub holds each tap once" "$(r1_taps)" "3 3"
tap 04a1b2c3
check "a tap after the reload goes straight through" wait_for 10 journal_is 4 4
expect_eq "the hub holds four" "$(r1_taps)" "4 4"
