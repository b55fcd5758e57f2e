#!/usr/bin/env bash
# pn532-emu end to end: Debian's real nfc-list (libnfc's pn532_uart driver) reads the UIDs
# placed over the control socket; the control protocol answers ok/err, one line a command.
# timeout: 60
. "$(dirname "$0")/lib.bash"

CTL=$HELPERS/nfc_ctl
export LIBNFC_AUTO_SCAN=false LIBNFC_DEVICE=pn532_uart:$T/tty
spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl"
EMU=$SPAWNED_PID
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
check "link is a symlink to a pty" test -L "$T/tty" -a -c "$T/tty"

nfc_uid() { # nfc-list's UID line, spaces squeezed: "04 a1 b2 c3"
	timeout 10 nfc-list -t 1 2>&1 | sed -n 's/.*UID (NFCID1): *//p' | tr -s ' ' | sed 's/ *$//'
}

expect_eq "empty reader: nfc-list sees no UID" "$(nfc_uid)" ""
expect_eq "place 4-byte" "$("$CTL" "$T/ctl" "place 04A1B2C3")" "ok placed 04A1B2C3"
expect_eq "nfc-list 4-byte UID" "$(nfc_uid)" "04 a1 b2 c3"
expect_eq "nfc-list ATQA 0004 SAK 08" \
	"$(timeout 10 nfc-list -t 1 | grep -cE 'ATQA \(SENS_RES\): 00  04|SAK \(SEL_RES\): 08')" 2
expect_eq "place 7-byte" "$("$CTL" "$T/ctl" "place 04112233445566")" "ok placed 04112233445566"
expect_eq "nfc-list 7-byte UID" "$(nfc_uid)" "04 11 22 33 44 55 66"
expect_eq "place 10-byte with ATQA and SAK" "$("$CTL" "$T/ctl" "place 0400112233445566778a 0044 00")" \
	"ok placed 0400112233445566778A"
expect_eq "nfc-list 10-byte UID" "$(nfc_uid)" "04 00 11 22 33 44 55 66 77 8a"
expect_eq "remove" "$("$CTL" "$T/ctl" remove)" "ok removed"
expect_eq "nfc-list after remove" "$(nfc_uid)" ""
expect_eq "remove again" "$("$CTL" "$T/ctl" remove)" "ok none"

# The same control protocol from the emulator's own client mode (what `make run` prints).
expect_eq "--send places a card" "$("$BIN/pn532-emu" --control "$T/ctl" --send "place 1A2B3C4D")" \
	"ok placed 1A2B3C4D"
expect_eq "--send sees the card through nfc-list" "$(nfc_uid)" "1a 2b 3c 4d"
out=$("$BIN/pn532-emu" --control "$T/ctl" --send remove --send "bogus"); rc=$?
expect_eq "--send: one reply a line, err exits 1" "$rc:$(tr '\n' '|' <<<"$out" | cut -c1-16)" \
	"1:ok removed|err u"
"$BIN/pn532-emu" --control "$T/nowhere" --send remove 2>/dev/null
expect_eq "--send to no emulator exits 2" "$?" 2

stats=$("$CTL" "$T/ctl" stats)
check "stats answers ok" grep -q '^ok ' <<<"$stats"
check "stats counts frames and commands" grep -qE 'frames_in=[1-9].* cards_placed=4 card=none.* cmd_4a=[1-9]' <<<"$stats"

# Bad lines: each gets exactly one "err" line, and the connection keeps working.
bad=$("$CTL" "$T/ctl" "" "bogus" "place" "place 0102" "place 01020304 0004" "place XX020304" \
	"place 01020304 0004 08 extra" "fault" "fault sideways" "remove now" "replug" "stats 1" \
	"$(printf 'place %0300d' 0)" "place 01020304 00044 08" "stats")
expect_eq "bad lines: one err each" "$(grep -c '^err ' <<<"$bad")" 14
expect_eq "bad lines: connection still answers" "$(tail -1 <<<"$bad" | cut -c1-3)" "ok "

# Two clients at once: both get their own answers.
exec 3< <("$CTL" "$T/ctl" "place DEADBEEF" stats)
exec 4< <("$CTL" "$T/ctl" stats remove)
r3=$(cat <&3) r4=$(cat <&4)
expect_eq "concurrent clients get two lines each" "$(printf '%s\n%s\n' "$r3" "$r4" | grep -c '^ok ')" 4
exec 3<&- 4<&-

# Frames split anywhere and garbage on the wire: the host side of the pty, byte by byte.
check "split frames and garbage" python3 - "$T/tty" <<'PY'
import os, sys, termios, time, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
time.sleep(0.05)  # what an earlier client left unread goes, as libnfc flushes
termios.tcflush(fd, termios.TCIFLUSH)
def xfer(frame, want):
    for b in frame:
        os.write(fd, bytes([b])); time.sleep(0.001)
    got = b""
    end = time.time() + 2
    while len(got) < len(want) and time.time() < end:
        got += os.read(fd, 64)
    assert got == want, (frame.hex(), got.hex(), want.hex())
ack = bytes.fromhex("0000ff00ff00")
# GetFirmwareVersion after garbage and libnfc's wake-up preamble
xfer(bytes.fromhex("5555000000ff13370000ff02fed4022a00"), ack + bytes.fromhex("0000ff06fad50332010607e800"))
# An unknown command: ACK, then the error frame
xfer(bytes.fromhex("0000ff02fed4fe2e00"), ack + bytes.fromhex("0000ff01ff7f8100"))
# Extended frame: Diagnose echo with 300 bytes of data
data = bytes([0xD4, 0x00, 0x00]) + bytes(range(256)) + bytes(43)
n = len(data)
frame = bytes([0, 0, 0xFF, 0xFF, 0xFF, n >> 8, n & 0xFF, (-(n >> 8) - n) & 0xFF]) + data + bytes([(-sum(data)) & 0xFF, 0])
resp = bytes([0xD5, 0x01]) + data[2:]
want = bytes([0, 0, 0xFF, 0xFF, 0xFF, len(resp) >> 8, len(resp) & 0xFF, (-(len(resp) >> 8) - len(resp)) & 0xFF]) + resp + bytes([(-sum(resp)) & 0xFF, 0])
xfer(frame, ack + want)
os.close(fd)
PY

expect_eq "quit" "$("$CTL" "$T/ctl" quit)" "ok bye"
wait_for 5 bash -c "! kill -0 $EMU" && pass "quit stops the emulator" || fail "quit stops the emulator"
check "link removed at exit" test ! -e "$T/tty" -a ! -L "$T/tty"
check "socket removed at exit" test ! -e "$T/ctl"

# SIGTERM: clean exit too.
spawn emu2 "$BIN/pn532-emu" --link "$T/tty2" --control "$T/ctl2"
wait_for 5 test -S "$T/ctl2" || die "second pn532-emu did not start"
kill -TERM "$SPAWNED_PID"
wait "$SPAWNED_PID"
expect_eq "SIGTERM: exit status 0" "$?" 0
check "SIGTERM: link and socket removed" test ! -e "$T/tty2" -a ! -L "$T/tty2" -a ! -e "$T/ctl2"
check "--help documents the control protocol" bash -c "'$BIN/pn532-emu' --help | grep -q 'fault unplug'"

# --baud 115200: nfc-list still works, and output is paced at about 87 us a byte: the echo
# of a 300-byte Diagnose (ACK + 312-byte extended frame) takes about 27.6 ms.
spawn emu3 "$BIN/pn532-emu" --link "$T/tty3" --control "$T/ctl3" --baud 115200
wait_for 5 test -S "$T/ctl3" || die "paced pn532-emu did not start"
"$CTL" "$T/ctl3" "place 04A1B2C3" >/dev/null
expect_eq "paced: nfc-list 4-byte UID" \
	"$(LIBNFC_DEVICE=pn532_uart:$T/tty3 timeout 10 nfc-list -t 1 | sed -n 's/.*UID (NFCID1): *//p' | tr -s ' ' | sed 's/ *$//')" \
	"04 a1 b2 c3"
check "paced: 318 bytes take at least 95% of 27.6 ms" python3 - "$T/tty3" <<'PY'
import os, sys, termios, time, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
time.sleep(0.05)  # what an earlier client left unread goes, as libnfc flushes
termios.tcflush(fd, termios.TCIFLUSH)
data = bytes([0xD4, 0x00, 0x00]) + bytes(range(256)) + bytes(43)
n = len(data)
frame = bytes([0, 0, 0xFF, 0xFF, 0xFF, n >> 8, n & 0xFF, (-(n >> 8) - n) & 0xFF]) + data + bytes([(-sum(data)) & 0xFF, 0])
t0 = time.monotonic()
os.write(fd, frame)
got = b""
want = 6 + len(frame)  # ACK, then the same frame with D5 01 00 for D4 00 00
while len(got) < want and time.monotonic() - t0 < 3:
    got += os.read(fd, 512)
dt = time.monotonic() - t0
assert len(got) == want, len(got)
assert want * 10 / 115200 * 0.95 <= dt < 1.0, dt
print("%d bytes in %.1f ms" % (want, dt * 1000))
PY
