#!/usr/bin/env bash
# kium-hub benchmarks, one run, loopback only (see the issue's goals):
#   1. tap ingest over mutual TLS, keep-alive, batches of 100, durable commits, beside raw
#      SQLite batched inserts of the same rows (hub_sqlite_raw); 8 readers uploading at once
#      (HUB_BENCH_DEVS; the hub commits the batches of a loop round together), and 2 readers
#      as a second figure; each with the median and p99 round trip of a batch;
#   2. keep-alive GET req/s of /healthz beside nginx (started here on a loopback port from a
#      generated configuration, one worker, same ECDSA P-256 certificate, X25519, AES128-GCM)
#      serving a body of the same size;
#   3. full and resumed (session ticket) handshakes/s;
#   4. the hub's RSS with 1,000 idle keep-alive device connections.
# Prints "bench: <name> <value> <unit>" lines. Takes about a minute.
set -uo pipefail
KIUM_BUILD=${KIUM_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/${1:-build/default}}
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/hub_env.bash"
LOAD=$KIUM_BUILD/test/bench/hub_load
RAW=$KIUM_BUILD/test/bench/hub_sqlite_raw
SEED=$KIUM_BUILD/test/e2e/hub_seed
HELPERS=$KIUM_BUILD/test/e2e
SECS=${HUB_BENCH_SECONDS:-5}
DEVS=${HUB_BENCH_DEVS:-8}
BATCHES=${HUB_BENCH_BATCHES:-$((2000 / DEVS))}
ulimit -n 8192 2>/dev/null

hub_pki "$T/pki" || die "certificates"
for i in $(seq $DEVS); do hub_leaf "$T/pki" ca B$i B$i || die "device certificate"; done
for i in 1 2; do hub_leaf "$T/pki" ca C$i C$i || die "device certificate"; done
"$SEED" "$T/hub.db" facility NWUK015 "벤치 센터" >/dev/null || die "seed"
for i in $(seq $DEVS); do
	hub_seed_device "$T/hub.db" B$i NWUK015 >/dev/null || die "seed"
done
for i in 1 2; do hub_seed_device "$T/hub.db" C$i NWUK015 >/dev/null || die "seed"; done
TOKEN=$("$SEED" "$T/hub.db" token metrics) || die "seed token"
HUB_MAX_CONNS=2000 HUB_IDLE_MS=600000 HUB_HEADER_MS=10000 HUB_BODY_MS=10000 \
	HUB_LOG_LEVEL=warning hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

# 1. Ingest.
r=$("$LOAD" taps "$PORT" "$T/pki/ca.crt" "$T/pki" $DEVS "$BATCHES" 100) || echo "hub_load taps failed" >&2
hub_rate=$(echo "$r" | awk '/^taps_per_s/ {print $2}')
hub_lat=$(echo "$r" | awk '/^batch_ms/ {print $3 " / " $5}')
r=$("$RAW" "$T/raw.db" $((DEVS * BATCHES * 100)) 100) || echo "hub_sqlite_raw failed" >&2
raw_rate=${r##* }
# The same number of taps from 2 readers (C1, C2).
r2=$("$LOAD" taps "$PORT" "$T/pki/ca.crt" "$T/pki" 2 $((DEVS * BATCHES / 2)) 100 C) || echo "hub_load taps (2) failed" >&2
echo "bench: hub_ingest_taps_per_s ${hub_rate:-0} events/s ($DEVS readers; batch round trip median / p99 ${hub_lat:-?} ms)"
echo "bench: hub_ingest_2_readers_taps_per_s $(echo "$r2" | awk '/^taps_per_s/ {print $2}') events/s (batch round trip median / p99 $(echo "$r2" | awk '/^batch_ms/ {print $3 " / " $5}') ms)"
echo "bench: sqlite_raw_taps_per_s ${raw_rate:-0} events/s"
echo "bench: hub_ingest_ratio_vs_raw $(python3 -c "print(round(${hub_rate:-0} / max(${raw_rate:-1}, 1), 2))") x"

# 2. Keep-alive GET beside nginx.
body=$(hcurl "$URL/healthz")
r=$("$LOAD" get "$PORT" "$T/pki/ca.crt" "$SECS" 4 /healthz) || echo "hub_load get failed" >&2
hub_get=${r##* }
NPORT=$(free_port)
mkdir -p "$T/nginx/logs" "$T/nginx/tmp"
printf '%s' "$body" >"$T/nginx/healthz.json"
cat >"$T/nginx/nginx.conf" <<EOC
worker_processes 1;
daemon off;
master_process off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
	keepalive_requests 100000000;
	keepalive_timeout 600s;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $T/pki/server.crt;
		ssl_certificate_key $T/pki/server.key;
		ssl_protocols TLSv1.2;
		ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;
		ssl_ecdh_curve X25519:prime256v1;
		location = /healthz {
			default_type application/json;
			alias $T/nginx/healthz.json;
		}
	}
}
EOC
spawn nginx nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log"
NGINX_PID=$SPAWNED_PID
if wait_for 10 curl -sf --cacert "$T/pki/ca.crt" "https://127.0.0.1:$NPORT/healthz" -o /dev/null; then
	nbody=$(curl -s --cacert "$T/pki/ca.crt" "https://127.0.0.1:$NPORT/healthz")
	[[ ${#nbody} == "${#body}" ]] || echo "nginx body size ${#nbody} != hub ${#body}" >&2
	r=$("$LOAD" get "$NPORT" "$T/pki/ca.crt" "$SECS" 4 /healthz) || echo "hub_load get (nginx) failed" >&2
	nginx_get=${r##* }
else
	echo "nginx did not start: $(tail -3 "$T/nginx/logs/error.log" "$T/nginx.log" 2>/dev/null)" >&2
	nginx_get=0
fi
kill -TERM "$NGINX_PID" 2>/dev/null
echo "bench: hub_get_req_per_s ${hub_get:-0} req/s"
echo "bench: nginx_get_req_per_s ${nginx_get:-0} req/s"
echo "bench: hub_get_ratio_vs_nginx $(python3 -c "print(round(${hub_get:-0} / max(${nginx_get:-1}, 1), 2))") x"

# 3. Handshakes: openssl s_time as the client (its curve code is cheaper than mbedTLS's, so
# the figure is the hub's capacity rather than the client's), same curve and cipher.
s_time() { # full|resumed -> handshakes/s
	local mode=-new
	[[ $1 == resumed ]] && mode=-reuse
	timeout $((SECS + 20)) openssl s_time -connect "127.0.0.1:$PORT" $mode -time "$SECS" \
		-CAfile "$T/pki/ca.crt" -cipher ECDHE-ECDSA-AES128-GCM-SHA256 2>/dev/null |
		awk '/connections in [0-9.]+ real seconds/ {printf "%d", $1 / $4}'
}
before=$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" | grep kium_tls_handshakes_total)
echo "bench: hub_full_handshakes_per_s $(s_time full) handshakes/s"
echo "bench: hub_resumed_handshakes_per_s $(s_time resumed) handshakes/s"
after=$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" | grep kium_tls_handshakes_total)
echo "hub handshake counters before: $(echo $before) after: $(echo $after)" >&2

# 4. RSS with 1,000 idle device connections.
mkfifo "$T/hold"
"$LOAD" idle "$PORT" "$T/pki/ca.crt" "$T/pki" 1000 <"$T/hold" >"$T/idle.out" &
idle_pid=$!
exec 7>"$T/hold"
wait_for 120 grep -q '^ready' "$T/idle.out"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$HUB_PID/status")
open=$(curl -s --cacert "$T/pki/ca.crt" "$URL/healthz" >/dev/null; cat "$T/idle.out")
exec 7>&-
wait "$idle_pid"
echo "bench: hub_rss_1000_idle_kb ${rss:-0} kB ($open)" | sed 's/ (ready 1000)//'
