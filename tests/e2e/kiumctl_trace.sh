#!/usr/bin/env bash
# A tap traced end to end through the store without the network: kiumctl sets up a facility,
# a child, a card and a reader; store_probe ingests a batch as the device handler does; kiumctl
# shows the day's attendance (table and JSON). Also: the roster delta with uidhashes that an
# independent BLAKE2b computes alike, tokens, heartbeats, and hostile values kept verbatim.
. "$(dirname "$0")/lib.bash"

K=$BIN/kiumctl
P=$HELPERS/store_probe
D=$T/data
DB=$D/hub.db
[[ -x $K && -x $P ]] || die "missing kiumctl or store_probe"
BOOT=11111111-2222-3333-4444-555555555555
T0=1795327200000 # 2026-11-22 15:00 KST
# kiumctl's own clock: the day before, so cards are held before they are tapped.
export KIUM_PINNED_CLOCK=$((T0 - 86400000))

# pyq EXPR: evaluates EXPR over the JSON on stdin (as d), prints compact JSON (no jq needed).
pyq() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps(eval(sys.argv[1]), ensure_ascii=False, separators=(",", ":")))' "$1"
}

"$K" --data "$D" init --hostname localhost --ip 127.0.0.1 >/dev/null || die "init failed"
check "facility_add" "$K" --data "$D" facility add NWUK015 --name "노원 키움센터"
check "facility_add_hostile_name" "$K" --data "$D" facility add GNUK001 --name "x'); DROP TABLE facilities;--"
"$K" --data "$D" facility list >"$T/fl"
grep -q "x'); DROP TABLE facilities;--" "$T/fl" && pass "hostile_name_verbatim" || fail "hostile_name_verbatim" "$(cat "$T/fl")"
"$K" --data "$D" facility add NWUK015 --name again 2>"$T/err" >/dev/null
expect_eq "facility_duplicate" "$?" 1

check "child_add" "$K" --data "$D" child add C001 --name "김민수" --facility NWUK015
check "child_add_hostile" "$K" --data "$D" child add C002 --name "Robert'); DROP TABLE children;--" --facility NWUK015
"$K" --data "$D" child add C001 --name "박지성" --facility NWUK015 2>"$T/err" >/dev/null
expect_eq "child_duplicate" "$?" 1
grep -q "already exists" "$T/err" && pass "child_duplicate_message" || fail "child_duplicate_message" "$(cat "$T/err")"
"$K" --data "$D" child add C009 --name "박지성" --facility SPUK001 2>"$T/err" >/dev/null
expect_eq "child_unknown_facility" "$?" 1
"$K" --data "$D" child add "C';--" --name "박지성" --facility NWUK015 >/dev/null 2>&1
expect_eq "child_bad_id" "$?" 1

check "card_assign" "$K" --data "$D" card assign 04A1B2C3 C001
"$K" --data "$D" card assign "04zz'--" C001 2>"$T/err" >/dev/null
expect_eq "card_malformed_uid" "$?" 1
grep -q "malformed card UID" "$T/err" && pass "card_malformed_message" || fail "card_malformed_message" "$(cat "$T/err")"
"$K" --data "$D" card assign 04b1b2b3 C404 2>"$T/err" >/dev/null
expect_eq "card_unknown_child" "$?" 1
grep -q "unknown child" "$T/err" && pass "card_unknown_child_message" || fail "card_unknown_child_message" "$(cat "$T/err")"
"$K" --data "$D" card assign 04a1b2c3 C002 >/dev/null 2>&1
expect_eq "card_already_assigned" "$?" 1
"$K" --data "$D" card assign 04a1b2c3 >/dev/null 2>&1
expect_eq "card_usage" "$?" 2

check "device_add" "$K" --data "$D" device add NWUK015-R01 --facility NWUK015 --out "$T/dev1"

# The roster: uidhash = BLAKE2b-128 keyed "kium-roster-v1:" + facility over the UID bytes.
want=$(python3 -c 'import hashlib; print(hashlib.blake2b(bytes.fromhex("04a1b2c3"), digest_size=16, key=b"kium-roster-v1:NWUK015").hexdigest())')
roster=$("$P" "$DB" roster NWUK015 0)
expect_eq "roster_full" "$(pyq "[d['version'], d['full'], d['cards'][0]['uidhash'], d['cards'][0]['child'], d['cards'][0]['name']]" <<<"$roster")" \
	"[1,true,\"$want\",\"C001\",\"김*수\"]"

cat >"$T/batch.json" <<EOF
{"device":"NWUK015-R01","boot_id":"$BOOT","mono_ms":100000,"wall_ms":5000,"clock":"unsynced","taps":[
 {"seq":1,"uid":"04a1b2c3","wall_ms":$T0,"boot_id":"$BOOT","mono_ms":1000,"clock":"synced","dir":"in","result":"arrival"},
 {"seq":2,"uid":"04a1b2c3","wall_ms":4000,"boot_id":"$BOOT","mono_ms":40000,"clock":"unsynced","dir":"out","result":"departure"},
 {"seq":3,"uid":"04'; DROP TABLE taps;--","wall_ms":$T0,"boot_id":"$BOOT","mono_ms":41000,"clock":"synced","dir":"in","result":"arrival"}]}
EOF
recv=$((T0 + 3600000)) # 16:00 KST; tap 2 was 60 s before the upload: 15:59
answer=$("$P" "$DB" ingest NWUK015-R01 "$T/batch.json" "$recv")
expect_eq "ingest_answer" "$(pyq "[d['acked_seq'], [r['status'] for r in d['results']], d['results'][1]['clock'], d['results'][2]['reason']]" <<<"$answer")" \
	'[3,["stored","stored","rejected"],"corrected","bad_uid"]'
answer=$("$P" "$DB" ingest NWUK015-R01 "$T/batch.json" "$((recv + 1000))")
expect_eq "replay_answer" "$(pyq "[d['acked_seq'], [r['status'] for r in d['results']]]" <<<"$answer")" '[3,["duplicate","duplicate","rejected"]]'

"$K" --data "$D" attendance --facility NWUK015 --date 2026-11-22 >"$T/att"
expect_eq "attendance_exit" "$?" 0
grep -q "^15:00 .*C001 .*김민수 .*등원" "$T/att" && pass "table_arrival" || fail "table_arrival" "$(cat "$T/att")"
grep -q "^15:59 .*김민수 .*하원 .*보정됨" "$T/att" && pass "table_corrected_departure" || fail "table_corrected_departure" "$(cat "$T/att")"
grep -q "^2건" "$T/att" && pass "table_count" || fail "table_count" "$(cat "$T/att")"
json=$("$K" --data "$D" attendance --facility NWUK015 --date 2026-11-22 --json)
expect_eq "json_view" "$(pyq "[d['facility'], d['date'], len(d['taps']), d['taps'][0]['dir'], d['taps'][1]['clock'], d['taps'][1]['reader_wall_ms'], d['taps'][1]['name']]" <<<"$json")" \
	'["NWUK015","2026-11-22",2,"in","corrected",4000,"김민수"]'
expect_eq "other_day_empty" "$("$K" --data "$D" attendance --facility NWUK015 --date 2026-11-21 --json | pyq "len(d['taps'])")" 0
"$K" --data "$D" attendance --facility NWUK015 --date 2026-02-30 >/dev/null 2>&1
expect_eq "attendance_bad_date" "$?" 1
"$K" --data "$D" attendance --facility "NWUK015' OR 1=1" --date 2026-11-22 2>"$T/err" >/dev/null
expect_eq "attendance_unknown_facility" "$?" 1
expect_eq "taps_table_intact" "$(sqlite3 "$DB" 'SELECT count(*) FROM taps')" 3

# Heartbeat and last seen.
check "status" "$P" "$DB" status NWUK015-R01 1.2.3 7 unsynced "$recv"
"$K" --data "$D" device list >"$T/dl"
grep -q "NWUK015-R01 .*active .*2026-11-22 16:00 .*1.2.3 .*7 .*unsynced .*3" "$T/dl" && pass "device_list_status" || fail "device_list_status" "$(cat "$T/dl")"

# Silent readers: heard from at 16:00; at 16:02 silent for more than 1 minute, not 5.
KIUM_PINNED_CLOCK=$((recv + 120000)) "$K" --data "$D" device list --silent 1 >"$T/silent"
grep -q "^NWUK015-R01 " "$T/silent" && pass "silent_listed" || fail "silent_listed" "$(cat "$T/silent")"
KIUM_PINNED_CLOCK=$((recv + 120000)) "$K" --data "$D" device list --silent 5 >"$T/silent"
grep -q "^NWUK015-R01 " "$T/silent" && fail "recent_not_silent" "$(cat "$T/silent")" || pass "recent_not_silent"
"$K" --data "$D" device list --silent soon >/dev/null 2>&1
expect_eq "silent_bad_value" "$?" 1

# Card deactivation reaches the roster as a removal.
check "card_deactivate" "$K" --data "$D" card deactivate 04a1b2c3
roster=$("$P" "$DB" roster NWUK015 1)
expect_eq "roster_removal" "$(pyq "[d['version'], d['full'], len(d['cards']), d['removed'][0]]" <<<"$roster")" "[2,false,0,\"$want\"]"

# Tokens: printed once, verified by hash, revocable.
tok=$("$K" --data "$D" token create --role admin --label "e2e" 2>/dev/null)
[[ $tok == kt1_* ]] && pass "token_printed" || fail "token_printed" "$tok"
expect_eq "token_verifies" "$("$P" "$DB" token "$tok")" "ok 1 admin"
if cat "$DB"* | grep -aqF "${tok##*_}"; then
	fail "token_not_stored_clear" "secret found in the store"
else
	pass "token_not_stored_clear"
fi
"$K" --data "$D" token create --role root >/dev/null 2>&1
expect_eq "token_unknown_role" "$?" 1
check "token_revoke" "$K" --data "$D" token revoke 1
"$P" "$DB" token "$tok" >/dev/null 2>&1
expect_eq "revoked_token_refused" "$?" 1
"$K" --data "$D" token list | grep -q "^1 .*admin .*revoked .*e2e" && pass "token_list" || fail "token_list" "$("$K" --data "$D" token list)"
# Two processes writing at once (kiumctl beside the ingest path): WAL and the busy timeout
# let both finish, nothing lost.
n=$(scale 20)
check "device_add_r02" "$K" --data "$D" device add NWUK015-R02 --facility NWUK015 --out "$T/dev2"
(
	for i in $(seq "$n"); do
		"$K" --data "$D" child add "K$i" --name "동시$i" --facility NWUK015 >/dev/null || echo "child K$i failed"
	done
) >"$T/writer.out" 2>&1 &
writer=$!
bad=0
for i in $(seq "$n"); do
	printf '{"device":"NWUK015-R02","boot_id":"%s","mono_ms":9000,"clock":"synced","taps":[{"seq":%d,"uid":"04a1b2c3","wall_ms":%d,"boot_id":"%s","mono_ms":%d,"clock":"synced","dir":"in","result":"arrival"}]}' \
		"$BOOT" "$i" "$((T0 + i))" "$BOOT" "$i" >"$T/b$i.json"
	"$P" "$DB" ingest NWUK015-R02 "$T/b$i.json" "$recv" >/dev/null || bad=$((bad + 1))
done
wait "$writer"
expect_eq "concurrent_ingest_ok" "$bad" 0
expect_eq "concurrent_kiumctl_ok" "$(cat "$T/writer.out")" ""
expect_eq "concurrent_all_stored" "$(sqlite3 "$DB" "SELECT count(*) FROM taps WHERE device_id = 'NWUK015-R02'") $(sqlite3 "$DB" "SELECT count(*) FROM children WHERE id LIKE 'K%'")" "$n $n"
exit 0
