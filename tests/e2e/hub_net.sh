#!/usr/bin/env bash
# kium-hub's network face end to end, real TLS on loopback: health, metrics, routing errors,
# size limits (431, 413), malformed requests (400), header timeout (408), idle keep-alive
# close, connection cap (503), pipelining order, truncated handshakes, client-certificate
# refusals, SIGHUP log reopening and the SIGTERM drain of an in-flight request.
# timeout: 120
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" || die "seed facility"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed device"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_MAX_CONNS=4 HUB_LOG_FILE=$T/hub-file.log hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

out=$(hcurl "$URL/healthz")
expect_eq "healthz answers ok" "$(json_get "$out" 'j["status"]')" "ok"
expect_eq "unknown api path is 404 json" "$(hcurl "$URL/api/v1/nope" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["code"])')" "not_found"
# This hub has no portal files (the default web root is absent): it answers like an API-only
# hub, JSON 404s everywhere (web_static.sh checks the portal's Korean 404 page).
expect_eq "unknown path without portal files is 404 json" "$(hcurl -o /dev/null -w "%{http_code} %{content_type}" "$URL/nope")" "404 application/json"
expect_eq "wrong method is 405" "$(status_of hcurl -X DELETE "$URL/healthz")" "405"
expect_eq "metrics need a token" "$(status_of hcurl "$URL/metrics")" "401"
expect_eq "metrics refuse a bad token" "$(status_of hcurl -H "Authorization: Bearer kt1_1_nope" "$URL/metrics")" "401"
metrics=$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics")
check "metrics count requests by route and status" grep -q 'kium_http_requests_total{method="GET",route="/healthz",status="200"} 1' <<<"$metrics"
check "metrics count handshakes" grep -q 'kium_tls_handshakes_total{kind="full"}' <<<"$metrics"

# Device routes: no client certificate, a certificate of a foreign CA.
body=$(hcurl -X POST --data '{}' -H 'Content-Type: application/json' "$URL/api/v1/device/taps")
expect_eq "device route without client certificate is refused" "$(json_get "$body" 'j["error"]["code"]')" "client_certificate_required"
st=$(status_of dcurl X1 "$URL/api/v1/device/roster")
check "foreign CA certificate is refused (at TLS or 403)" test "$st" = 403 -o "$st" = 000
st=$(status_of dcurl R1 "$URL/api/v1/device/roster?since=0")
expect_eq "provisioned device is admitted" "$st" "200"

# Size limits.
big=$(head -c 5000 /dev/zero | tr '\0' a)
expect_eq "oversized header is 431" "$(status_of hcurl -H "X-Big: $big" "$URL/healthz")" "431"
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect_eq "oversized body is 413" "$(status_of dcurl R1 -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$URL/api/v1/device/taps")" "413"
expect_eq "server still serves after limits" "$(status_of hcurl "$URL/healthz")" "200"

# Raw connections: malformed, pipelined, slow header, idle close.
r=$(pyclient '
s = tls(); s.sendall(b"BLAH BLAH\r\n\r\n")
r = read_responses(s, 1); print(r[0][0] if r else 0, closed(s))')
expect_eq "malformed request is 400 then closed" "$r" "400 True"
r=$(pyclient '
s = tls()
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nDELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
print(" ".join(str(x[0]) for x in read_responses(s, 4)))')
expect_eq "pipelined requests answered in order" "$r" "200 404 405 200"
r=$(pyclient '
s = tls(); t0 = time.time(); s.sendall(b"GET /healthz HTTP/1.1\r\nHost:")
r = read_responses(s, 1, timeout=5); dt = time.time() - t0
print(r[0][0] if r else 0, closed(s), 1.0 < dt < 4.5)')
expect_eq "slow header gets 408 then close" "$r" "408 True True"
r=$(pyclient '
s = tls(); t0 = time.time(); s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12")
r = read_responses(s, 1, timeout=5); dt = time.time() - t0
print(r[0][0] if r else 0, closed(s), 1.0 < dt < 4.5)')
expect_eq "slow body gets 408 then close" "$r" "408 True True"
r=$(pyclient '
s = tls(); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
r = read_responses(s, 1); t0 = time.time(); c = closed(s, timeout=5); dt = time.time() - t0
print(r[0][0], c, 1.0 < dt < 4.5)')
expect_eq "idle keep-alive connection closed after the idle timeout" "$r" "200 True True"

# Truncated and stalled TLS handshakes do not hurt the server.
r=$(pyclient '
for i in range(5):
    s = socket.create_connection(("127.0.0.1", PORT)); s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"A" * 40); s.close()
s = socket.create_connection(("127.0.0.1", PORT)); s.sendall(b"\x16\x03\x01\x00\x05hello"); s.close()
s = socket.create_connection(("127.0.0.1", PORT)); s.sendall(b"GET / HTTP/1.1\r\n\r\n"); print(closed(s))')
expect_eq "plain HTTP on the TLS port is closed" "$r" "True"
expect_eq "server serves after truncated handshakes" "$(status_of hcurl "$URL/healthz")" "200"

# Connection cap (4): four held connections, the fifth gets 503.
r=$(pyclient '
held = [tls() for i in range(4)]
for s in held: s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); read_responses(s, 1)
s = tls(); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
r = read_responses(s, 1); print(r[0][0] if r else 0, r[0][2].decode() if r else "")
for h in held: h.close()')
expect_eq "connection over the cap gets 503" "${r%% *}" "503"
check "503 carries a JSON error code" grep -q service_unavailable <<<"$r"
wait_for 5 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' --cacert '$T/pki/ca.crt' '$URL/healthz') == 200 ]]"
expect_eq "cap frees up when connections close" "$(status_of hcurl "$URL/healthz")" "200"
check "limit violations are logged" grep -q '431 for' "$T/hub-file.log"

# SIGHUP reopens the log file.
mv "$T/hub-file.log" "$T/hub-file.log.1"
kill -HUP "$HUB_PID"
wait_for 5 test -s "$T/hub-file.log"
check "SIGHUP reopens the log file" grep -q 'log file reopened' "$T/hub-file.log"

# SIGTERM drains an in-flight request: half a body before the signal, the rest after.
pyclient '
s = tls(); s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
open(T + "/half", "w").close()
for i in range(200):
    if os.path.exists(T + "/go"): break
    time.sleep(0.02)
s.sendall(b"67890"); r = read_responses(s, 1)
print(r[0][0] if r else 0, r[0][1].get("connection") if r else "")' >"$T/drain.out" &
drain_pid=$!
wait_for 5 test -e "$T/half"
sleep 0.2
kill -TERM "$HUB_PID"
sleep 0.3
touch "$T/go"
wait "$drain_pid"
expect_eq "in-flight request answered during drain with Connection: close" "$(cat "$T/drain.out")" "405 close"
wait_for 5 bash -c "! kill -0 $HUB_PID 2>/dev/null"
check "hub exits after the drain" bash -c "! kill -0 $HUB_PID 2>/dev/null"
wait "$HUB_PID"
expect_eq "hub exit status after SIGTERM" "$?" "0"
check "drain is logged" grep -q 'draining' "$T/hub-file.log"
check "no sanitizer report" bash -c "! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' '$T/hub.log'"
