#!/usr/bin/env bash
# Statistics over real HTTPS: readers upload taps through the device API (a child in and out
# counts once, a replayed batch changes nothing, an unknown card counts as such), then the
# city, a district officer and a center read the numbers back in their scope and are refused
# outside it (another district, another facility, a parent, nobody); a correction made
# through the portal moves the count; the CSV starts with the BOM, names its file in Korean
# and parses back to the JSON's numbers; the XLSX is a zip with the 출석현황 sheet holding the
# same figures.
# timeout: 40
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
S="$HELPERS/hub_seed"
"$S" "$T/hub.db" facility NWUK015 "노원15호점 우리동네키움센터" >/dev/null || die "seed"
"$S" "$T/hub.db" facility NWUK016 "노원16호점, \"별빛\" 센터" >/dev/null || die "seed"
"$S" "$T/hub.db" facility GNUK001 "강남1호점 우리동네키움센터" >/dev/null || die "seed"
for c in C1:NWUK015:04a10001 C2:NWUK015:04a10002 C3:NWUK015:04a10003 C4:GNUK001:04a10004; do
	IFS=: read -r id fac uid <<<"$c"
	"$S" "$T/hub.db" child "$id" "아동$id" "$fac" >/dev/null && "$S" "$T/hub.db" card "$uid" "$id" >/dev/null ||
		die "seed $id"
done
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
hub_seed_device "$T/hub.db" R2 GNUK001 >/dev/null || die "seed R2"
echo 'Cityadmin2026' | "$BIN/kiumctl" --data "$T" account create-city-admin seoulcity \
	--name "서울시 담당자" --password-stdin >"$T/ctl.out" 2>&1 || die "kiumctl: $(cat "$T/ctl.out")"
python3 - "$T/hub.db" <<'PY' || die "seed accounts"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
h = db.execute("SELECT pw_hash FROM accounts WHERE id = 'seoulcity'").fetchone()[0]
for acc, district, facility, role, typ in [("nwofficer", "NW", None, "district", "UK"),
                                           ("NWUK015001", "NW", "NWUK015", "center", "UK"),
                                           ("mom01", "", None, "parent", "")]:
    db.execute("INSERT INTO accounts (id, name, district, facility, state, pw_hash, created_ms,"
               " changed_ms) VALUES (?, '담당', ?, ?, 'approved', ?, 1, 1)", (acc, district, facility, h))
    db.execute("INSERT INTO account_roles (account, role, type, granted_ms) VALUES (?, ?, ?, 1)",
               (acc, role, typ))
db.execute("INSERT INTO facility_care (facility, kind, capacity, changed_ms) VALUES ('NWUK015', 'general', 10, 1)")
db.commit()
PY
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

TODAY=$(TZ=Asia/Seoul date +%F)
Q="from=$TODAY&to=$TODAY"
J='Content-Type: application/json'
login() { # JAR ID -> CSRF token
	hcurl -c "$T/$1" -b "$T/$1" -H "$J" --data "{\"id\":\"$2\",\"password\":\"Cityadmin2026\"}" \
		"$URL/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])'
}
get() { hcurl -b "$T/$1" -o "$T/out" -D "$T/head" -w '%{http_code}' "$URL$2" >"$T/st"; cat "$T/out"; }
st() { cat "$T/st"; }
code() { json_get "$(cat "$T/out")" 'j["error"]["code"]'; }
rows() { json_get "$1" "sorted((r['$2'], r['present'], r['taps'], r['unknown']) for r in j['rows'])"; }
for a in city:seoulcity nw:nwofficer center:NWUK015001 mom:mom01; do
	tok=$(login "${a%%:*}" "${a#*:}") && [[ -n $tok ]] || die "login ${a#*:}"
	[[ ${a%%:*} == center ]] && CENTER_CSRF=$tok
done

# Taps through the device API: C1 in and out, C2 in, an unknown card; C4 at 강남.
tap_batch R1 1:04a10001 2:04a10001 3:04a10002 4:04ffffff >"$T/b1.json"
tap_batch R2 1:04a10004 >"$T/b2.json"
for x in R1:b1 R2:b2 R1:b1; do
	s=$(dcurl "${x%%:*}" -H "$J" --data @"$T/${x#*:}.json" -o /dev/null -w '%{http_code}' \
		"$URL/api/v1/device/taps")
	[[ $s == 200 ]] || die "upload ${x} answered $s"
done

out=$(get city "/api/v1/stats/attendance?$Q&group=facility")
expect_eq "the city sees every facility: present once per child, taps, unknown cards" \
	"$(st) $(rows "$out" facility)" \
	"200 [('GNUK001', 1, 1, 0), ('NWUK015', 2, 4, 1), ('NWUK016', 0, 0, 0)]"
expect_eq "rates: present/booked null without bookings, present/capacity 2/10" \
	"$(json_get "$out" '[(r["rate_booked"], r["rate_capacity"]) for r in j["rows"] if r["facility"] == "NWUK015"]')" \
	"[(None, 20.0)]"
out=$(get city "/api/v1/stats/attendance?$Q&group=district")
expect_eq "by district" "$(json_get "$out" '[(r["district"], r["district_name"], r["present"]) for r in j["rows"]], j["total"]["present"]')" \
	"([('GN', '강남구', 1), ('NW', '노원구', 2)], 3)"

out=$(get nw "/api/v1/stats/attendance?$Q&group=facility")
expect_eq "the district officer sees their district only" "$(st) $(rows "$out" facility)" \
	"200 [('NWUK015', 2, 4, 1), ('NWUK016', 0, 0, 0)]"
get nw "/api/v1/stats/attendance?$Q&district=GN" >/dev/null
expect_eq "another district is refused" "$(st) $(code)" "403 out_of_scope"
get nw "/api/v1/stats/users?facility=GNUK001" >/dev/null
expect_eq "another district's facility is refused" "$(st) $(code)" "403 out_of_scope"

out=$(get center "/api/v1/stats/attendance?$Q&group=day")
expect_eq "the center sees its facility" "$(st) $(json_get "$out" 'j["filters"]["facility"], [(r["date"], r["present"]) for r in j["rows"]]')" \
	"200 ('NWUK015', [('$TODAY', 2)])"
get center "/api/v1/stats/attendance?facility=NWUK016" >/dev/null
expect_eq "another facility is refused to the center" "$(st) $(code)" "403 out_of_scope"
get mom "/api/v1/stats/attendance" >/dev/null
expect_eq "a parent is refused" "$(st) $(code)" "403 forbidden"
expect_eq "nobody is refused" "$(status_of hcurl "$URL/api/v1/stats/attendance")" "401"

# A correction through the portal (C3 forgot the card) counts C3 present.
s=$(hcurl -b "$T/center" -H "$J" -H "X-CSRF-Token: $CENTER_CSRF" -o /dev/null -w '%{http_code}' \
	--data "{\"date\":\"$TODAY\",\"child\":\"C3\",\"status\":\"present\",\"reason\":\"카드 미지참\"}" \
	"$URL/api/v1/facilities/NWUK015/reconciliation/corrections")
out=$(get nw "/api/v1/stats/attendance?$Q&group=facility&facility=NWUK015")
expect_eq "a correction moves the count" "$s $(rows "$out" facility)" "201 [('NWUK015', 3, 4, 1)]"
JSON_OUT=$(get nw "/api/v1/stats/attendance?$Q&group=facility")

# CSV: BOM, Korean file name, RFC 4180, the same numbers.
get nw "/api/v1/stats/attendance?$Q&group=facility&format=csv" >/dev/null
cp "$T/out" "$T/att.csv"
expect_eq "the CSV starts with the UTF-8 BOM" "$(st) $(head -c 3 "$T/att.csv" | xxd -p)" "200 efbbbf"
check "the CSV is named in Korean (RFC 6266 filename*) with an ASCII fallback" \
	grep -qi "^content-disposition: attachment; filename=\"kium-attendance-.*\.csv\"; filename\*=UTF-8''%EC%B6%9C%EC%84%9D%ED%98%84%ED%99%A9_" "$T/head"
check "the CSV is text/csv in UTF-8" grep -qi '^content-type: text/csv; charset=utf-8' "$T/head"
expect_eq "the CSV parses back to the JSON's numbers (quoted names included)" \
	"$(python3 - "$T/att.csv" "$JSON_OUT" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
j = json.loads(sys.argv[2])
head = rows[0]
want = [[r[c["key"]] for c in j["columns"]] for r in j["rows"]]
got = rows[1:-1]
norm = lambda v: "" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))
print(head == [c["label"] for c in j["columns"]], got == [[norm(v) for v in w] for w in want],
      rows[-1][0], any('"별빛"' in c for r in got for c in r))
PY
)" "True True 합계 True"

# XLSX: a zip with the sheet and the numbers.
get nw "/api/v1/stats/attendance?$Q&group=facility&format=xlsx" >/dev/null
cp "$T/out" "$T/att.xlsx"
expect_eq "the XLSX is a zip" "$(st) $(head -c 4 "$T/att.xlsx" | xxd -p)" "200 504b0304"
check "the workbook names the sheet 출석현황" sh -c "unzip -p '$T/att.xlsx' xl/workbook.xml | grep -q 'name=\"출석현황\"'"
check "the shared strings hold the facility and the Korean headers" \
	sh -c "unzip -p '$T/att.xlsx' xl/sharedStrings.xml | grep -q 'NWUK015' && unzip -p '$T/att.xlsx' xl/sharedStrings.xml | grep -q '출석 인원(연인원)'"
expect_eq "the sheet's NWUK015 row holds present 3 and taps 4" \
	"$(python3 - "$T/att.xlsx" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
strings = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
sheet = z.read("xl/worksheets/sheet1.xml").decode()
cells = {}
for ref, attrs, v in re.findall(r'<c r="([A-Z]+\d+)"([^>]*)><v>([^<]*)</v>', sheet):
    cells[ref] = strings[int(v)] if 't="s"' in attrs else v
head = [cells.get(f"{c}1") for c in "ABCDEFGHIJKLMNOPQ"]
row = next(r for r in range(2, 10) if cells.get(f"A{r}") == "NWUK015")
col = lambda label: "ABCDEFGHIJKLMNOPQ"[head.index(label)]
print(cells[f"{col('출석 인원(연인원)')}{row}"], cells[f"{col('전체 태그')}{row}"])
PY
)" "3 4"

out=$(get city "/api/v1/stats/facilities?group=district_type")
expect_eq "facilities by district and type" \
	"$(json_get "$out" '[(r["district"], r["type"], r["facilities"], r["capacity"]) for r in j["rows"]]')" \
	"[('GN', 'UK', 1, 0), ('NW', 'UK', 2, 10)]"
out=$(get center "/api/v1/stats/users?$Q&group=facility")
expect_eq "users: the center's children who came" "$(json_get "$out" '[(r["facility"], r["attended"]) for r in j["rows"]]')" "[('NWUK015', 3)]"
get city "/api/v1/stats/attendance?group=week" >/dev/null
expect_eq "a bad filter names itself" "$(st) $(code) $(json_get "$(cat "$T/out")" 'j["error"]["detail"]')" "400 bad_query group"

# kiumctl stats rebuild, beside the running hub, brings wiped rollups back to the same numbers.
python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute("DELETE FROM stats_day"); d.execute("DELETE FROM stats_child_day"); d.commit()' "$T/hub.db" ||
	die "wipe"
out=$(get nw "/api/v1/stats/attendance?$Q&group=facility")
expect_eq "wiped rollups read as zero" "$(rows "$out" facility)" "[('NWUK015', 0, 0, 0), ('NWUK016', 0, 0, 0)]"
expect_eq "kiumctl stats rebuild" "$("$BIN/kiumctl" --data "$T" stats rebuild 2>&1)" "statistics rebuilt"
expect_eq "the rebuilt numbers are the ones the hooks kept" "$(get nw "/api/v1/stats/attendance?$Q&group=facility")" "$JSON_OUT"
