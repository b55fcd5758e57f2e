#!/usr/bin/env bash
# The portal's account flows over real HTTPS with curl cookie jars: kiumctl bootstraps the
# first city officer for someone else, who must change the password at the first login (so
# must staff made by a district officer); a district officer verifies their phone and signs up (승인대기), is refused login until the city
# officer approves (CSRF enforced), then creates a staff account by the id rule; five wrong
# passwords lock it, the city officer unlocks it; a password reset goes through the
# notification outbox (read from the store) and its token works once; the audit log has the
# changes with the client address; logout ends the session. Also measures a login.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터 15호" || die "seed facility"
"$HELPERS/hub_seed" "$T/hub.db" facility GNUK001 "강남 키움센터 1호" || die "seed facility"
echo 'Cityadmin2026' | "$BIN/kiumctl" --data "$T" account create-city-admin seoulcity --must-change-password \
	--name "서울시 담당자" --password-stdin >"$T/ctl.out" 2>&1 || die "kiumctl: $(cat "$T/ctl.out")"
echo 'short' | "$BIN/kiumctl" --data "$T" account create-city-admin other1 --name x \
	--password-stdin >/dev/null 2>&1
expect_eq "kiumctl refuses a weak password" "$?" "1"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

J='Content-Type: application/json'
# post JAR PATH JSON [CSRF] -> body; status in $T/st
post() {
	local jar=$1 path=$2 body=$3 csrf=${4:-} m=${METHOD:-POST}
	hcurl -X "$m" -b "$T/$jar" -c "$T/$jar" -H "$J" ${csrf:+-H "X-CSRF-Token: $csrf"} \
		--data "$body" -o "$T/out" -w '%{http_code}' -D "$T/hdr" "$URL$path" >"$T/st"
	cat "$T/out"
}
get() {
	hcurl -b "$T/$1" -c "$T/$1" -o "$T/out" -w '%{http_code}' "$URL$2" >"$T/st"
	cat "$T/out"
}
st() { cat "$T/st"; }
code() { json_get "$(cat "$T/out")" 'j["error"]["code"]'; }
touch "$T/anon" "$T/city" "$T/dist" "$T/staff"

# outbox TEMPLATE KEY: the newest outbox message of a template: "recipient value-of-KEY".
outbox() {
	python3 -c "
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = db.execute('SELECT recipient, params FROM notification_outbox WHERE template = ? ORDER BY id DESC LIMIT 1', (sys.argv[2],)).fetchone()
print(row[0], json.loads(row[1])[sys.argv[3]])" "$T/hub.db" "$1" "$2"
}

# District officer sign-up with phone verification (휴대폰 인증).
post anon /api/v1/phone-verification '{"phone":"010-2222-3333"}' >/dev/null
expect_eq "a phone code is sent" "$(st)" "202"
pc=$(outbox phone_verify code)
expect_eq "the code goes to the phone through the outbox" "${pc%% *}" "01022223333"
pc=${pc#* }
post anon /api/v1/signup/district "{\"id\":\"nwofficer\",\"password\":\"Nowon2026ok\",\"password_confirm\":\"Nowon2026ok\",\"name\":\"박담당\",\"duty\":\"UK\",\"district\":\"NW\",\"phone\":\"010-2222-3333\",\"office_phone\":\"02-2116-3000\",\"email\":\"nw@example.kr\",\"phone_code\":\"$pc\"}" >/dev/null
expect_eq "district sign-up is accepted as pending" "$(st) $(json_get "$(cat "$T/out")" 'j["state"]')" "201 pending"
post anon /api/v1/signup/district '{"id":"nwofficer2","password":"nodigitshere","password_confirm":"nodigitshere","name":"김","duty":"UK","district":"NW","phone":"010-2222-4444","office_phone":"02-2116-3000","phone_code":"123456"}' >/dev/null
expect_eq "a password without digits is refused with its code" "$(st) $(code)" "400 password_mix"
post dist /api/v1/session '{"id":"nwofficer","password":"Nowon2026ok"}' >/dev/null
expect_eq "a pending officer cannot log in" "$(st) $(code)" "403 account_not_approved"

# City officer logs in; the cookie's attributes.
out=$(post city /api/v1/session '{"id":"seoulcity","password":"Cityadmin2026"}')
expect_eq "city officer logs in" "$(st)" "200"
CITY_CSRF=$(json_get "$out" 'j["csrf_token"]')
check "session cookie is HttpOnly, Secure, SameSite=Strict" grep -qi 'set-cookie: kium_session=.*; HttpOnly; Secure; SameSite=Strict; Path=/' "$T/hdr"
# An account someone else made (kiumctl --must-change-password here) changes its password
# before anything else.
expect_eq "the first login says the password must be changed" "$(json_get "$out" 'j["must_change_password"]')" "True"
get city /api/v1/accounts >/dev/null
expect_eq "until then a read is refused" "$(st) $(code)" "403 password_change_required"
post city /api/v1/accounts/nwofficer/approval '{"state":"approved"}' "$CITY_CSRF" >/dev/null
expect_eq "and so is a change" "$(st) $(code)" "403 password_change_required"
get city /api/v1/session >/dev/null
expect_eq "the session can still read itself" "$(st)" "200"
post city /api/v1/session/password '{"current_password":"Cityadmin2026","password":"Cityadmin2026","password_confirm":"Cityadmin2026"}' "$CITY_CSRF" >/dev/null
expect_eq "the same password again is refused" "$(st) $(code)" "400 password_reused"
post city /api/v1/session/password '{"current_password":"Cityadmin2026","password":"Seoulcity2027","password_confirm":"Seoulcity2027"}' "$CITY_CSRF" >/dev/null
expect_eq "the password is changed" "$(st)" "200"
out=$(post city /api/v1/session '{"id":"seoulcity","password":"Seoulcity2027"}')
expect_eq "the new password logs in without the demand" "$(st) $(json_get "$out" 'j["must_change_password"]')" "200 False"
CITY_CSRF=$(json_get "$out" 'j["csrf_token"]')
t=$(hcurl -o /dev/null -w '%{time_total}' -H "$J" --data '{"id":"seoulcity","password":"Seoulcity2027"}' "$URL/api/v1/session")
echo "# login over HTTPS took ${t}s (Argon2id t=2, m=19 MiB, plus TLS handshake)"
check "a login takes well under 0.5 s" python3 -c "import sys; sys.exit(0 if float('$t') < 0.5 else 1)"

post city /api/v1/accounts/nwofficer/approval '{"state":"approved"}' >/dev/null
expect_eq "approval without the CSRF header is refused" "$(st) $(code)" "403 csrf_failed"
post city /api/v1/accounts/nwofficer/approval '{"state":"approved"}' "$CITY_CSRF" >/dev/null
expect_eq "city officer approves with the CSRF token" "$(st)" "200"

# The district officer creates a staff account of their district, not another's.
out=$(post dist /api/v1/session '{"id":"nwofficer","password":"Nowon2026ok"}')
expect_eq "approved officer logs in" "$(st)" "200"
D_CSRF=$(json_get "$out" 'j["csrf_token"]')
out=$(post dist /api/v1/facilities/NWUK015/accounts '{"name":"이센터","password":"Center2026a","password_confirm":"Center2026a"}' "$D_CSRF")
expect_eq "staff account gets the next id by the rule" "$(st) $(json_get "$out" 'j["id"]')" "201 NWUK015001"
post dist /api/v1/facilities/GNUK001/accounts '{"name":"남","password":"Center2026a","password_confirm":"Center2026a"}' "$D_CSRF" >/dev/null
expect_eq "another district's facility is out of scope" "$(st) $(code)" "403 out_of_scope"
METHOD=PUT post dist /api/v1/accounts/NWUK015001/roles '{"roles":[{"role":"center","type":"UK"}]}' "$D_CSRF" >/dev/null
expect_eq "district officer grants the center role" "$(st)" "200"

# Lockout and unlock.
for i in 1 2 3 4 5; do
	post staff /api/v1/session '{"id":"NWUK015001","password":"Wrong2026xx"}' >/dev/null
done
post staff /api/v1/session '{"id":"NWUK015001","password":"Center2026a"}' >/dev/null
expect_eq "five failures lock the account" "$(st) $(code)" "401 login_failed"
post staff /api/v1/session '{"id":"ghost0001","password":"Center2026a"}' >/dev/null
expect_eq "an unknown id gets the same answer" "$(st) $(code)" "401 login_failed"
post dist /api/v1/accounts/NWUK015001/unlock '{}' "$D_CSRF" >/dev/null
expect_eq "district officer unlocks their staff" "$(st)" "200"
out=$(post staff /api/v1/session '{"id":"NWUK015001","password":"Center2026a"}')
expect_eq "unlocked staff logs in" "$(st)" "200"
expect_eq "staff must change the password the officer chose" "$(json_get "$out" 'j["must_change_password"]')" "True"
S_CSRF=$(json_get "$out" 'j["csrf_token"]')
get staff /api/v1/facilities/NWUK015/accounts >/dev/null
expect_eq "staff see nothing before the change" "$(st) $(code)" "403 password_change_required"
post staff /api/v1/session/password '{"current_password":"Center2026a","password":"Staff2026new","password_confirm":"Staff2026new"}' "$S_CSRF" >/dev/null
expect_eq "staff change the password" "$(st)" "200"
post staff /api/v1/session '{"id":"NWUK015001","password":"Staff2026new"}' >/dev/null
get staff /api/v1/facilities/NWUK015/accounts >/dev/null
expect_eq "then their facility's accounts are readable" "$(st)" "200"

# Password reset through the outbox.
post anon /api/v1/password-reset '{"id":"nwofficer","phone":"010-2222-3333"}' >/dev/null
expect_eq "reset request is accepted" "$(st)" "202"
tok=$(outbox password_reset token)
expect_eq "the outbox holds the message for the officer's phone" "${tok%% *}" "01022223333"
tok=${tok#* }
post anon /api/v1/password-reset/confirm "{\"token\":\"$tok\",\"password\":\"Newpass2026\",\"password_confirm\":\"Newpass2026\"}" >/dev/null
expect_eq "the reset token sets a new password" "$(st)" "200"
post anon /api/v1/password-reset/confirm "{\"token\":\"$tok\",\"password\":\"Other2026pw\",\"password_confirm\":\"Other2026pw\"}" >/dev/null
expect_eq "the token works once" "$(st) $(code)" "400 token_invalid"
get dist /api/v1/session >/dev/null
expect_eq "a reset ends the account's sessions" "$(st)" "401"
post dist /api/v1/session '{"id":"nwofficer","password":"Newpass2026"}' >/dev/null
expect_eq "the new password logs in" "$(st)" "200"

# Audit log: city only, with who, what and where from.
out=$(get city '/api/v1/audit?action=POST%20/api/v1/accounts/%7Bid%7D/approval')
expect_eq "the approval is in the audit log" "$(json_get "$out" '[e["actor"]+" "+e["target"]+" "+e["remote"] for e in j["entries"] if e["status"]==200][0]')" "seoulcity nwofficer 127.0.0.1"
get dist /api/v1/audit >/dev/null
expect_eq "a district officer cannot read the audit log" "$(st)" "403"

# Logout.
METHOD=DELETE post city /api/v1/session '' "$CITY_CSRF" >/dev/null
expect_eq "logout answers" "$(st)" "200"
get city /api/v1/session >/dev/null
expect_eq "the session is gone after logout" "$(st)" "401"
check "no password or token in the hub's log" bash -c "! grep -q -e Newpass2026 -e Cityadmin2026 -e '$tok' '$T/hub.log'"
