#!/usr/bin/env bash
# `make run`: kium end to end on this machine, on loopback.
#
# Initialises a hub data directory with demo data (a Kium center NWUK015 with a few generated
# children and their cards; bookings, portal accounts of every role and more facilities
# through tests/web/seed_portal.py), starts kium-hub with the web portal, a PN532 emulator
# and a kium-reader with the `sim` board profile, taps the demo cards, and shows what happened at every hop: the kiosk
# line and the feedback, the reader's journal, the hub's attendance. Then it keeps running
# so that more cards can be tapped by hand; Ctrl-C stops everything it started.
#
#   tools/run-demo.sh [BUILD_DIR]          (make run)
#   KIUM_RUN_ONCE=1 tools/run-demo.sh      stop after the demo (used by the e2e test)
#   KIUM_RUN_DIR=DIR, KIUM_PORT=PORT       where the demo keeps its files, and its hub port
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/default}
[[ $build == /* ]] || build=$root/$build
BIN=$build/bin
RUN=${KIUM_RUN_DIR:-$root/run/demo}
PORT=${KIUM_PORT:-8443}
FACILITY=NWUK015
DEVICE=NWUK015-R01
PIDS=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
stop_all() {
	local i
	# The reader first, then the emulator and the hub: nothing sees its peer vanish.
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		kill -TERM "${PIDS[i]}" 2>/dev/null
		wait "${PIDS[i]}" 2>/dev/null
	done
	PIDS=()
}
trap 'stop_all' EXIT
trap 'echo; echo "kium: stopping everything make run started"; exit 0' INT TERM

for b in kium-hub kium-reader kiumctl pn532-emu; do
	if [[ ! -x $BIN/$b ]]; then
		echo "kium: $b is not part of this build yet; the end-to-end demo needs all four of"
		echo "kium: kium-hub, kium-reader, kiumctl and pn532-emu (see README.md, Status)."
		exit 0
	fi
done

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_busy "$PORT"; then
	for p in $(seq 8444 8500); do
		port_busy "$p" || { PORT=$p; break; }
	done
fi

rm -rf "$RUN"
mkdir -p "$RUN/reader"
ctl() { "$BIN/kiumctl" --data "$RUN/hub" "$@"; }
emu() { "$BIN/pn532-emu" --control "$RUN/pn532.sock" --send "$*"; }
https() { curl -sS --cacert "$RUN/hub/ca.crt" "$@"; }
HUB=https://localhost:$PORT

say "1. the hub: data directory, private CA, demo facility, children and cards"
ctl init --hostname localhost --ip 127.0.0.1 --listen "127.0.0.1:$PORT" >/dev/null
ctl facility add "$FACILITY" --name "노원구 우리동네키움센터 15호점"
# Generated demo children (no real personal data) and their cards: 4- and 7-byte UIDs.
CHILDREN=("C001 김민수 04a1b2c3" "C002 이서연 04d5e6f7a8b9c0" "C003 박지호 1a2b3c4d")
for c in "${CHILDREN[@]}"; do
	read -r id name uid <<<"$c"
	ctl child add "$id" --name "$name" --facility "$FACILITY"
	ctl card assign "$uid" "$id"
done
ctl device add "$DEVICE" --facility "$FACILITY" --out "$RUN/reader" >/dev/null
TOKEN=$(ctl token create --role admin --label demo 2>/dev/null | tail -1)
# The web portal from the source tree, and the first city officer (generated demo account).
printf '\n[web]\nroot = %s\n' "$root/hub/web" >>"$RUN/hub/kium-hub.conf"
CITY_PW=Seoulcity2026
echo "$CITY_PW" | ctl account create-city-admin seoulcity --name "서울시 담당자" --password-stdin >/dev/null
echo "facility $FACILITY, ${#CHILDREN[@]} children with cards, reader $DEVICE provisioned"

"$BIN/kium-hub" --config "$RUN/hub/kium-hub.conf" >"$RUN/hub.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do https -o /dev/null "$HUB/healthz" 2>/dev/null && break; sleep 0.1; done
https -o /dev/null "$HUB/healthz" || { echo "kium-hub did not start:"; cat "$RUN/hub.log"; exit 1; }
echo "kium-hub listening on $HUB (log: $RUN/hub.log)"
# Demo portal data through the hub's API: bookings, accounts of every role, an application.
python3 "$root/tests/web/seed_portal.py" --url "$HUB" --ca "$RUN/hub/ca.crt" --db "$RUN/hub/hub.db" \
	--token "$TOKEN" --city seoulcity --city-password "$CITY_PW" --now "$(date +%s%3N)" \
	>"$RUN/accounts.txt" || { echo "kium: the portal's demo data could not be made"; exit 1; }
if https "$HUB/" | grep -q '<title>로그인 - 키움 포털</title>'; then
	PORTAL_OK="the sign-in page is served"
else
	PORTAL_OK="NOT served: is [web] root right in $RUN/hub/kium-hub.conf?"
fi
echo "portal at $HUB/: $PORTAL_OK"

say "2. the door: a PN532 emulator on a pty and kium-reader (board profile: sim)"
"$BIN/pn532-emu" --link "$RUN/pn532" --control "$RUN/pn532.sock" --baud 115200 \
	>"$RUN/pn532.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [[ -S $RUN/pn532.sock ]] && break; sleep 0.05; done
cat >"$RUN/reader/kium-reader.conf" <<EOF
[device]
id = $DEVICE
facility = $FACILITY
board = sim
board_dir = $root/board
center_name = 노원구 우리동네키움센터 15호점

[reader]
device = pn532_uart:$RUN/pn532

[tap]
debounce_ms = 3000

[journal]
path = $RUN/reader/journal.db

[roster]
cache = $RUN/reader/roster.db

[feedback]
backend = record
record_path = $RUN/reader/feedback.log

[kiosk]
backend = terminal
tty = $RUN/reader/kiosk.tty

[hub]
url = $HUB
ca = $RUN/reader/ca.crt
cert = $RUN/reader/device.crt
key = $RUN/reader/device.key
EOF
touch "$RUN/reader/kiosk.tty" "$RUN/reader/feedback.log"
LIBNFC_AUTO_SCAN=false "$BIN/kium-reader" --config "$RUN/reader/kium-reader.conf" \
	>"$RUN/reader.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q 'roster now at version' "$RUN/reader.log" 2>/dev/null && break; sleep 0.1; done
echo "kium-reader running (log: $RUN/reader.log, kiosk: $RUN/reader/kiosk.tty)"

# The terminal kiosk redraws whole screens; the last one, without escape sequences.
kiosk_screen() {
	python3 - "$RUN/reader/kiosk.tty" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
last = text.split("\x1b[H\x1b[2J")[-1]
last = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", last).replace("\r", "")
print("\n".join(l.rstrip() for l in last.split("\n") if l.strip()))
PY
}

# How many taps of today the hub holds for the facility.
hub_count() {
	ctl attendance --facility "$FACILITY" --date "$(TZ=Asia/Seoul date +%F)" --json 2>/dev/null |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)["taps"]))' 2>/dev/null || echo 0
}

tap() { # UID: place the card, wait for its feedback line, take it away
	local before
	before=$(wc -l <"$RUN/reader/feedback.log")
	emu place "$1" >/dev/null
	for _ in $(seq 100); do
		(($(wc -l <"$RUN/reader/feedback.log") > before)) && break
		sleep 0.05
	done
	emu remove >/dev/null
	sleep 0.3
}

say "3. taps at the door"
for c in "${CHILDREN[@]}"; do
	read -r id name uid <<<"$c"
	tap "$uid"
	printf '  %s (%s) tapped: feedback %s\n' "$name" "$uid" "$(tail -1 "$RUN/reader/feedback.log")"
done
tap deadbeef
printf '  an unregistered card (deadbeef): feedback %s\n' "$(tail -1 "$RUN/reader/feedback.log")"
sleep 3.2 # past the demo's debounce window: the next tap of C001 is a departure
tap 04a1b2c3
printf '  김민수 again: feedback %s\n' "$(tail -1 "$RUN/reader/feedback.log")"
echo "  the kiosk shows now (last screen drawn on $RUN/reader/kiosk.tty):"
kiosk_screen | sed 's/^/    | /'

say "4. the reader's journal (kium-reader --dump-journal)"
"$BIN/kium-reader" --config "$RUN/reader/kium-reader.conf" --dump-journal | sed 's/^/  /'

say "5. the hub's attendance for today (uploaded by the reader over mutual TLS)"
for _ in $(seq 100); do (($(hub_count) >= 5)) && break; sleep 0.1; done
ctl attendance --facility "$FACILITY" --date "$(TZ=Asia/Seoul date +%F)"
echo
echo "  the same over HTTPS with the admin token (GET /api/v1/facilities/$FACILITY/attendance):"
https -H "Authorization: Bearer $TOKEN" \
	"$HUB/api/v1/facilities/$FACILITY/attendance?date=$(TZ=Asia/Seoul date +%F)" |
	python3 -c 'import json, sys
for t in json.load(sys.stdin)["taps"]:
    print("   ", t["hhmm"], t["child"] or "-", t["dir"], t["result"], "clock:", t["clock"], "seq", t["seq"])'
echo "  the kiosk's view of the hub: $(kiosk_screen | grep -c '오프라인' | sed 's/^0$/online/; s/^[1-9].*/offline/')"

say "kium is running"
cat <<EOF
  Tap a card by hand:      $BIN/pn532-emu --control $RUN/pn532.sock --send "place 04a1b2c3"
                           $BIN/pn532-emu --control $RUN/pn532.sock --send remove
  Watch the kiosk:         tail -f $RUN/reader/kiosk.tty
  Today's attendance:      $BIN/kiumctl --data $RUN/hub attendance --facility $FACILITY --date $(TZ=Asia/Seoul date +%F)
  Hub API (admin token):   curl --cacert $RUN/hub/ca.crt -H "Authorization: Bearer $TOKEN" \\
                             "$HUB/api/v1/facilities/$FACILITY/attendance?date=$(TZ=Asia/Seoul date +%F)"
  Portal:                  $HUB/   ($PORTAL_OK; trust $RUN/hub/ca.crt in the browser,
                           or accept its warning). Demo accounts (generated, password after the id):
$(awk '$1 != "device" { printf "                             %-17s %-11s %s\n", $1, $2, $3 }' "$RUN/accounts.txt")
  Logs:                    $RUN/hub.log  $RUN/reader.log  $RUN/pn532.log
Press Ctrl-C to stop everything.
EOF
[[ -n ${KIUM_RUN_ONCE:-} ]] && exit 0
wait
