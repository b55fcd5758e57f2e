# Shared by the hub's end-to-end scripts (tests/e2e/hub_*.sh), sourced after lib.bash:
# certificates (the hub's private CA, a server certificate, device certificates, and a
# foreign CA that must be refused), a configuration with small limits, starting the hub on
# port 0 and reading the bound port from its port file, and curl with the right options.

HUB_CURL_MAX=${HUB_CURL_MAX:-10}

# hub_ca DIR NAME: an ECDSA P-256 CA in DIR/NAME.{key,crt}.
hub_ca() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$1/$2.key" 2>/dev/null &&
		openssl req -x509 -new -key "$1/$2.key" -subj "/CN=$2" -days 30 -sha256 \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign -out "$1/$2.crt" 2>/dev/null
}

# hub_leaf DIR CA NAME CN [server]: a P-256 key and certificate signed by CA.
hub_leaf() {
	local d=$1 ca=$2 name=$3 cn=$4 kind=${5:-client}
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/$name.key" 2>/dev/null || return 1
	openssl req -new -key "$d/$name.key" -subj "/CN=$cn" -out "$d/$name.csr" 2>/dev/null || return 1
	if [[ $kind == server ]]; then
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/$name.ext"
	else
		printf 'extendedKeyUsage=clientAuth\n' >"$d/$name.ext"
	fi
	openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" \
		-CAcreateserial -days 30 -sha256 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
}

# hub_serial DIR NAME: the certificate's serial in hex.
hub_serial() {
	openssl x509 -in "$1/$2.crt" -noout -serial | sed 's/^serial=//'
}

# hub_fpr DIR NAME: hex SHA-256 of the certificate's DER.
hub_fpr() {
	openssl x509 -in "$1/$2.crt" -outform DER | sha256sum | cut -d' ' -f1
}

# hub_seed_device DB ID FACILITY [CERTNAME]: registers a device with its certificate's
# serial and fingerprint (as kiumctl device add does).
hub_seed_device() {
	local c=${4:-$2}
	"$HELPERS/hub_seed" "$1" device "$2" "$3" "$(hub_serial "$T/pki" "$c")" "$(hub_fpr "$T/pki" "$c")"
}

# hub_pki DIR: ca, server, foreign CA and device certificates R1 R2 R3 R4 R9, and X1 (foreign CA,
# CN R1).
hub_pki() {
	local d=$1
	mkdir -p "$d"
	hub_ca "$d" ca && hub_ca "$d" foreign &&
		hub_leaf "$d" ca server localhost server &&
		hub_leaf "$d" ca R1 R1 && hub_leaf "$d" ca R2 R2 && hub_leaf "$d" ca R3 R3 &&
		hub_leaf "$d" foreign X1 R1 && hub_leaf "$d" ca R4 R4 && hub_leaf "$d" ca R9 R9
}

# tap_batch DEVICE SEQ:UID[:MOD] ...: a tap batch as JSON on stdout, taps at the current time.
# MOD "rawuid" keeps UID as given (for bad UIDs). Boot id and clocks are fixed test values.
tap_batch() {
	python3 - "$@" <<'PY'
import json, sys, time
dev = sys.argv[1]; now = int(time.time() * 1000); boot = "6f1c2a3e-0000-4000-8000-000000000001"
taps = []
for spec in sys.argv[2:]:
    seq, uid = spec.split(":")[:2]
    taps.append({"seq": int(seq), "uid": uid, "wall_ms": now - 1000 + int(seq), "boot_id": boot,
                 "mono_ms": 100000 + int(seq), "clock": "synced", "dir": "in", "result": "arrival"})
print(json.dumps({"device": dev, "boot_id": boot, "mono_ms": 200000, "wall_ms": now,
                  "clock": "synced", "taps": taps}))
PY
}

# hub_config FILE [extra INI lines...]: a configuration with small limits for tests.
hub_config() {
	local f=$1
	shift
	cat >"$f" <<EOC
[hub]
listen = 127.0.0.1:0
port_file = $T/port
max_connections = ${HUB_MAX_CONNS:-16}
header_timeout_ms = ${HUB_HEADER_MS:-1500}
body_timeout_ms = ${HUB_BODY_MS:-1500}
idle_timeout_ms = ${HUB_IDLE_MS:-1500}
drain_timeout_ms = 5000
max_header_bytes = 4096
max_body_bytes = 262144
silent_after_s = ${HUB_SILENT_S:-600}

[tls]
cert = $T/pki/server.crt
key = $T/pki/server.key
client_ca = $T/pki/ca.crt
${HUB_CRL:+crl = $HUB_CRL}

[store]
path = $T/hub.db

[log]
level = ${HUB_LOG_LEVEL:-info}
${HUB_LOG_FILE:+file = $HUB_LOG_FILE}
EOC
	local line
	for line in "$@"; do
		echo "$line" >>"$f"
	done
}

# hub_start CONF: starts kium-hub, waits for its port; sets HUB_PID and PORT.
hub_start() {
	rm -f "$T/port"
	spawn hub "$BIN/kium-hub" --config "$1"
	HUB_PID=$SPAWNED_PID
	wait_for 10 test -s "$T/port" || die "kium-hub did not start: $(tail -3 "$T/hub.log")"
	PORT=$(cat "$T/port")
	URL=https://127.0.0.1:$PORT
}

# hcurl ARGS...: curl trusting the hub's server certificate, quiet, bounded.
hcurl() {
	curl -sS --max-time "$HUB_CURL_MAX" --cacert "$T/pki/ca.crt" "$@"
}

# dcurl DEVICE ARGS...: hcurl with DEVICE's client certificate (R1, X1, ...).
dcurl() {
	local dev=$1
	shift
	hcurl --cert "$T/pki/$dev.crt" --key "$T/pki/$dev.key" "$@"
}

# status_of CMD...: the HTTP status a curl command line got ("000" when none).
status_of() {
	"$@" -o /dev/null -w '%{http_code}' 2>/dev/null
}

# json_get JSON EXPR: evaluates a Python expression on the parsed JSON "j".
json_get() {
	python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# pyclient SCRIPT [ARGS...]: runs a Python snippet with helpers for raw (TLS) connections:
# tls(cert=None) -> a connected ssl socket; req(s, bytes); read_responses(s, n, timeout)
# -> list of (status, headers, body); PORT, T and CA are set.
pyclient() {
	local code=$1
	shift
	PORT=$PORT T=$T python3 -c "
import os, socket, ssl, sys, time
PORT = int(os.environ['PORT']); T = os.environ['T']; CA = T + '/pki/ca.crt'
def tls(cert=None, timeout=10):
    ctx = ssl.create_default_context(cafile=CA)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if cert:
        ctx.load_cert_chain(T + '/pki/' + cert + '.crt', T + '/pki/' + cert + '.key')
    s = socket.create_connection(('127.0.0.1', PORT), timeout=timeout)
    return ctx.wrap_socket(s, server_hostname='localhost')
def read_responses(s, n, timeout=5):
    s.settimeout(timeout)
    buf = b''; out = []
    while len(out) < n:
        while True:
            i = buf.find(b'\r\n\r\n')
            if i < 0: break
            head = buf[:i].decode('latin-1').split('\r\n')
            status = int(head[0].split(' ')[1])
            hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(':', 1) for l in head[1:])}
            clen = int(hdrs.get('content-length', '0'))
            if len(buf) < i + 4 + clen: break
            body = buf[i + 4:i + 4 + clen]; buf = buf[i + 4 + clen:]
            if status != 100: out.append((status, hdrs, body))
            if len(out) == n: return out
        try:
            d = s.recv(65536)
        except (ConnectionError, ssl.SSLError, socket.timeout):
            d = b''
        if not d: break
        buf += d
    return out
def closed(s, timeout=5):
    s.settimeout(timeout)
    try:
        while True:
            d = s.recv(4096)
            if not d: return True
    except (ConnectionError, ssl.SSLError, OSError):
        return True
    except socket.timeout:
        return False
$code
" "$@"
}

# crl_ca PKI: a minimal openssl CA database (in $T/ca) around the CA of hub_pki PKI, to issue
# CRLs; gencrl [openssl ca options] writes the current CRL to $T/crl.pem.
crl_ca() {
	mkdir -p "$T/ca"
	: >"$T/ca/index.txt"
	echo 01 >"$T/ca/crlnumber"
	cat >"$T/ca/ca.cnf" <<EOC
[ca]
default_ca = test
[test]
database = $T/ca/index.txt
crlnumber = $T/ca/crlnumber
certificate = $1/ca.crt
private_key = $1/ca.key
default_md = sha256
default_crl_days = 7
EOC
}
gencrl() { openssl ca -config "$T/ca/ca.cnf" -gencrl -out "$T/crl.pem" "$@" 2>/dev/null; }
