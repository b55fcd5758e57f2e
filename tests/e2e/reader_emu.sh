#!/usr/bin/env bash
# kium-reader end to end through pn532-emu (paced at 115200 baud) and libnfc's real pn532_uart
# driver: arrivals, departures, duplicates, unknown cards, 7- and 10-byte UIDs, every emulator
# fault (garbage, noack, noresp, badcs) and an unplugged reader coming back; then the journal
# (--dump-journal) holds exactly the taps that got feedback, and passes integrity_check.
# timeout: 120
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"

spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl" --baud 115200
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
ctl() { "$HELPERS/nfc_ctl" "$T/ctl" "$@" >/dev/null; }

reader_roster "$T/roster.txt"
reader_config "$T/r.conf" tap.debounce_ms=1500
spawn reader "$BIN/kium-reader" --config "$T/r.conf"
READER=$SPAWNED_PID
wait_for 10 grep -q "reader pn532_uart:$T/tty: ready" "$T/reader.log" || die "reader did not start"

# tap UID [ATQA SAK]: puts the card on the reader, waits for its feedback, takes it away and
# waits until the reader saw it go. Prints the feedback without its timestamp.
tap() {
	local n r
	n=$(rec_count)
	r=$(log_count "card removed")
	ctl "place $*"
	if ! wait_for 8 rec_more "$n"; then
		echo "no feedback"
		return
	fi
	ctl remove
	wait_for 5 log_more "card removed" "$r"
	rec_last
}

expect_eq "arrival" "$(tap 04a1b2c3)" "arrival 1 04a1b2c3"
expect_eq "same card at once: duplicate of seq 1" "$(tap 04a1b2c3)" "duplicate 1 04a1b2c3"
expect_eq "unknown card" "$(tap deadbeef)" "unknown 2 deadbeef"
expect_eq "7-byte UID of a registered child" "$(tap 04d1e2f3a4b5c6)" "arrival 3 04d1e2f3a4b5c6"
expect_eq "10-byte UID, unknown" "$(tap 0102030405060708090a)" "unknown 4 0102030405060708090a"
expect_eq "4-byte UID with SAK 00 (presence by UID)" "$(tap 0a0b0c0d 0004 00)" "arrival 5 0a0b0c0d"
sleep 1.6 # past the debounce window
expect_eq "after the debounce window: departure" "$(tap 04a1b2c3)" "departure 6 04a1b2c3"
expect_eq "7-byte child leaves" "$(tap 04d1e2f3a4b5c6)" "departure 7 04d1e2f3a4b5c6"

# Faults: each one fires on the reader's next command, which (after waiting out the current
# poll window) is an InAutoPoll: noack and noresp leave it waiting for ever unless the watchdog
# aborts it. The tap that follows still ends in exactly one feedback; the reader stays up.
seq=7
for f in garbage noack noresp badcs; do
	a=$(log_count "no answer within")
	ctl "fault $f"
	sleep 0.5
	seq=$((seq + 1))
	uid=$(printf 'cafe%04x' "$seq")
	expect_eq "fault $f: next tap recorded" "$(tap "$uid")" "unknown $seq $uid"
	check "fault $f: reader still running" kill -0 "$READER"
	if [[ $f == noack || $f == noresp ]]; then
		check "fault $f: the watchdog ended the hung InAutoPoll" log_more "no answer within" "$a"
	fi
done

# Unplugged: the kiosk/feedback shows a reader fault, the reader retries with backoff and
# comes back when the cable is back.
b=$(log_count ": back")
ctl "fault unplug"
check "unplugged: reader-fault feedback" wait_for 8 grep -q "reader_fault 0 -" "$T/rec"
check "unplugged: retrying with backoff" wait_for 5 grep -q "not available; retrying" "$T/reader.log"
sleep 0.5
ctl replug
check "replugged: reader back" wait_for 8 log_more ": back" "$b"
seq=$((seq + 1))
expect_eq "replugged: taps recorded again" "$(tap 0a0b0c0e)" "unknown $seq 0a0b0c0e"
check "reader still running after every fault" kill -0 "$READER"

kill -TERM "$READER"
wait "$READER"
expect_eq "SIGTERM: clean exit" "$?" 0

"$BIN/kium-reader" --config "$T/r.conf" --dump-journal >"$T/dump.jsonl" 2>"$T/dump.err"
expect_eq "--dump-journal exit status" "$?" 0
check "journal holds each tap that got feedback, exactly once" python3 - "$T/rec" "$T/dump.jsonl" <<'PY'
import json, sys
rec = [l.split() for l in open(sys.argv[1])]
dump = [json.loads(l) for l in open(sys.argv[2])]
taps = [(int(r[2]), r[3]) for r in rec if r[1] in ('arrival', 'departure', 'unknown')]
got = [(d['seq'], d['uid']) for d in dump]
assert got == taps, (got, taps)
assert [d['seq'] for d in dump] == list(range(1, len(dump) + 1))
dirs = {d['seq']: (d['dir'], d['result']) for d in dump}
assert dirs[1] == ('in', 'arrival') and dirs[6] == ('out', 'departure'), dirs
assert dirs[2] == ('none', 'unknown')
for d in dump:
    assert d['boot_id'] and d['mono_ms'] > 0 and d['wall_ms'] > 1577836800000
    assert d['clock'] in ('synced', 'unsynced')
PY
check "journal passes integrity_check" python3 -c "
import sqlite3, sys
db = sqlite3.connect('$T/journal.db')
r = db.execute('PRAGMA integrity_check').fetchone()[0]
sys.exit(0 if r == 'ok' else r)"
check "no raw UID of a registered child in the roster cache" python3 -c "
import sys
b = open('$T/roster.db', 'rb').read()
sys.exit(1 if b'04a1b2c3' in b or bytes.fromhex('04a1b2c3') in b else 0)"
