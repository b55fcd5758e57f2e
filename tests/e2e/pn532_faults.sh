#!/usr/bin/env bash
# pn532-emu's faults through libnfc's real pn532_uart driver (tests/e2e/nfc_faults.c):
# each gives the error PN532.md predicts and the next call succeeds; unplug/replug.
# timeout: 60
. "$(dirname "$0")/lib.bash"

export LIBNFC_AUTO_SCAN=false
spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl"
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
timeout 40 "$HELPERS/nfc_faults" "pn532_uart:$T/tty" "$T/ctl"
rc=$?
expect_eq "nfc_faults exit status" "$rc" 0
stats=$("$HELPERS/nfc_ctl" "$T/ctl" stats)
check "emulator counted 5 chip faults and the cancelled wait" \
	grep -qE "cancelled=[1-9][0-9]* faults=5 .*unplugged=0" <<<"$stats"

# A client killed while its InAutoPoll waits (nfc-poll, libnfc-examples): the next client
# opens, the stale wait is cancelled by its first command, and it reads the card.
"$HELPERS/nfc_ctl" "$T/ctl" remove >/dev/null
(LIBNFC_DEVICE=pn532_uart:$T/tty timeout -s KILL 0.5 nfc-poll >"$T/nfc-poll.log" 2>&1; exit $?) 2>/dev/null
expect_eq "nfc-poll was killed while waiting" "$?" 137
check "the emulator saw it waiting" grep -q "waiting=1" <(
	"$HELPERS/nfc_ctl" "$T/ctl" stats)
"$HELPERS/nfc_ctl" "$T/ctl" "place 04C0FFEE" >/dev/null
uid=$(LIBNFC_DEVICE=pn532_uart:$T/tty timeout 10 nfc-list -t 1 | sed -n 's/.*UID (NFCID1): *//p' | tr -s ' ' | sed 's/ *$//')
expect_eq "next client reads the card" "$uid" "04 c0 ff ee"
