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
