#!/usr/bin/env bash
# Staff accounts over time and the account list, over real HTTPS with cookie jars: the city
# officer issues a dozen staff accounts and pages through them (filters, total); a staff
# member moves to another center and keeps the id, with the move in the account's history
# and the audit log; one who leaves is disabled at once (session ended, login refused);
# a parent signs up only with the phone code sent through the outbox; a 구관리자_보육반장
# sees and manages coordinators' accounts and nothing else.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
for f in "NWUK015 노원 15호" "NWUK016 노원 16호" "GNUK001 강남 1호"; do
	"$HELPERS/hub_seed" "$T/hub.db" facility ${f%% *} "${f#* }" >/dev/null || die "seed facility"
done
echo 'Cityadmin2026' | "$BIN/kiumctl" --data "$T" account create-city-admin seoulcity \
	--name "서울시 담당자" --password-stdin >/dev/null 2>&1 || die "kiumctl"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

J='Content-Type: application/json'
# req JAR METHOD PATH [JSON] -> body; status in $T/st; CSRF from the jar's token file
req() {
	local jar=$1 m=$2 path=$3 body=${4:-} csrf=
	[[ -f $T/$jar.csrf ]] && csrf=$(cat "$T/$jar.csrf")
	hcurl -X "$m" -b "$T/$jar" -c "$T/$jar" -H "$J" ${csrf:+-H "X-CSRF-Token: $csrf"} \
		${body:+--data "$body"} -o "$T/out" -w '%{http_code}' "$URL$path" >"$T/st"
	cat "$T/out"
}
login() { # JAR ID PASSWORD
	touch "$T/$1"
	rm -f "$T/$1.csrf"
	local out
	out=$(req "$1" POST /api/v1/session "{\"id\":\"$2\",\"password\":\"$3\"}")
	json_get "$out" 'j["csrf_token"]' >"$T/$1.csrf"
}
st() { cat "$T/st"; }
code() { json_get "$(cat "$T/out")" 'j["error"]["code"]'; }
field() { json_get "$(cat "$T/out")" "$1"; }
outbox_code() {
	python3 -c "
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(\"SELECT params FROM notification_outbox WHERE template = 'phone_verify' AND recipient = ? ORDER BY id DESC LIMIT 1\", (sys.argv[2],)).fetchone()
print(json.loads(row[0])['code'] if row else '')" "$T/hub.db" "$1"
}

login city seoulcity Cityadmin2026
expect_eq "the city officer logs in" "$(st)" "200"
n=$(scale 12)
((n < 6)) && n=6
for i in $(seq "$n"); do
	req city POST /api/v1/facilities/NWUK015/accounts "{\"name\":\"직원$i\",\"password\":\"Center2026a\",\"password_confirm\":\"Center2026a\"}" >/dev/null
	[[ $(st) == 201 ]] || fail "staff account $i" "$(st) $(cat "$T/out")"
done
req city POST /api/v1/facilities/GNUK001/accounts '{"name":"강남직원","password":"Center2026a","password_confirm":"Center2026a"}' >/dev/null

# The account list: filters and pages.
req city GET "/api/v1/accounts?district=NW&per_page=5" >/dev/null
expect_eq "NW staff: the total and the pages" "$(st) $(field 'j["total"], j["pages"], len(j["accounts"])')" "200 ($n, $(((n + 4) / 5)), 5)"
req city GET "/api/v1/accounts?district=NW&per_page=5&page=$(((n + 4) / 5))" >/dev/null
expect_eq "the last page holds the rest, the oldest last" "$(field 'len(j["accounts"]), j["accounts"][-1]["id"]')" "($((n - (n - 1) / 5 * 5)), 'NWUK015001')"
req city GET "/api/v1/accounts?q=%EC%A7%81%EC%9B%902" >/dev/null
expect_eq "a search by name" "$(field 'sorted(a["name"] for a in j["accounts"])[0]')" "직원2"
req city GET "/api/v1/accounts?per_page=500" >/dev/null
expect_eq "a page of more than 100 is refused" "$(st) $(code)" "400 bad_paging"

# A move keeps the id; the history and the audit log have it.
req city POST /api/v1/accounts/NWUK015003/facility '{"facility":"NWUK016","reason":"인력 재배치"}' >/dev/null
expect_eq "staff move to another center" "$(st) $(field 'j["facility"]')" "200 NWUK016"
req city GET /api/v1/accounts/NWUK015003 >/dev/null
expect_eq "the id stays and the history shows the move" "$(field 'j["id"], j["facility"], [(h["from"], h["to"], h["reason"]) for h in j["facility_history"]]')" "('NWUK015003', 'NWUK016', [('NWUK015', 'NWUK016', '인력 재배치')])"
req city GET /api/v1/accounts?facility=NWUK016 >/dev/null
expect_eq "the new center lists the account" "$(field 'j["total"]')" "1"
req city POST /api/v1/accounts/NWUK015003/facility '{"facility":"GNUK002","reason":"x"}' >/dev/null
expect_eq "an unknown facility is refused" "$(st)" "404"
req city POST /api/v1/facilities/NWUK015/accounts '{"name":"새직원","password":"Center2026a","password_confirm":"Center2026a"}' >/dev/null
expect_eq "the moved account's number is not issued again" "$(field 'j["id"]')" "NWUK015$(printf %03d $((n + 1)))"
req city GET '/api/v1/audit?action=POST%20/api/v1/accounts/%7Bid%7D/facility' >/dev/null
expect_eq "the move is in the audit log" "$(field '[(e["actor"], e["target"], e["status"]) for e in j["entries"]][-1]')" "('seoulcity', 'NWUK015003 NWUK015->NWUK016', 200)"

# Leaving: disabled at once.
req city PUT /api/v1/accounts/NWUK015004/roles '{"roles":[{"role":"center","type":"UK"}]}' >/dev/null
login staff NWUK015004 Center2026a
req staff POST /api/v1/session/password '{"current_password":"Center2026a","password":"Staff2026new","password_confirm":"Staff2026new"}' >/dev/null
login staff NWUK015004 Staff2026new
req staff GET /api/v1/session >/dev/null
expect_eq "a staff member works" "$(st)" "200"
req city POST /api/v1/accounts/NWUK015004/leave '{"reason":"2026-11-30 퇴사"}' >/dev/null
expect_eq "the officer records the leaving" "$(st) $(field 'j["left"]')" "200 True"
req staff GET /api/v1/session >/dev/null
expect_eq "the session ended with it" "$(st)" "401"
login staff NWUK015004 Staff2026new
expect_eq "and the login is refused" "$(st) $(code)" "403 account_disabled"
req city GET '/api/v1/accounts?left=true' >/dev/null
expect_eq "the list shows who left" "$(field '[a["id"] for a in j["accounts"]]')" "['NWUK015004']"

# A parent signs up with the phone code.
touch "$T/anon"
req anon POST /api/v1/signup/parent '{"id":"mom01","password":"Parent2026ok","password_confirm":"Parent2026ok","name":"김엄마","phone":"010-3333-4444","phone_code":"000000"}' >/dev/null
expect_eq "a parent without a sent code is refused" "$(st) $(code)" "400 phone_code_invalid"
req anon POST /api/v1/phone-verification '{"phone":"010-3333-4444"}' >/dev/null
pc=$(outbox_code 01033334444)
expect_eq "the code goes to the phone through the outbox" "${#pc}" "6"
req anon POST /api/v1/signup/parent "{\"id\":\"mom01\",\"password\":\"Parent2026ok\",\"password_confirm\":\"Parent2026ok\",\"name\":\"김엄마\",\"phone\":\"010-3333-4444\",\"phone_code\":\"$pc\"}" >/dev/null
expect_eq "the parent signs up with it" "$(st)" "201"
login mom mom01 Parent2026ok
expect_eq "and logs in without a forced change" "$(st) $(field 'j["must_change_password"]')" "200 False"

# 구관리자_보육반장: coordinators of the district only.
req city PUT /api/v1/accounts/NWUK015005/roles '{"roles":[{"role":"coordinator"}]}' >/dev/null
expect_eq "the city makes a coordinator" "$(st)" "200"
req city PUT /api/v1/accounts/NWUK015006/roles '{"roles":[{"role":"coordinator_district"}]}' >/dev/null
expect_eq "and a 구관리자_보육반장" "$(st) $(field '[r["name"] for r in j["roles"]]')" "200 ['구관리자_보육반장']"
login co NWUK015006 Center2026a
req co POST /api/v1/session/password '{"current_password":"Center2026a","password":"Coord2026new","password_confirm":"Coord2026new"}' >/dev/null
login co NWUK015006 Coord2026new
req co GET /api/v1/accounts >/dev/null
expect_eq "who lists only the district's coordinators" "$(st) $(field '[a["id"] for a in j["accounts"]]')" "200 ['NWUK015005']"
req co GET /api/v1/accounts/NWUK015001 >/dev/null
expect_eq "cannot read other staff" "$(st) $(code)" "403 out_of_scope"
req co POST /api/v1/accounts/NWUK015005/enabled '{"enabled":false}' >/dev/null
expect_eq "disables a coordinator" "$(st)" "200"
req co POST /api/v1/accounts/NWUK015001/enabled '{"enabled":false}' >/dev/null
expect_eq "but not other staff" "$(st) $(code)" "403 out_of_scope"
req co GET /api/v1/facilities >/dev/null
expect_eq "and sees no facilities" "$(st) $(code)" "403 forbidden"
req co GET /api/v1/children/C1 >/dev/null
expect_eq "nor children" "$(st) $(code)" "403 forbidden"
