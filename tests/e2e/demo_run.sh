#!/usr/bin/env bash
# timeout: 180
# `make run` keeps working: the demo (tools/run-demo.sh) provisions a hub, starts it, the
# PN532 emulator and a reader, taps the demo cards and shows every hop. Run once, here.
. "$(dirname "$0")/lib.bash"

out=$(KIUM_RUN_ONCE=1 KIUM_RUN_DIR="$T/demo" KIUM_PORT=$(free_port) \
	bash "$KIUM_ROOT/tools/run-demo.sh" "$KIUM_BUILD" 2>&1)
rc=$?
printf '%s\n' "$out" >"$T/demo.out"
expect_eq "the demo ends cleanly" "$rc" 0
check "arrivals fed back at the door" grep -q '김민수 (04a1b2c3) tapped: feedback .* arrival 1 04a1b2c3' "$T/demo.out"
check "a 7-byte card" grep -q '이서연 (04d5e6f7a8b9c0) tapped: feedback .* arrival 2' "$T/demo.out"
check "the unregistered card is recorded as unknown" grep -q 'unregistered card (deadbeef): feedback .* unknown 4' "$T/demo.out"
check "the second tap is a departure" grep -q '김민수 again: feedback .* departure 5' "$T/demo.out"
check "the kiosk shows the masked name and 하원" grep -q '하원' "$T/demo.out"
check "the journal holds 5 taps" test "$(grep -c '^  {"seq":' "$T/demo.out")" -eq 5
check "the hub holds all 5 taps (kiumctl)" grep -q '^5건' "$T/demo.out"
check "the attendance API answers over HTTPS with the token" grep -q 'C001 out departure' "$T/demo.out"
check "the kiosk is online once the hub has everything" grep -q "kiosk's view of the hub: online" "$T/demo.out"
check "it prints how to tap by hand and the portal URL" grep -q 'Tap a card by hand.*--send "place' "$T/demo.out"
# ([k] keeps the pattern from matching the checking shell's own command line)
check "no process is left running" bash -c "! pgrep -f '[k]ium-hub --config $T/demo|[k]ium-reader --config $T/demo|[p]n532-emu --link $T/demo' >/dev/null"
