#!/usr/bin/env bash
# Out of file descriptors: with a low descriptor limit and more clients than it allows, the
# hub pauses accepting instead of spinning on its listener, keeps serving the connections it
# has, and accepts again once descriptors are free.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" >/dev/null || die "seed"
HUB_MAX_CONNS=200 HUB_IDLE_MS=20000 HUB_HEADER_MS=20000 hub_config "$T/hub.conf"
( ulimit -n 32; exec "$BIN/kium-hub" --config "$T/hub.conf" ) >"$T/hub.log" 2>&1 &
HUB_PID=$!
E2E_PIDS+=("$HUB_PID")
wait_for 10 test -s "$T/port" || die "kium-hub did not start: $(tail -3 "$T/hub.log")"
PORT=$(cat "$T/port")
URL=https://127.0.0.1:$PORT
cpu() { awk '{print $14 + $15}' "/proc/$HUB_PID/stat"; }

pyclient '
held = [tls() for i in range(3)]
raw = [socket.create_connection(("127.0.0.1", PORT)) for i in range(60)]
open(T + "/full", "w").close()
for i in range(300):
    if os.path.exists(T + "/release"): break
    time.sleep(0.02)
ok = 0
for s in held:
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); r = read_responses(s, 1); ok += bool(r and r[0][0] == 200)
for s in raw: s.close()
print(ok)' >"$T/fds.out" &
client=$!
wait_for 10 test -e "$T/full" || die "client did not connect"
sleep 0.3
c0=$(cpu)
sleep 1
c1=$(cpu)
touch "$T/release"
wait "$client"
expect_eq "held connections served while out of descriptors" "$(cat "$T/fds.out")" "3"
check "accepts paused when out of descriptors" grep -q 'pausing accepts' "$T/hub.log"
check "no busy loop while out of descriptors (under 0.3 s CPU in 1 s)" test $((c1 - c0)) -lt 30
wait_for 10 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/pki/ca.crt' '$URL/healthz') == 200 ]]"
expect_eq "accepts again once descriptors are free" "$(status_of hcurl "$URL/healthz")" "200"
