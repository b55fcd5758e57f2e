#!/usr/bin/env bash
# A client that sends its requests and at once shuts down its write side (the FIN arrives in
# the same read burst as the requests) still gets every response before the hub closes,
# with or without a TLS close_notify before the FIN.
# timeout: 30
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility F001 Test >/dev/null || die "seed facility"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

# halfclose NREQ NOTIFY: statuses received, then "eof" when the hub closed cleanly.
halfclose() {
	PORT=$PORT T=$T python3 - "$@" <<'PY'
import os, re, socket, ssl, sys, time
PORT = int(os.environ['PORT']); T = os.environ['T']; nreq = int(sys.argv[1]); notify = sys.argv[2] == '1'
ctx = ssl.create_default_context(cafile=T + '/pki/ca.crt'); ctx.maximum_version = ssl.TLSVersion.TLSv1_2
s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
inc = ssl.MemoryBIO(); out = ssl.MemoryBIO(); o = ctx.wrap_bio(inc, out, server_hostname='localhost')
while True:
    try:
        o.do_handshake(); break
    except ssl.SSLWantReadError:
        d = out.read()
        if d: s.sendall(d)
        inc.write(s.recv(65536))
d = out.read()
if d: s.sendall(d)
o.write(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' * (nreq - 1) +
        b'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n')
if notify:
    try:
        o.unwrap()
    except ssl.SSLWantReadError:
        pass
s.sendall(out.read()); s.shutdown(socket.SHUT_WR)
plain = b''; end = ''
while True:
    try:
        d = s.recv(65536)
    except OSError as e:
        end = 'reset'; break
    if not d:
        end = 'eof'; break
    inc.write(d)
    try:
        while True:
            x = o.read(65536)
            if not x: break
            plain += x
    except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
        pass
    except ssl.SSLError:
        end = 'tlserror'; break
print(' '.join(x.decode() for x in re.findall(rb'HTTP/1\.1 (\d{3}) ', plain)), end)
PY
}

expect_eq "one request then FIN: answered, then closed" "$(halfclose 1 0)" "404 eof"
expect_eq "three pipelined requests then FIN: all answered" "$(halfclose 3 0)" "200 200 404 eof"
expect_eq "requests, close_notify and FIN: all answered" "$(halfclose 2 1)" "200 404 eof"
expect_eq "hub still serves" "$(status_of hcurl "$URL/healthz")" "200"
