#!/usr/bin/env bash
# timeout: 60
# The reader and the hub over IPv6 loopback: a hub listening on [::1] with a certificate that
# names ::1, a reader whose [hub] url is https://[::1]:PORT. Its taps arrive once each and are
# marked sent; the hub's certificate is matched against the IPv6 address (a hub whose
# certificate names only 127.0.0.1 is refused, nothing marked sent); a url with a bad IPv6
# literal is refused at start with the reason.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' ||
	die "this machine has no IPv6 loopback"

# hub6_init DIR IP: a hub store and CA in DIR whose certificate names localhost and IP,
# listening on [::1] on a port of its choosing; facility NWUK015, device NWUK015-R01 in DIR/dev.
hub6_init() {
	local d=$1 ip=$2 k=("$BIN/kiumctl" --data "$1")
	"${k[@]}" init --hostname localhost --ip "$ip" >/dev/null || return 1
	sed -i "s/^listen = .*/listen = [::1]:0/" "$d/kium-hub.conf"
	printf '\n[hub]\nport_file = %s/hub.port\n[log]\nlevel = info\n' "$d" >>"$d/kium-hub.conf"
	"${k[@]}" facility add NWUK015 --name "노원구 우리동네키움센터 15호점" >/dev/null &&
		"${k[@]}" child add C001 --name 김민수 --facility NWUK015 >/dev/null &&
		"${k[@]}" card assign 04a1b2c3 C001 >/dev/null &&
		"${k[@]}" device add NWUK015-R01 --facility NWUK015 --out "$d/dev" >/dev/null
}

hub6_start() { # DIR NAME: sets PORT6
	rm -f "$1/hub.port"
	spawn "$2" "$BIN/kium-hub" --config "$1/kium-hub.conf"
	wait_for 10 test -s "$1/hub.port" || return 1
	PORT6=$(cat "$1/hub.port")
}

taps_at() { # DIR: "count distinct min max" of the reader's taps held by that hub
	python3 - "$1/hub.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(*db.execute("SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), "
                  "coalesce(max(seq), 0) FROM taps WHERE device_id = 'NWUK015-R01'").fetchone())
PY
}

hub6_init "$T/h6" ::1 || die "kiumctl could not provision the IPv6 hub"
hub6_init "$T/h4" 127.0.0.1 || die "kiumctl could not provision the IPv4-named hub"
printf 'place 04a1b2c3\nsleep 100\nplace 04a1b2c4\nsleep 100\nplace 0a0b0c0d\n' >"$T/script"

# A certificate that does not name ::1: refused, nothing marked sent.
hub6_start "$T/h4" hub4 || die "the IPv4-named hub did not start on [::1]"
uplink_reader_config "$T/r.conf" "https://[::1]:$PORT6" hub.ca="$T/h4/dev/ca.crt" \
	hub.cert="$T/h4/dev/device.crt" hub.key="$T/h4/dev/device.key"
spawn reader-wrongip "$BIN/kium-reader" --config "$T/r.conf"
check "a hub certificate without ::1: the reader refuses it" \
	wait_for 15 grep -q "certificate is refused" "$T/reader-wrongip.log"
sleep 1
expect_eq "and marks no tap sent" "$(journal_state)" "3 0"
expect_eq "and the hub holds none" "$(taps_at "$T/h4")" "0 0 0 0"
kill -TERM "$SPAWNED_PID"
wait "$SPAWNED_PID" 2>/dev/null

# The right certificate: every tap arrives once and is marked sent.
hub6_start "$T/h6" hub6 || die "the IPv6 hub did not start on [::1]"
check "the hub listens on [::1] only" \
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6); s.connect(("::1", int(sys.argv[1]))); s.close()
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1); sys.exit(1)
except OSError:
    pass' "$PORT6"
rm -f "$T/journal.db"* "$T/rec"
uplink_reader_config "$T/r.conf" "https://[::1]:$PORT6" hub.ca="$T/h6/dev/ca.crt" \
	hub.cert="$T/h6/dev/device.crt" hub.key="$T/h6/dev/device.key"
spawn reader-v6 "$BIN/kium-reader" --config "$T/r.conf"
has_three() { [[ "$(taps_at "$T/h6")" == "3 3 1 3" ]]; }
wait_for 20 has_three
expect_eq "over [::1]: the hub holds taps 1..3 once each" "$(taps_at "$T/h6")" "3 3 1 3"
check "and the reader marked all three sent" wait_for 10 journal_is 3 3
check "the hub logged the IPv6 peer" grep -q "::1" "$T/hub6.log"
kill -TERM "$SPAWNED_PID"
wait "$SPAWNED_PID" 2>/dev/null

# A url with a broken IPv6 literal: refused at start with the reason.
uplink_reader_config "$T/bad.conf" "https://[::1:$PORT6" hub.ca="$T/h6/dev/ca.crt" \
	hub.cert="$T/h6/dev/device.crt" hub.key="$T/h6/dev/device.key"
spawn reader-bad "$BIN/kium-reader" --config "$T/bad.conf"
check "a broken IPv6 url: the reader says what a url must be" \
	wait_for 10 grep -q "url must be https://host:port" "$T/reader-bad.log"
