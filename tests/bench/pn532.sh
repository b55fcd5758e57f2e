#!/usr/bin/env bash
# pn532-emu latency through libnfc's real pn532_uart driver, unpaced and paced at 115200 baud
# (tests/bench/pn532_bench.c): select, tap -> UID while InAutoPoll waits, removal -> gone.
. "$(dirname "$0")/../e2e/lib.bash"

export LIBNFC_AUTO_SCAN=false
taps=${PN532_BENCH_TAPS:-100}
status=0
for baud in none 115200; do
	args=()
	label=emu
	if [[ $baud != none ]]; then
		args=(--baud "$baud")
		label=emu_$baud
	fi
	spawn "emu_$baud" "$BIN/pn532-emu" --link "$T/tty_$baud" --control "$T/ctl_$baud" "${args[@]}"
	wait_for 5 test -S "$T/ctl_$baud" || { echo "pn532-emu did not start" >&2; exit 1; }
	"$KIUM_BUILD/test/bench/pn532_bench" "pn532_uart:$T/tty_$baud" "$T/ctl_$baud" "$taps" "$label" || status=1
done
exit $status
