# Shared by the uplink_*.sh end-to-end scripts (sourced after lib.bash and reader_lib.bash):
# a hub provisioned only with kiumctl, started on port 0; a reader configured to upload to it
# (directly or through tests/e2e/faultproxy); queries of what the hub holds.
#
#   uplink_hub_init                     $T/hub: CA, store, facility NWUK015, device NWUK015-R01
#   uplink_hub_start / _kill / _stop    HUB_PID, HUB_PORT
#   uplink_reader_config FILE URL [section.key=value...]
#   hub_taps                            "count distinct min max" of the reader's taps at the hub

ctl() { "$BIN/kiumctl" --data "$T/hub" "$@"; }

uplink_hub_init() {
	ctl init --hostname localhost --ip 127.0.0.1 >/dev/null || return 1
	# Port 0: the hub picks a free port and writes it to the port file.
	sed -i "s/^listen = .*/listen = 127.0.0.1:0/" "$T/hub/kium-hub.conf"
	printf '\n[hub]\nport_file = %s/hub.port\nidle_timeout_ms = 5000\n[log]\nlevel = warning\n' \
		"$T" >>"$T/hub/kium-hub.conf"
	ctl facility add NWUK015 --name "노원구 우리동네키움센터 15호점" >/dev/null &&
		ctl child add C001 --name 김민수 --facility NWUK015 >/dev/null &&
		ctl card assign 04a1b2c3 C001 >/dev/null &&
		ctl device add NWUK015-R01 --facility NWUK015 --out "$T/dev" >/dev/null
}

uplink_hub_start() {
	rm -f "$T/hub.port"
	spawn hub "$BIN/kium-hub" --config "$T/hub/kium-hub.conf"
	HUB_PID=$SPAWNED_PID
	wait_for 10 test -s "$T/hub.port" || return 1
	HUB_PORT=$(cat "$T/hub.port")
}

uplink_hub_kill() { kill -KILL "$HUB_PID" 2>/dev/null; wait "$HUB_PID" 2>/dev/null; }
uplink_hub_stop() { kill -TERM "$HUB_PID" 2>/dev/null; wait "$HUB_PID" 2>/dev/null; }

# A hub that comes back must come back on the same port (the reader's URL does not change).
uplink_hub_restart_same_port() {
	sed -i "s/^listen = .*/listen = 127.0.0.1:$HUB_PORT/" "$T/hub/kium-hub.conf"
	uplink_hub_start
}

uplink_reader_config() { # FILE URL overrides...
	local f=$1 url=$2
	shift 2
	reader_config "$f" reader.device="fake:$T/script" kiosk.backend=none roster.path=- \
		tap.debounce_ms=0 log.level=info hub.url="$url" hub.ca="$T/dev/ca.crt" \
		hub.cert="$T/dev/device.crt" hub.key="$T/dev/device.key" hub.backoff_min_ms=50 \
		hub.backoff_max_ms=400 hub.connect_timeout_ms=1000 hub.timeout_ms=1500 \
		hub.status_interval_ms=1000 hub.roster_interval_ms=2000 "$@"
}

hub_taps() {
	python3 - "$T/hub/hub.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(*db.execute("SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), "
                  "coalesce(max(seq), 0) FROM taps WHERE device_id = 'NWUK015-R01'").fetchone())
PY
}

# journal_state: "last_seq acked_seq" of the reader's journal.
journal_state() {
	python3 - "$T/journal.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
last = db.execute("SELECT max(coalesce((SELECT max(seq) FROM taps), 0),"
                  " (SELECT v FROM state WHERE k = 'last_seq'))").fetchone()[0]
acked = db.execute("SELECT v FROM state WHERE k = 'acked_seq'").fetchone()[0]
print(last, acked)
PY
}

# hub_has_all N: the hub holds seqs 1..N of the reader, each once.
hub_has_all() { [[ "$(hub_taps)" == "$1 $1 1 $1" ]]; }

# journal_is LAST ACKED
journal_is() { [[ "$(journal_state)" == "$1 $2" ]]; }
