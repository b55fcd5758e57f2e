#!/usr/bin/env bash
# Facilities over real HTTPS with curl cookie jars: a district officer registers a facility
# (the hub issues NWUK001, capacity from the floor area), CSRF is enforced, another district's
# facility and district are refused, a capacity change is proposed, a rejection without a
# reason refused, the approval changes the capacity the booking rules read (facility_care)
# and the care route cannot set it,
# the city pages through every district's facilities, and the audit log has the changes.
# timeout: 40
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility GNUK001 "강남 키움센터 1호" || die "seed facility"
echo 'Cityadmin2026' | "$BIN/kiumctl" --data "$T" account create-city-admin seoulcity \
	--name "서울시 담당자" --password-stdin >"$T/ctl.out" 2>&1 || die "kiumctl: $(cat "$T/ctl.out")"
# A district officer of 노원구 (the sign-up flow is portal_accounts.sh's): same password hash.
python3 - "$T/hub.db" <<'PY' || die "seed district officer"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
h = db.execute("SELECT pw_hash FROM accounts WHERE id = 'seoulcity'").fetchone()[0]
db.execute("INSERT INTO accounts (id, name, district, state, pw_hash, created_ms, changed_ms)"
           " VALUES ('nwofficer', '박담당', 'NW', 'approved', ?, 1, 1)", (h,))
db.execute("INSERT INTO account_roles (account, role, type, granted_ms) VALUES ('nwofficer', 'district', 'UK', 1)")
db.commit()
PY
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

J='Content-Type: application/json'
send() { # METHOD JAR PATH JSON [CSRF] -> body; status in $T/st
	hcurl -X "$1" -b "$T/$2" -c "$T/$2" -H "$J" ${5:+-H "X-CSRF-Token: $5"} --data "$4" \
		-o "$T/out" -w '%{http_code}' "$URL$3" >"$T/st"
	cat "$T/out"
}
get() { hcurl -b "$T/$1" -c "$T/$1" -o "$T/out" -w '%{http_code}' "$URL$2" >"$T/st"; cat "$T/out"; }
st() { cat "$T/st"; }
code() { json_get "$(cat "$T/out")" 'j["error"]["code"]'; }
touch "$T/city" "$T/nw"

CITY=$(json_get "$(send POST city /api/v1/session '{"id":"seoulcity","password":"Cityadmin2026"}')" 'j["csrf_token"]')
NW=$(json_get "$(send POST nw /api/v1/session '{"id":"nwofficer","password":"Cityadmin2026"}')" 'j["csrf_token"]')
[[ -n $CITY && -n $NW ]] || die "logins failed"

F='{"name":"노원1호점 우리동네키움센터","district":"NW","type":"UK","kind":"general","dong":"상계1동","ages":"elementary","documents":"신청서, 개인정보 동의서","address":"서울특별시 노원구 상계로 1","latitude":"37.654321","longitude":"127.061234","opened":"2020.06.17","email":"nw1@example.kr","phone":"02-2116-1234","area_m2":"99.00"}'
send POST nw /api/v1/facilities "$F" >/dev/null
expect_eq "without the CSRF token the creation is refused" "$(st) $(code)" "403 csrf_failed"
out=$(send POST nw /api/v1/facilities "$F" "$NW")
expect_eq "the hub issues the code and the capacity from the area" \
	"$(st) $(json_get "$out" 'j["code"], j["capacity"], j["temporary_allowance"], j["created_by"]')" \
	"201 ('NWUK001', 30, 6, 'nwofficer')"
send POST nw /api/v1/facilities "${F/\"NW\"/\"GN\"}" "$NW" >/dev/null
expect_eq "another district's facility cannot be created" "$(st) $(code)" "403 out_of_scope"
send PUT nw /api/v1/facilities/GNUK001 '{"name":"x"}' "$NW" >/dev/null
expect_eq "another district's facility cannot be edited" "$(st) $(code)" "403 out_of_scope"
get nw '/api/v1/facilities?district=GN' >/dev/null
expect_eq "another district's list is refused" "$(st) $(code)" "403 out_of_scope"
send POST nw /api/v1/facilities "${F/99.00/3.29}" "$NW" >/dev/null
expect_eq "3.29 m2 is refused with the field named" "$(st) $(code) $(json_get "$(cat "$T/out")" 'j["error"]["detail"]')" "400 area_too_small area"

out=$(send POST nw /api/v1/facilities/NWUK001/capacity-requests '{"capacity":35,"reason":"공간 확장"}' "$NW")
expect_eq "a capacity change is proposed" "$(st) $(json_get "$out" 'j["state"], j["from_capacity"]')" "201 ('pending', 30)"
id=$(json_get "$out" 'j["id"]')
send POST nw "/api/v1/facilities/NWUK001/capacity-requests/$id/decision" '{"decision":"reject"}' "$NW" >/dev/null
expect_eq "a rejection needs a reason" "$(st) $(code)" "400 reason_invalid"
send POST nw "/api/v1/facilities/NWUK001/capacity-requests/$id/decision" '{"decision":"approve"}' "$NW" >/dev/null
expect_eq "the district approves" "$(st)" "200"
expect_eq "the booking rules' capacity changed" \
	"$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT capacity FROM facility_care WHERE facility = ?", ("NWUK001",)).fetchone()[0])' "$T/hub.db")" "35"
# The booking settings route cannot bypass the approval: kind and sick places only.
send PUT nw /api/v1/facilities/NWUK001/care '{"kind":"general","capacity":99}' "$NW" >/dev/null
expect_eq "the care route refuses a capacity" "$(st) $(code)" "400 capacity_by_request"
out=$(send PUT nw /api/v1/facilities/NWUK001/care '{"kind":"convergent","sick_capacity":2}' "$NW")
expect_eq "it sets the kind and the sick places, the approved capacity stays" "$(st) $(json_get "$out" 'j["kind"], j["capacity"], j["sick_capacity"]')" "200 ('convergent', 35, 2)"
out=$(get city /api/v1/facilities/NWUK001/capacity-requests)
expect_eq "the history shows who decided" "$(json_get "$out" '[(i["state"], i["decided_by"]) for i in j["items"]]')" "[('approved', 'nwofficer')]"

out=$(get city '/api/v1/facilities?per_page=1&page=2')
expect_eq "the city pages through all districts" "$(st) $(json_get "$out" 'j["total"], j["pages"], [i["code"] for i in j["items"]]')" "200 (2, 2, ['GNUK001'])"
out=$(get nw '/api/v1/facilities')
expect_eq "the district officer lists their district" "$(json_get "$out" '[i["code"] for i in j["items"]]')" "['NWUK001']"
out=$(get city '/api/v1/audit?action=POST%20/api/v1/facilities')
expect_eq "the audit log has every change with its outcome" \
	"$(json_get "$out" 'sorted(set((i["actor"], i["status"]) for i in j["entries"]))')" \
	"[('nwofficer', 200), ('nwofficer', 201), ('nwofficer', 400), ('nwofficer', 403)]"
