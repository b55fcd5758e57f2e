#!/usr/bin/env bash
# 1,000 place/remove cycles (a quarter under the sanitizers) through libnfc's real
# pn532_uart driver against pn532-emu: InAutoPoll loop, then select loop; no miss, no phantom,
# and every removal seen by nfc_initiator_target_is_present; another control client meanwhile.
# timeout: 60
. "$(dirname "$0")/lib.bash"

export LIBNFC_AUTO_SCAN=false
spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl"
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
n=$(scale 1000)
# A second control client asks for stats all the while: clients must not disturb each other.
spawn pester bash -c "while '$HELPERS/nfc_ctl' '$T/ctl' stats >/dev/null; do sleep 0.01; done; echo stopped"
for mode in poll select; do
	out=$(timeout 40 "$HELPERS/nfc_cycles" "pn532_uart:$T/tty" "$T/ctl" "$n" "$mode" 2>"$T/$mode.err")
	expect_eq "$mode: $n cycles, no miss, no phantom" "$out" \
		"cycles=$n seen=$n missed=0 phantom=0 stale=0"
	[[ $out == "cycles=$n seen=$n"* ]] || head -5 "$T/$mode.err"
done
check "the other client was answered all along" bash -c "! grep -q stopped '$T/pester.log'"
stats=$("$HELPERS/nfc_ctl" "$T/ctl" stats)
check "emulator counted every card and no error" grep -qE " errors=0 .* cards_placed=$((2 * n)) " <<<"$stats"

# Paced at 115200 baud: replies trickle in over milliseconds and libnfc reads them in pieces.
spawn emu_paced "$BIN/pn532-emu" --link "$T/tty_paced" --control "$T/ctl_paced" --baud 115200
wait_for 5 test -S "$T/ctl_paced" || die "paced pn532-emu did not start"
n=$(scale 200)
out=$(timeout 40 "$HELPERS/nfc_cycles" "pn532_uart:$T/tty_paced" "$T/ctl_paced" "$n" poll 2>"$T/paced.err")
expect_eq "paced poll: $n cycles, no miss, no phantom" "$out" "cycles=$n seen=$n missed=0 phantom=0 stale=0"
