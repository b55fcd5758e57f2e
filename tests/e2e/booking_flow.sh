#!/usr/bin/env bash
# Bookings over real HTTPS (issue 6): the operator sets this year's terms and a hub center's
# capacity (through an approved capacity change); a parent signs up, is linked to a child and applies for temporary care with the
# documents checklist; staff register offline bookings until the center is full (exactly at
# capacity), the waitlist fills to twice the capacity and is then refused; a cancellation
# offers the place to the parent (notification in the outbox), who accepts; the center
# approves; temporary care at day 15 and regular care at a hub center are refused with their
# reasons; taps are reconciled against the day's bookings and a correction is audited.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 거점 키움센터" >/dev/null || die "seed"
"$HELPERS/hub_seed" "$T/hub.db" child C1 "김민수" NWUK015 >/dev/null || die "seed child"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "token"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

J='Content-Type: application/json'
A="Authorization: Bearer $TOKEN"
# op METHOD PATH [JSON] -> body; status in $T/st (operator token)
op() {
	hcurl -X "$1" -H "$A" -H "$J" ${3:+--data "$3"} -o "$T/out" -w '%{http_code}' "$URL$2" >"$T/st"
	cat "$T/out"
}
# mom METHOD PATH [JSON] -> body (parent session with CSRF)
mom() {
	hcurl -X "$1" -b "$T/mom" -c "$T/mom" -H "$J" -H "X-CSRF-Token: $MCSRF" ${3:+--data "$3"} \
		-o "$T/out" -w '%{http_code}' "$URL$2" >"$T/st"
	cat "$T/out"
}
st() { cat "$T/st"; }
code() { json_get "$(cat "$T/out")" 'j["error"]["code"]'; }
day() { python3 -c "import time,sys; print(time.strftime('%Y-%m-%d', time.gmtime(time.time() + 9 * 3600 + int(sys.argv[1]) * 86400)))" "$1"; }
TODAY=$(day 0)
YEAR=${TODAY%%-*}
terms=$(python3 -c "
import datetime, json, sys
y = int(sys.argv[1]); d0 = datetime.date(y, 1, 1); n = (datetime.date(y + 1, 1, 1) - d0).days
t = [{'name': '분기%d' % (i + 1), 'start': str(d0 + datetime.timedelta(days=n * i // 4)),
      'end': str(d0 + datetime.timedelta(days=n * (i + 1) // 4 - 1)), 'open': '09:00',
      'close': '21:00', 'meal': True, 'snack': True} for i in range(4)]
print(json.dumps({'terms': t}))" "$YEAR")
op PUT "/api/v1/terms/$YEAR" "$terms" >/dev/null
expect_eq "the operator sets the year's four terms" "$(st)" "200"
op PUT /api/v1/facilities/NWUK015/care '{"kind":"hub"}' >/dev/null
expect_eq "a hub center" "$(st)" "200"
out=$(op POST /api/v1/facilities/NWUK015/capacity-requests '{"capacity":2,"reason":"개소 정원"}')
op POST "/api/v1/facilities/NWUK015/capacity-requests/$(json_get "$out" 'j["id"]')/decision" '{"decision":"approve"}' >/dev/null
expect_eq "of 2 places, approved as a capacity change" "$(st) $(op GET /api/v1/facilities/NWUK015/care | python3 -c 'import json,sys; print(json.load(sys.stdin)["capacity"])')" "200 2"

touch "$T/mom"
hcurl -H "$J" --data '{"phone":"010-3333-4444"}' -o /dev/null "$URL/api/v1/phone-verification"
pcode=$(python3 -c "
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(\"SELECT params FROM notification_outbox WHERE template = 'phone_verify' ORDER BY id DESC LIMIT 1\").fetchone()
print(json.loads(row[0])['code'])" "$T/hub.db")
hcurl -H "$J" --data "{\"id\":\"mom01\",\"password\":\"Parent2026ok\",\"password_confirm\":\"Parent2026ok\",\"name\":\"김엄마\",\"phone\":\"010-3333-4444\",\"phone_code\":\"$pcode\"}" \
	-o /dev/null "$URL/api/v1/signup/parent"
out=$(hcurl -c "$T/mom" -H "$J" --data '{"id":"mom01","password":"Parent2026ok"}' "$URL/api/v1/session")
MCSRF=$(json_get "$out" 'j["csrf_token"]')
mom POST /api/v1/children/C1/guardians '{}' >/dev/null
op POST /api/v1/children/C1/guardians/mom01/confirm '{}' >/dev/null
expect_eq "the center confirms the guardian link" "$(st)" "200"

tmp() { echo "{\"child\":\"$1\",\"kind\":\"temporary\",\"start\":\"$2\",\"start_time\":\"15:00\",\"end_time\":\"18:00\"${3:-}}"; }
DOCS=',"documents":{"application":true,"privacy_consent":true,"pickup_consent":"online","first_aid_consent":"paper","going_home_consent":"online","admission_docs":true}'
mom POST /api/v1/facilities/NWUK015/bookings "$(tmp C1 "$(day 15)" "$DOCS")" >/dev/null
expect_eq "temporary care on day 15 is refused" "$(st) $(code)" "400 temporary_window"
mom POST /api/v1/facilities/NWUK015/bookings "{\"child\":\"C1\",\"kind\":\"regular\",\"start\":\"$TODAY\",\"end\":\"$(day 40)\",\"weekdays\":[\"mon\"],\"start_time\":\"15:00\",\"end_time\":\"18:00\"$DOCS}" >/dev/null
expect_eq "regular care at a hub center is refused" "$(st) $(code)" "409 regular_not_offered"
mom POST /api/v1/facilities/NWUK015/bookings "$(tmp C1 "$TODAY")" >/dev/null
expect_eq "an application without the documents is refused" "$(st) $(code)" "400 documents_missing"

# Staff fill the center: exactly at capacity, then the waitlist.
ids=()
for i in 1 2; do
	out=$(op POST /api/v1/facilities/NWUK015/bookings "$(tmp K$i "$TODAY" ',"child_name":"박하늘"')")
	ids+=("$(json_get "$out" 'j["id"]')")
	expect_eq "offline booking $i takes a place" "$(st) $(json_get "$out" 'j["state"]')" "201 approved"
done
out=$(mom POST /api/v1/facilities/NWUK015/bookings "$(tmp C1 "$TODAY" "$DOCS")")
MID=$(json_get "$out" 'j["id"]')
expect_eq "the parent's application waits first in line" "$(st) $(json_get "$out" '(j["state"], j["position"])')" "201 ('waiting', 1)"
for i in 3 4 5; do
	op POST /api/v1/facilities/NWUK015/bookings "$(tmp K$i "$TODAY" ',"child_name":"박하늘"')" >/dev/null
done
expect_eq "the fourth waiting child (2 x capacity) is accepted" "$(st) $(json_get "$(cat "$T/out")" 'j["position"]')" "201 4"
op POST /api/v1/facilities/NWUK015/bookings "$(tmp K6 "$TODAY" ',"child_name":"박하늘"')" >/dev/null
expect_eq "the fifth is refused: waitlist full" "$(st) $(code)" "409 waitlist_full"

op POST "/api/v1/bookings/${ids[0]}/cancel" '{}' >/dev/null
expect_eq "staff cancel a booking" "$(st)" "200"
out=$(mom GET "/api/v1/bookings/$MID")
expect_eq "the place is offered to the first in line" "$(json_get "$out" 'j["state"]')" "offered"
n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM notification_outbox WHERE template='booking_offered' AND recipient='mom01'\").fetchone()[0])" "$T/hub.db")
expect_eq "the offer is in the notification outbox" "$n" "1"
out=$(mom POST "/api/v1/bookings/$MID/accept" '{}')
expect_eq "the parent accepts in time" "$(st) $(json_get "$out" 'j["state"]')" "200 pending"
out=$(op POST "/api/v1/bookings/$MID/decision" '{"decision":"approve"}')
expect_eq "the center approves" "$(st) $(json_get "$out" 'j["state"]')" "200 approved"
out=$(mom GET /api/v1/my/bookings)
expect_eq "the parent sees the booking in use" "$(json_get "$out" '[b["state"] for b in j["bookings"]]')" "['approved']"
out=$(op GET "/api/v1/facilities/NWUK015/bookings?list=waitlist")
expect_eq "staff see three waiting in order" "$(json_get "$out" '[b["position"] for b in j["bookings"]]')" "[1, 2, 3]"

# Reconciliation: C1's card taps in now; K2 never comes.
hcurl -H "$A" -o /dev/null "$URL/api/v1/facilities/NWUK015/reconciliation?date=$TODAY"
"$HELPERS/hub_seed" "$T/hub.db" card 04a1b2c3 C1 >/dev/null 2>&1 ||
	python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute(\"INSERT INTO cards (uid, facility, child_id, active, version, assigned_ms) VALUES ('04a1b2c3', 'NWUK015', 'C1', 1, 1, 1)\")
db.commit()" "$T/hub.db"
out=$(dcurl R1 -H "$J" --data-binary "$(tap_batch R1 1:04a1b2c3)" "$URL/api/v1/device/taps")
expect_eq "a tap arrives" "$(json_get "$out" 'j["acked_seq"]')" "1"
out=$(op GET "/api/v1/facilities/NWUK015/reconciliation?date=$TODAY")
expect_eq "the tapped child is among today's users" "$(json_get "$out" '[c["taps"] for c in j["children"] if c["child"] == "C1"]')" "[1]"
expect_eq "two children booked today" "$(json_get "$out" 'j["summary"]["booked"]')" "2"
op POST /api/v1/facilities/NWUK015/reconciliation/corrections "{\"date\":\"$TODAY\",\"child\":\"K2\",\"status\":\"absent\",\"reason\":\"보호자 연락: 병결\"}" >/dev/null
expect_eq "a correction with a reason" "$(st)" "201"
# History ranges over the real server: a week of summaries, reversed or bad ranges are 400s
# with a reason (not an empty 500), and a child's attendance by ?from&to as by ?month.
WEEK=$(python3 -c 'import datetime,sys; print(datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=6))' "$TODAY")
out=$(op GET "/api/v1/facilities/NWUK015/reconciliation?from=$WEEK&to=$TODAY")
expect_eq "a week of reconciliation summaries" "$(st) $(json_get "$out" 'len(j["days"]) if "days" in j else len(j[list(j)[-1]])')" "200 7"
out=$(op GET "/api/v1/facilities/NWUK015/reconciliation?from=$TODAY&to=$WEEK")
expect_eq "a reversed range is a 400 naming to" "$(st) $(json_get "$out" 'j["error"]["code"]')" "400 bad_query"
out=$(op GET "/api/v1/facilities/NWUK015/reconciliation?from=2026-13-40&to=$TODAY")
expect_eq "a bad day is a 400" "$(st) $(json_get "$out" 'j["error"]["code"]')" "400 bad_query"
out=$(op GET "/api/v1/children/C1/attendance?from=$WEEK&to=$TODAY")
expect_eq "a child's week by from/to lists the days it was booked or tapped" "$(st) $(json_get "$out" 'sorted(set(d["date"] for d in j["days"]))')" "200 ['$TODAY']"
out=$(op GET "/api/v1/children/C1/attendance?from=$TODAY&to=$WEEK")
expect_eq "a child's reversed range is a 400" "$(st) $(json_get "$out" 'j["error"]["code"]')" "400 bad_query"
out=$(op GET "/api/v1/children/C1/attendance?month=${TODAY:0:7}")
expect_eq "a child's month" "$(st)" "200"
out=$(op GET "/api/v1/audit?action=POST%20/api/v1/facilities/%7Bcode%7D/reconciliation")
expect_eq "the correction is in the audit log" "$(json_get "$out" 'len(j["entries"]) >= 1 if "entries" in j else len(j[list(j)[0]]) >= 1')" "True"
