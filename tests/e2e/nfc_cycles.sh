#!/usr/bin/env bash
# 1,000 place/remove cycles (a quarter under the sanitizers) through libnfc's real
# pn532_uart driver against pn532-emu: InAutoPoll loop, then select loop; no miss, no phantom,
# and every removal seen by nfc_initiator_target_is_present.
# timeout: 60
. "$(dirname "$0")/lib.bash"

export LIBNFC_AUTO_SCAN=false
spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl"
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
n=$(scale 1000)
for mode in poll select; do
	out=$(timeout 40 "$HELPERS/nfc_cycles" "pn532_uart:$T/tty" "$T/ctl" "$n" "$mode" 2>"$T/$mode.err")
	expect_eq "$mode: $n cycles, no miss, no phantom" "$out" \
		"cycles=$n seen=$n missed=0 phantom=0 stale=0"
	[[ $out == "cycles=$n seen=$n"* ]] || head -5 "$T/$mode.err"
done
stats=$("$HELPERS/nfc_ctl" "$T/ctl" stats)
check "emulator counted every card and no error" grep -qE " errors=0 .* cards_placed=$((2 * n)) " <<<"$stats"
