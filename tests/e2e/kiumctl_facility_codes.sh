#!/usr/bin/env bash
# kiumctl facility add takes its codes from the portal's ledger (facility_codes): kiumctl and
# the portal (POST /api/v1/facilities over HTTPS) hand out the next numbers of one sequence, a
# code is never issued twice (not even after its facility row is gone), a legacy code is kept
# only when it was never issued, and after 999 the district and type are refused.
# timeout: 30
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

K=$BIN/kiumctl
[[ -x $K ]] || die "missing kiumctl"
hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility GNUK001 "강남 키움센터 1호" >/dev/null || die "seed"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "token"
sql() { python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print("\n".join("|".join(map(str, r)) for r in c.execute(sys.argv[2]))); c.commit()' "$T/hub.db" "$1"; }
add() { "$K" --data "$T" facility add "$@" 2>"$T/err"; }

out=$(add --district NW --type UK --name "노원 1호" --kind general)
expect_eq "kiumctl issues the first code of a district and type" "$out" "facility NWUK001 added"
out=$(add --district NW --type UK --name "노원 2호")
expect_eq "and the next" "$out" "facility NWUK002 added"
expect_eq "a Kium center added with --kind has its care row" "$(sql "SELECT kind, capacity FROM facility_care WHERE facility = 'NWUK001'")" "general|0"
expect_eq "both codes are in the ledger" "$(sql "SELECT group_concat(code) FROM (SELECT code FROM facility_codes WHERE district = 'NW' ORDER BY code)")" "NWUK001,NWUK002"

add NWUK002 --name "다시" >/dev/null
expect_eq "an issued code is refused" "$? $(grep -c 'never reused' "$T/err")" "1 1"
out=$(add NWUK010 --name "기존 10호")
expect_eq "a legacy code never issued is kept" "$out" "facility NWUK010 added"
out=$(add --district NW --type UK --name "다음")
expect_eq "the next number follows the highest issued" "$out" "facility NWUK011 added"

# A facility row removed by hand: its number stays issued.
sql "DELETE FROM facilities WHERE code = 'NWUK011'" >/dev/null
out=$(add --district NW --type UK --name "그다음")
expect_eq "a removed facility's code is not issued again" "$out" "facility NWUK012 added"
add NWUK011 --name "재사용" >/dev/null
expect_eq "nor kept as a legacy code" "$?" "1"

# The portal shares the ledger.
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"
A="Authorization: Bearer $TOKEN"
body='{"name":"포털 센터","district":"NW","type":"UK","kind":"hub","dong":"상계1동","ages":"elementary","address":"서울 노원구 상계로 1","latitude":"37.65","longitude":"127.06","email":"a@example.kr","area_m2":"33"}'
out=$(hcurl -H "$A" -H 'Content-Type: application/json' --data "$body" "$URL/api/v1/facilities")
expect_eq "the portal issues the next code after kiumctl's" "$(json_get "$out" 'j["code"]')" "NWUK013"
out=$(add --district NW --type UK --name "콘솔")
expect_eq "kiumctl continues after the portal's" "$out" "facility NWUK014 added"

# 999 then refused.
out=$(add NWUK999 --name "마지막")
expect_eq "a legacy 999 is kept" "$out" "facility NWUK999 added"
add --district NW --type UK --name "넘침" >/dev/null
expect_eq "after 999 kiumctl refuses" "$? $(grep -c 'no facility numbers left' "$T/err")" "1 1"
out=$(hcurl -H "$A" -H 'Content-Type: application/json' --data "$body" -w ' %{http_code}' "$URL/api/v1/facilities")
expect_eq "and so does the portal" "$(json_get "${out% *}" 'j["error"]["code"]') ${out##* }" "facility_numbers_exhausted 409"
out=$(add --district NW --type CC --name "열린육아방")
expect_eq "another type of the district still has numbers" "$out" "facility NWCC001 added"

add --district XX --type UK --name x >/dev/null
expect_eq "an unknown district is refused" "$?" "1"
add --district NW --type CC --name x --kind hub >/dev/null
expect_eq "--kind only for Kium centers" "$?" "1"
add NWUK020 --district NW --type UK --name x >/dev/null 2>&1
expect_eq "a code and --district together is a usage error" "$?" "2"
