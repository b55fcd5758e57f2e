#!/usr/bin/env bash
# Pipelined responses stay intact when the socket fills mid-record: a client that does not
# read pipelines tens of thousands of GET /healthz so that a TLS write hits WANT_WRITE while
# more responses queue behind it; every response must arrive whole and in order (mbedTLS
# must be retried with the interrupted length, not the grown buffer).
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility F001 Test >/dev/null || die "seed facility"
HUB_IDLE_MS=10000 hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

r=$(PORT=$PORT T=$T python3 - <<'PY'
import os, socket, ssl, time
PORT = int(os.environ['PORT']); T = os.environ['T']
ctx = ssl.create_default_context(cafile=T + '/pki/ca.crt'); ctx.maximum_version = ssl.TLSVersion.TLSv1_2
# Small batches, none read back, until well past what the loopback socket holds (~3 MB of
# responses): the socket fills while the hub's output holds only a batch or two, so its
# interrupted write is short and more responses queue behind it. Then read everything.
N, BATCH = 40000, 10
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', PORT))
s = ctx.wrap_socket(s, server_hostname='localhost'); s.settimeout(10)
req = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
for i in range(N // BATCH):
    s.sendall(req * BATCH); time.sleep(0.001)
plain = bytearray(); i = ok = 0; err = ''
t0 = time.time()
while ok < N and time.time() - t0 < 20:
    j = plain.find(b'\r\n\r\n', i)
    if j >= 0:
        head = bytes(plain[i:j])
        if not head.startswith(b'HTTP/1.1 200 OK') or b'Content-Length: ' not in head:
            err = 'bad'; break
        n = int(head.split(b'Content-Length: ')[1].split(b'\r\n')[0])
        if len(plain) >= j + 4 + n:
            if not plain[j + 4:j + 4 + n].startswith(b'{"status":"ok"'):
                err = 'bad'; break
            ok += 1; i = j + 4 + n; continue
    try:
        d = s.recv(65536)
    except (OSError, ssl.SSLError):
        d = b''
    if not d:
        err = 'eof'; break
    plain += d
print(ok, N, err)
PY
)
expect_eq "all $(cut -d' ' -f2 <<<"$r") pipelined responses intact after the socket filled" "$(cut -d' ' -f1,3 <<<"$r")" "$(cut -d' ' -f2 <<<"$r") "
expect_eq "hub still serves" "$(status_of hcurl "$URL/healthz")" "200"
