#!/usr/bin/env bash
# RF card routes of the portal (RF카드 관리) over real HTTPS with a center staff session: an
# unknown card tapped at the door is offered for registration, registered to a child (the
# reader gets it by roster delta), refused twice (card held, child already has one), replaced
# as lost (the old card leaves the roster), deactivated; children of another facility and
# another district's facility are refused; CSRF is enforced; reads and changes are audited.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "certificates"
S() { "$HELPERS/hub_seed" "$T/hub.db" "$@" >/dev/null || die "seed $*"; }
S facility NWUK015 "노원 키움센터 15호"
S facility GNUK001 "강남 키움센터 1호"
S child C1 "김민수" NWUK015
S child C2 "이서연" NWUK015
S child C3 "박지호" GNUK001
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "token"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

J='Content-Type: application/json'
op() {
	hcurl -X "$1" -H "Authorization: Bearer $TOKEN" -H "$J" ${3:+--data "$3"} -o "$T/out" \
		-w '%{http_code}' "$URL$2" >"$T/st"
	cat "$T/out"
}
# staff METHOD PATH [JSON]: the center's session with its CSRF token
staff() {
	hcurl -X "$1" -b "$T/jar" -c "$T/jar" -H "$J" ${CSRF:+-H "X-CSRF-Token: $CSRF"} \
		${3:+--data "$3"} -o "$T/out" -w '%{http_code}' "$URL$2" >"$T/st"
	cat "$T/out"
}
st() { cat "$T/st"; }
code() { json_get "$(cat "$T/out")" 'j["error"]["code"]'; }

op POST /api/v1/facilities/NWUK015/accounts '{"name":"이센터","password":"Center2026a","password_confirm":"Center2026a"}' >/dev/null
expect_eq "a staff account for the center" "$(st)" "201"
op PUT /api/v1/accounts/NWUK015001/roles '{"roles":[{"role":"center","type":"UK"}]}' >/dev/null
expect_eq "it gets the center role" "$(st)" "200"
out=$(CSRF= staff POST /api/v1/session '{"id":"NWUK015001","password":"Center2026a"}')
CSRF=$(json_get "$out" 'j["csrf_token"]')
# A staff account someone else made changes its password first (PORTAL.md).
staff POST /api/v1/session/password '{"current_password":"Center2026a","password":"Center2026b","password_confirm":"Center2026b"}' >/dev/null
out=$(CSRF= staff POST /api/v1/session '{"id":"NWUK015001","password":"Center2026b"}')
expect_eq "center staff log in" "$(st)" "200"
CSRF=$(json_get "$out" 'j["csrf_token"]')

tap_batch R1 1:deadbeef 2:deadbeef >"$T/batch.json"
dcurl R1 -H "$J" --data @"$T/batch.json" -o /dev/null "$URL/api/v1/device/taps"
out=$(staff GET /api/v1/facilities/NWUK015/cards)
expect_eq "the list answers" "$(st)" "200"
expect_eq "the unknown card is offered with its taps and reader" \
	"$(json_get "$out" '[(u["uid"], u["taps"], u["device"]) for u in j["unknown"]]')" "[('deadbeef', 2, 'R1')]"
expect_eq "the facility's children, by name, without cards" \
	"$(json_get "$out" '[(c["id"], c["name"], c["card"]) for c in j["children"]]')" "[('C1', '김민수', ''), ('C2', '이서연', '')]"

staff POST /api/v1/facilities/NWUK015/cards '{"uid":"DEADBEEF","child":"C1"}' >/dev/null
expect_eq "the unknown card is registered to C1" "$(st) $(json_get "$(cat "$T/out")" 'j["uid"]')" "201 deadbeef"
roster=$(dcurl R1 "$URL/api/v1/device/roster?since=0")
expect_eq "the reader gets it in its roster" "$(json_get "$roster" '[c["child"] for c in j["cards"]]')" "['C1']"
v1=$(json_get "$roster" 'j["version"]')
out=$(staff GET /api/v1/facilities/NWUK015/cards)
expect_eq "it is no longer unknown" "$(json_get "$out" 'len(j["unknown"])')" "0"
expect_eq "the card list has it, active, with the child's name" \
	"$(json_get "$out" '[(c["uid"], c["child"], c["name"], c["active"]) for c in j["cards"]]')" "[('deadbeef', 'C1', '김민수', True)]"

staff POST /api/v1/facilities/NWUK015/cards '{"uid":"deadbeef","child":"C2"}' >/dev/null
expect_eq "a card held by a child is refused" "$(st) $(code)" "409 card_active"
staff POST /api/v1/facilities/NWUK015/cards '{"uid":"11223344","child":"C1"}' >/dev/null
expect_eq "a second card without replace is refused" "$(st) $(code)" "409 child_has_card"
out=$(staff POST /api/v1/facilities/NWUK015/cards '{"uid":"11223344","child":"C1","replace":true}')
expect_eq "a lost card is replaced" "$(st) $(json_get "$out" 'j["replaced"]')" "201 deadbeef"
roster=$(dcurl R1 "$URL/api/v1/device/roster?since=$v1")
expect_eq "the reader's delta drops the old card and adds the new one" \
	"$(json_get "$roster" '(len(j["removed"]), [c["child"] for c in j["cards"]])')" "(1, ['C1'])"

staff POST /api/v1/facilities/NWUK015/cards '{"uid":"zz","child":"C2"}' >/dev/null
expect_eq "a malformed UID is refused" "$(st) $(code)" "400 uid_invalid"
staff POST /api/v1/facilities/NWUK015/cards '{"uid":"55667788","child":"C3"}' >/dev/null
expect_eq "a child of another facility is unknown here" "$(st) $(code)" "404 child_unknown"
staff POST /api/v1/facilities/GNUK001/cards '{"uid":"55667788","child":"C3"}' >/dev/null
expect_eq "another district's facility is out of scope" "$(st) $(code)" "403 out_of_scope"
staff GET /api/v1/facilities/GNUK001/cards >/dev/null
expect_eq "and so is its list" "$(st) $(code)" "403 out_of_scope"
CSRF=bogus staff POST /api/v1/facilities/NWUK015/cards/11223344/deactivate '{}' >/dev/null
expect_eq "a change without the CSRF token is refused" "$(st) $(code)" "403 csrf_failed"

staff POST /api/v1/facilities/NWUK015/cards/11223344/deactivate '{}' >/dev/null
expect_eq "the card is deactivated" "$(st) $(json_get "$(cat "$T/out")" 'j["active"]')" "200 False"
staff POST /api/v1/facilities/NWUK015/cards/11223344/deactivate '{}' >/dev/null
expect_eq "twice: no such active card" "$(st) $(code)" "404 card_unknown"
out=$(staff GET /api/v1/facilities/NWUK015/cards)
expect_eq "the history keeps both cards, inactive" \
	"$(json_get "$out" 'sorted((c["uid"], c["active"]) for c in j["cards"])')" "[('11223344', False), ('deadbeef', False)]"
out=$(op GET '/api/v1/audit?action=cards.read&actor=NWUK015001')
check "reads are audited (cards.read)" test "$(json_get "$out" 'len(j["entries"])')" -ge 3
out=$(op GET '/api/v1/audit?action=POST%20/api/v1/facilities/%7Bcode%7D/cards')
expect_eq "changes are audited with child and card" \
	"$(json_get "$out" '[e["target"] for e in j["entries"] if e["status"] == 201][-1]')" "C1/deadbeef"
check "no child name in the hub's log" bash -c "! grep -q -e 김민수 -e 이서연 '$T/hub.log'"
