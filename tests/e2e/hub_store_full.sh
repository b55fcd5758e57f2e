#!/usr/bin/env bash
# A store that cannot write (here: the hub runs under a file size limit, as a full disk
# would behave): a batch that does not fit is answered 503 store_unavailable with
# Retry-After, nothing of it is stored, the acknowledged sequence does not move, the hub
# keeps serving, and small batches that fit still go through.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" >/dev/null || die "seed"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "token"
hub_config "$T/hub.conf"
# Room for a few pages of write-ahead log, in 1 KiB blocks. The limit counts per file; the
# database file is only read here (no checkpoint runs with so small a log), so its own size,
# which grows with the schema, must not widen the log's room.
limit=64
( ulimit -f "$limit"; exec "$BIN/kium-hub" --config "$T/hub.conf" ) >"$T/hub.log" 2>&1 &
HUB_PID=$!
E2E_PIDS+=("$HUB_PID")
wait_for 10 test -s "$T/port" || die "kium-hub did not start: $(tail -3 "$T/hub.log")"
PORT=$(cat "$T/port")
URL=https://127.0.0.1:$PORT
JSON=(-H 'Content-Type: application/json')
today=$(python3 -c 'import time; print(time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600)))')
count() { json_get "$(hcurl -H "Authorization: Bearer $TOKEN" "$URL/api/v1/facilities/NWUK015/attendance?date=$today")" 'len(j["taps"])'; }

out=$(dcurl R1 "${JSON[@]}" --data-binary "$(tap_batch R1 1:04a1b2c3 2:04a1b2c3)" "$URL/api/v1/device/taps")
expect_eq "a small batch fits" "$(json_get "$out" 'j["acked_seq"]')" "2"
tap_batch R1 $(seq -f '%g:04a1b2c3' 3 1002) >"$T/big.json"
dcurl R1 "${JSON[@]}" --data-binary @"$T/big.json" -D "$T/head" -o "$T/body" "$URL/api/v1/device/taps"
expect_eq "a batch the store cannot write is 503 store_unavailable" "$(head -1 "$T/head" | cut -d' ' -f2) $(json_get "$(cat "$T/body")" 'j["error"]["code"]')" "503 store_unavailable"
check "503 says when to retry" grep -qi '^Retry-After:' "$T/head"
expect_eq "nothing of the failed batch is stored" "$(count)" "2"
out=$(dcurl R1 "${JSON[@]}" --data-binary "$(tap_batch R1 3:04a1b2c3)" "$URL/api/v1/device/taps")
expect_eq "the next small batch goes on from the last acknowledged seq" "$(json_get "$out" '(j["acked_seq"], j["results"][0]["status"])')" "(3, 'stored')"
expect_eq "hub still serves" "$(status_of hcurl "$URL/healthz")" "200"
check "the failure is logged" grep -q 'tap ingest for R1 failed' "$T/hub.log"
