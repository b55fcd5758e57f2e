#!/usr/bin/env bash
# timeout: 180
# `make run` serves the web portal: the demo (tools/run-demo.sh, run once) prints the portal
# URL, that URL answers the sign-in page, and every demo account it prints signs in (the
# parent sees the linked child, the center its unknown card offered for registration).
. "$(dirname "$0")/lib.bash"

port=$(free_port)
KIUM_RUN_ONCE=1 KIUM_RUN_DIR="$T/demo" KIUM_PORT=$port \
	bash "$KIUM_ROOT/tools/run-demo.sh" "$KIUM_BUILD" >"$T/demo.out" 2>&1
expect_eq "the demo ends cleanly" "$?" 0
check "it checked that the portal URL serves the sign-in page" grep -q "portal at https://localhost:$port/: the sign-in page is served" "$T/demo.out"
check "it prints the portal URL" grep -q "Portal: *https://localhost:$port/" "$T/demo.out"
for role in city district center parent; do
	check "it prints a $role account" grep -qE "^ +$role +[A-Za-z0-9]+ +[A-Za-z0-9]+$" "$T/demo.out"
done

# The demo stopped with KIUM_RUN_ONCE; start its hub again with the same files.
"$BIN/kium-hub" --config "$T/demo/hub/kium-hub.conf" >"$T/hub.log" 2>&1 &
E2E_PIDS+=($!)
c() { curl -sS --max-time 10 --cacert "$T/demo/hub/ca.crt" "$@"; }
wait_for 10 c -o /dev/null "https://localhost:$port/healthz" || die "the demo hub did not restart"
check "the portal's sign-in page" bash -c "curl -sS --cacert '$T/demo/hub/ca.crt' https://localhost:$port/ | grep -q '로그인 - 키움 포털'"
check "the portal's script" bash -c "curl -sS --cacert '$T/demo/hub/ca.crt' https://localhost:$port/js/login.js | grep -q 'api/v1/session'"
while read -r role id pw; do
	[[ $role == device ]] && continue
	st=$(c -o "$T/login.json" -w '%{http_code}' -c "$T/$role.jar" -H 'Content-Type: application/json' \
		--data "{\"id\":\"$id\",\"password\":\"$pw\"}" "https://localhost:$port/api/v1/session")
	want=200
	[[ $role == district-pending ]] && want=403 # waits for the city's approval
	expect_eq "demo account $role ($id) signs in as printed" "$st" "$want"
done <"$T/demo/accounts.txt"
out=$(c -b "$T/parent.jar" "https://localhost:$port/api/v1/my/children")
expect_eq "the demo parent sees the linked child" \
	"$(python3 -c 'import json,sys; print([x["id"] for x in json.loads(sys.argv[1])["children"]])' "$out")" "['C001']"
out=$(c -b "$T/center.jar" "https://localhost:$port/api/v1/facilities/NWUK015/cards")
expect_eq "the demo center is offered the unknown card the demo tapped" \
	"$(python3 -c 'import json,sys; print([u["uid"] for u in json.loads(sys.argv[1])["unknown"]])' "$out")" "['deadbeef']"
