#!/usr/bin/env bash
# timeout: 60
# The uplink sets up mbedTLS (keys, certificates) at its first request, not at start. A
# reader whose hub is down at start records taps and shows the offline badge with the number
# waiting (the terminal kiosk, read back from tmux); when the hub comes up on the configured
# port the same process delivers every tap over mutual TLS and the badge goes away.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

command -v tmux >/dev/null || die "tmux is not installed (make deps)"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
TMUX_SOCK=$T/tmux.sock
tm() { tmux -u -S "$TMUX_SOCK" "$@"; }
lazy_cleanup() {
	tm kill-server 2>/dev/null
	e2e_cleanup
}
trap lazy_cleanup EXIT

uplink_hub_init || die "kiumctl could not provision the hub"
HUB_PORT=$(free_port)
sed -i "s/^listen = .*/listen = 127.0.0.1:$HUB_PORT/" "$T/hub/kium-hub.conf"

# Three taps while the hub is down, then nothing (the fake reader idles).
printf 'place 04a1b2c3\nsleep 200\nplace 04a1b2c4\nsleep 200\nplace 04a1b2c5\n' >"$T/script"
uplink_reader_config "$T/r.conf" "https://localhost:$HUB_PORT" kiosk.backend=terminal \
	kiosk.tty= roster.path="$T/roster.txt"
reader_roster "$T/roster.txt"
tm new-session -d -s kiosk -x 80 -y 24 \
	"exec '$BIN/kium-reader' --config '$T/r.conf' 2>'$T/reader.log'" ||
	die "tmux did not start"
# The reader (exec'd as the pane's process) and the tmux server end with the test.
E2E_PIDS+=("$(tm display -p -t kiosk '#{pane_pid}')" "$(tm display -p '#{pid}')")
screen() { tm capture-pane -p -t kiosk; }
shows() { screen | grep -qF -- "$1"; }
reader_pid() { tm list-panes -t kiosk -F '#{pane_pid}'; }

check "three taps recorded with the hub down" wait_for 15 rec_more 2
check "the uplink tried and found the hub unreachable" \
	wait_for 10 grep -q "hub unreachable" "$T/reader.log"
check "badge: offline, 3 taps waiting" wait_for 10 shows "오프라인 · 전송 대기 3건"
pid=$(reader_pid)
check "mbedTLS is in the reader process, OpenSSL is not" \
	bash -c "grep -q libmbedtls /proc/$pid/maps && ! grep -q libssl /proc/$pid/maps"
uplink_hub_start || die "kium-hub did not start"
check "the same reader delivers the 3 taps once the hub is up" wait_for 20 hub_has_all 3
check "the journal is acknowledged to the end" wait_for 10 journal_is 3 3
check "the reader logged the recovery" wait_for 10 grep -q "hub reachable again" "$T/reader.log"
check "badge: gone once everything is delivered" \
	wait_for 10 bash -c "! tmux -u -S '$TMUX_SOCK' capture-pane -p -t kiosk | grep -q 오프라인"
expect_eq "still the same reader process" "$(reader_pid)" "$pid"
screen >"$T/last-screen.txt"
