#!/usr/bin/env bash
# Another process (kiumctl) holding the store's write lock does not stall the single-threaded
# hub: a tap upload gets a quick 503 store_unavailable with Retry-After instead of waiting,
# /healthz answers at once meanwhile, and uploads succeed again after the lock is released.
# timeout: 30
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility F001 Test >/dev/null || die "seed facility"
hub_seed_device "$T/hub.db" R1 F001 >/dev/null || die "seed device"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"
tap_batch R1 1:04A1B2C3 >"$T/b1"
tap_batch R1 2:04A1B2C4 >"$T/b2"
expect_eq "upload before the lock" "$(status_of dcurl R1 -H 'Content-Type: application/json' --data-binary @"$T/b1" "$URL/api/v1/device/taps")" "200"

cat >"$T/lock.py" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN IMMEDIATE'); open(sys.argv[2], 'w').close(); time.sleep(2.5); c.execute('ROLLBACK')
PY
spawn lock python3 "$T/lock.py" "$T/hub.db" "$T/locked"
LOCK_PID=$SPAWNED_PID
wait_for 5 test -e "$T/locked" || die "lock not taken"
dcurl R1 -D "$T/h2" -o "$T/o2" -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
	--data-binary @"$T/b2" "$URL/api/v1/device/taps" >"$T/r2" &
up=$!
sleep 0.05
hz=$(hcurl -o /dev/null -w '%{http_code} %{time_total}' "$URL/healthz")
wait $up
read -r st t <"$T/r2"
expect_eq "upload while locked is 503" "$st" "503"
check "upload while locked answered within 1 s (took ${t}s)" python3 -c "import sys; sys.exit(not float('$t') < 1.0)"
check "503 carries Retry-After" grep -qi '^Retry-After:' "$T/h2"
check "503 says store_unavailable" grep -q store_unavailable "$T/o2"
read -r hst ht <<<"$hz"
expect_eq "healthz while locked" "$hst" "200"
check "healthz while locked answered within 0.5 s (took ${ht}s)" python3 -c "import sys; sys.exit(not float('$ht') < 0.5)"
wait "$LOCK_PID"
expect_eq "upload after release is 200" "$(status_of dcurl R1 -H 'Content-Type: application/json' --data-binary @"$T/b2" "$URL/api/v1/device/taps")" "200"
