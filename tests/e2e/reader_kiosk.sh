#!/usr/bin/env bash
# The terminal kiosk rendered in tmux: kium-reader draws on the pane's terminal, the test
# reads the screen back with capture-pane after each tap through pn532-emu: idle screen,
# arrival (masked name, 등원, time), duplicate, unknown card, departure, the reader fault
# while unplugged, and the offline badge with the number of taps waiting.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"

command -v tmux >/dev/null || die "tmux is not installed (make deps)"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
TMUX_SOCK=$T/tmux.sock
tm() { tmux -u -S "$TMUX_SOCK" "$@"; }
kiosk_cleanup() {
	tm kill-server 2>/dev/null
	e2e_cleanup
}
trap kiosk_cleanup EXIT

spawn emu "$BIN/pn532-emu" --link "$T/tty" --control "$T/ctl" --baud 115200
wait_for 5 test -S "$T/ctl" || die "pn532-emu did not start"
ctl() { "$HELPERS/nfc_ctl" "$T/ctl" "$@" >/dev/null; }

reader_roster "$T/roster.txt"
reader_config "$T/k.conf" kiosk.backend=terminal kiosk.tty= kiosk.idle_return_ms=2500 \
	tap.debounce_ms=800
tm new-session -d -s kiosk -x 80 -y 24 \
	"LIBNFC_AUTO_SCAN=false exec '$BIN/kium-reader' --config '$T/k.conf' 2>'$T/reader.log'" ||
	die "tmux did not start"
# The reader (exec'd as the pane's process) and the tmux server end with the test.
E2E_PIDS+=("$(tm display -p -t kiosk '#{pane_pid}')" "$(tm display -p '#{pid}')")
wait_for 10 grep -q "ready" "$T/reader.log" || die "reader did not start"

screen() { tm capture-pane -p -t kiosk; }
shows() { screen | grep -qF -- "$1"; }

tap() {
	local n r
	n=$(rec_count)
	r=$(log_count "card removed")
	ctl "place $1"
	wait_for 8 rec_more "$n" || return 1
	ctl remove
	wait_for 5 log_more "card removed" "$r"
}

check "idle screen: center name" wait_for 5 shows "노원구 우리동네키움센터 15호점"
check "idle screen: asks for a card" wait_for 5 shows "카드를 대 주세요"
before=$(TZ=Asia/Seoul date +%H:%M)
tap 04a1b2c3
after=$(TZ=Asia/Seoul date +%H:%M)
shows_time() { shows "등원  $before" || shows "등원  $after"; }
check "arrival: masked name" wait_for 5 shows "김*수"
check "arrival: 등원" wait_for 5 shows "등원"
check "arrival: Seoul time of the tap" wait_for 5 shows_time
check "arrival: raw name never shown" bash -c "! tmux -u -S '$TMUX_SOCK' capture-pane -p -t kiosk | grep -q 김민수"
check "badge: offline, 1 tap waiting" wait_for 5 shows "오프라인 · 전송 대기 1건"
tap 04a1b2c3
check "duplicate" wait_for 5 shows "이미 찍었어요"
tap deadbeef
check "unknown card" wait_for 5 shows "등록되지 않은 카드입니다"
check "unknown card: tell a teacher" wait_for 5 shows "선생님께 알려주세요"
sleep 0.9
tap 04a1b2c3
check "departure: 하원" wait_for 5 shows "하원"
check "badge: 3 taps waiting" wait_for 5 shows "전송 대기 3건"
check "back to the idle screen after idle_return_ms" wait_for 6 shows "카드를 대 주세요"
ctl "fault unplug"
check "reader fault screen" wait_for 10 shows "카드 리더기가 응답하지 않습니다"
ctl replug
check "reader back: fault screen cleared" wait_for 10 bash -c "! tmux -u -S '$TMUX_SOCK' capture-pane -p -t kiosk | grep -q 리더기"
screen >"$T/last-screen.txt"
