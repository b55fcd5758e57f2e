#!/usr/bin/env bash
# timeout: 90
# The reader's mbedTLS uplink transport (firmware/uplink_mbedtls.c), first on its own against
# a scripted TLS 1.2 peer (Python's ssl, mutual TLS with kiumctl's certificates):
# one connection kept across requests; a chunked answer; the peer closing a kept connection
# between requests (reconnect, TLS session resumed); an answer over the cap refused; the
# hub's IP address matched against its certificate; a wrong CA, a wrong name, an unknown
# client certificate refused as EPROTO; nothing listening, a peer that never answers.
# Then the whole reader against a real kium-hub: with a wrong CA, an unknown client
# certificate or a revoked device, no tap is marked sent; with the right ones they all are.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"
. "$(dirname "$0")/uplink_env.bash"

uplink_hub_init || die "kiumctl could not provision the hub"
"$BIN/kiumctl" --data "$T/rogue" init --hostname localhost --ip 127.0.0.1 >/dev/null &&
	"$BIN/kiumctl" --data "$T/rogue" facility add NWUK015 --name "가짜" >/dev/null &&
	"$BIN/kiumctl" --data "$T/rogue" device add NWUK015-R01 --facility NWUK015 \
		--out "$T/rogue-dev" >/dev/null || die "kiumctl could not make the rogue CA"
"$BIN/kiumctl" --data "$T/other" init --hostname hub.example >/dev/null ||
	die "kiumctl could not make the other-name CA"
crt() { ls "$1"/*.crt | grep -v '/ca.crt$' | head -1; } # the hub's server certificate
key() { ls "$1"/*.key | grep -v '/ca.key$' | head -1; }
[[ -f $(crt "$T/hub") && -f $(key "$T/hub") ]] || die "no hub certificate in $T/hub"

cat >"$T/peer.py" <<'PY'
import socket, ssl, sys, threading, time
cert, key, client_ca, port_file = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(client_ca)
ctx.verify_mode = ssl.CERT_REQUIRED
ls = socket.create_server(("127.0.0.1", 0))
conns = 0
lock = threading.Lock()
def answer(c, n, head, body, extra=b""):
    line = head.split(b"\r\n", 1)[0].decode()
    path = line.split()[1]
    info = '{"path":"%s","conn":%d,"resumed":%s,"len":%d}' % (
        path, n, "true" if c.session_reused else "false", len(body))
    if path == "/chunked":
        parts = [info[:10], info[10:11], info[11:]]
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n" +
                  b"".join(b"%x\r\n%s\r\n" % (len(p), p.encode()) for p in parts) + b"0\r\n\r\n")
        return True
    if path == "/big":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9000000\r\n\r\n" + b"x" * 65536)
        return True
    if path == "/bigchunked":
        try:
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(160):
                c.sendall(b"10000\r\n" + b"y" * 65536 + b"\r\n")
        except OSError:
            pass
        return False
    close = path == "/close"
    c.sendall(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s"
               % (len(info), "Connection: close\r\n" if close else "", info)).encode())
    if path == "/drop-later":  # a keep-alive answer, then the idle connection is closed
        time.sleep(0.1)
        return False
    return not close
def serve(raw):
    global conns
    try:
        c = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    with lock:
        conns += 1
        n = conns
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            clen = 0
            for h in head.split(b"\r\n")[1:]:
                k, _, v = h.partition(b":")
                if k.strip().lower() == b"content-length":
                    clen = int(v)
            while len(buf) < clen:
                buf += c.recv(65536)
            body, buf = buf[:clen], buf[clen:]
            if not answer(c, n, head, body):
                return
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass
open(port_file + ".tmp", "w").write(str(ls.getsockname()[1]))
import os; os.rename(port_file + ".tmp", port_file)
while True:
    s, _ = ls.accept()
    threading.Thread(target=serve, args=(s,), daemon=True).start()
PY
spawn peer python3 "$T/peer.py" "$(crt "$T/hub")" "$(key "$T/hub")" "$T/dev/ca.crt" "$T/peer.port"
spawn other python3 "$T/peer.py" "$(crt "$T/other")" "$(key "$T/other")" "$T/dev/ca.crt" \
	"$T/other.port"
wait_for 10 test -s "$T/peer.port" || die "the TLS peer did not start"
wait_for 10 test -s "$T/other.port" || die "the other-name TLS peer did not start"
P=$(cat "$T/peer.port") O=$(cat "$T/other.port")
client() { # URL CA CERT KEY STEP...
	local url=$1 ca=$2 cert=$3 key=$4
	shift 4
	timeout 20 "$HELPERS/uplink_tls_client" "$url" "$ca" "$cert" "$key" 1000 3000 "$@"
}
good() { client "$1" "$T/dev/ca.crt" "$T/dev/device.crt" "$T/dev/device.key" "${@:2}"; }

out=$(good "https://localhost:$P" /a get:/b /chunked /a)
expect_eq "keep-alive: four requests, one connection, chunked answer assembled" \
	"$(awk '{ print $1, $2 }' <<<"$out" | tr '\n' ' ')" "OK 200 OK 200 OK 200 OK 200 "
expect_eq "the chunked answer is whole" "$(sed -n 3p <<<"$out" | cut -d' ' -f4-)" \
	'{"path":"/chunked","conn":1,"resumed":false,"len":10}'
expect_eq "the connection was kept" "$(grep -c '"conn":1,' <<<"$out")" 4
expect_eq "POST bodies arrive whole" "$(sed -n 1p <<<"$out" | grep -o '"len":[0-9]*')" '"len":10'

out=$(good "https://localhost:$P" /drop-later sleep:400 /a /close /a)
expect_eq "peer closed the kept connection: the next request reconnects and succeeds" \
	"$(awk '{ print $1 }' <<<"$out" | tr '\n' ' ')" "OK OK OK OK "
check "the reconnection resumed the TLS session" grep -q '"conn":[0-9]*,"resumed":true' <<<"$out"
expect_eq "Connection: close honoured (a new connection after it)" \
	"$(sed -n 4p <<<"$out" | grep -c '"resumed":true')" 1
expect_eq "three connections for those four requests" \
	"$(grep -o '"conn":[0-9]*' <<<"$out" | sort -u | wc -l)" 3

out=$(good "https://localhost:$P" /big /a)
expect_eq "an answer declared over the cap is refused, then the next request works" \
	"$(awk '{ print $1 }' <<<"$out" | tr '\n' ' ')" "EMSGSIZE OK "
expect_eq "a chunked answer over the cap is refused" \
	"$(good "https://localhost:$P" /bigchunked | awk '{ print $1 }')" "EMSGSIZE"
expect_eq "an IP address in the URL matches the certificate's iPAddress" \
	"$(good "https://127.0.0.1:$P" /a | awk '{ print $1, $2 }')" "OK 200"
expect_eq "wrong CA: EPROTO" \
	"$(client "https://localhost:$P" "$T/rogue-dev/ca.crt" "$T/dev/device.crt" \
		"$T/dev/device.key" /a | awk '{ print $1 }')" "EPROTO"
expect_eq "wrong host name: EPROTO" \
	"$(client "https://localhost:$O" "$T/other/ca.crt" "$T/dev/device.crt" \
		"$T/dev/device.key" /a | awk '{ print $1 }')" "EPROTO"
expect_eq "wrong IP address: EPROTO" \
	"$(client "https://127.0.0.1:$O" "$T/other/ca.crt" "$T/dev/device.crt" \
		"$T/dev/device.key" /a | awk '{ print $1 }')" "EPROTO"
expect_eq "a client certificate of another CA: EPROTO" \
	"$(client "https://localhost:$P" "$T/dev/ca.crt" "$T/rogue-dev/device.crt" \
		"$T/rogue-dev/device.key" /a | awk '{ print $1 }')" "EPROTO"
expect_eq "a missing key file: EPROTO" \
	"$(client "https://localhost:$P" "$T/dev/ca.crt" "$T/dev/device.crt" "$T/nothing.key" \
		/a | awk '{ print $1 }')" "EPROTO"
expect_eq "nothing listening: ECONNREFUSED" \
	"$(good "https://localhost:$(free_port)" /a | awk '{ print $1 }')" "ECONNREFUSED"
python3 -c 'import socket, sys, time
s = socket.create_server(("127.0.0.1", 0)); open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)' "$T/mute.port" &
E2E_PIDS+=($!)
wait_for 10 test -s "$T/mute.port" || die "the mute listener did not start"
t0=$(date +%s%N)
expect_eq "a peer that never answers: ETIMEDOUT" \
	"$(good "https://localhost:$(cat "$T/mute.port")" /a | awk '{ print $1 }')" "ETIMEDOUT"
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
check "within the connect timeout (1 s, under 2.5 s): ${elapsed_ms} ms" test "$elapsed_ms" -lt 2500

# The whole reader against the real hub: refused connections leave every tap waiting.
uplink_hub_start || die "kium-hub did not start"
printf 'place 04a1b2c3\nsleep 100\nplace 04a1b2c4\n' >"$T/script"
refused() { # NAME CA CERT KEY: the reader tries for a while; nothing may be marked sent
	local name=$1
	rm -f "$T/journal.db"* "$T/rec"
	uplink_reader_config "$T/r.conf" "https://localhost:$HUB_PORT" hub.ca="$2" hub.cert="$3" \
		hub.key="$4"
	spawn "reader-$name" "$BIN/kium-reader" --config "$T/r.conf"
	wait_for 15 grep -q "hub unreachable\|hub answered" "$T/reader-$name.log" ||
		fail "$name: the reader tried" "$(tail -3 "$T/reader-$name.log")"
	sleep 1
	expect_eq "$name: no tap marked sent" "$(journal_state)" "2 0"
	expect_eq "$name: the hub holds nothing" "$(hub_taps)" "0 0 0 0"
	kill -TERM "$SPAWNED_PID"
	wait "$SPAWNED_PID" 2>/dev/null
}
refused wrong_ca "$T/rogue-dev/ca.crt" "$T/dev/device.crt" "$T/dev/device.key"
check "wrong CA: the reader logged the certificate refused" \
	grep -q "certificate is refused" "$T/reader-wrong_ca.log"
refused unknown_cert "$T/dev/ca.crt" "$T/rogue-dev/device.crt" "$T/rogue-dev/device.key"
rm -f "$T/journal.db"* "$T/rec"
uplink_reader_config "$T/r.conf" "https://localhost:$HUB_PORT"
spawn reader-good "$BIN/kium-reader" --config "$T/r.conf"
check "the right CA and certificate: both taps delivered" wait_for 20 hub_has_all 2
check "and marked sent" wait_for 10 journal_is 2 2
kill -TERM "$SPAWNED_PID"
wait "$SPAWNED_PID" 2>/dev/null
ctl device revoke NWUK015-R01 >/dev/null || fail "revoke" "kiumctl device revoke failed"
sqlite3 "$T/hub/hub.db" "DELETE FROM taps" 2>/dev/null || fail "reset" "cannot clear the hub's taps"
refused revoked "$T/dev/ca.crt" "$T/dev/device.crt" "$T/dev/device.key"
