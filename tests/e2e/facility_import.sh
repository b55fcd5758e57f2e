#!/usr/bin/env bash
# kiumctl import facilities: a CSV with a BOM, Korean headers, CRLF lines and quoted fields;
# the verification report names each accepted row's issued code and each refused row's line,
# field and Korean/English reason; --dry-run writes nothing; a refused row leaves nothing
# behind; legacy codes are kept but never issued twice; English headers work too.
# timeout: 30
. "$(dirname "$0")/lib.bash"

K=$BIN/kiumctl
D=$T/data
[[ -x $K ]] || die "missing kiumctl"
"$K" --data "$D" init --hostname localhost --ip 127.0.0.1 --listen 127.0.0.1:1 >/dev/null || die "init"
sql() { python3 -c 'import sqlite3, sys; print("\n".join("|".join(map(str, r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$D/hub.db" "$1"; }

H='시설명,자치구,시설유형,운영유형,동,이용연령,주소,위도,경도,운영일,E-mail,전화번호,전용면적,운영여부,필요서류,시설코드'
{
	printf '\xef\xbb\xbf%s\r\n' "$H"
	printf '%s\r\n' \
		'노원1호점,노원구,UK,general,상계1동,초등학생,서울 노원구 상계로 1,37.654,127.061,2020.06.17,a@example.kr,02-123-4567,99,운영,"신청서, 동의서",' \
		'나쁜메일,NW,UK,hub,상계2동,초등학생,주소,37.65,127.06,,a@@b,,33,Y,,' \
		'작은센터,NW,UK,hub,상계3동,초등학생,주소,37.65,127.06,,s@example.kr,,3.29,Y,,' \
		'딱맞는센터,NW,UK,hub,상계3동,초등학생,주소,37.65,127.06,,s@example.kr,,3.3,Y,,' \
		'기존센터,NW,UK,convergent,상계4동,초중생,주소,37.65,127.06,2019-01-02,o@example.kr,,66,Y,,NWUK015' \
		'중복코드,NW,UK,convergent,상계4동,초중생,주소,37.65,127.06,,o@example.kr,,66,Y,,NWUK015' \
		'남의코드,NW,UK,convergent,상계4동,초중생,주소,37.65,127.06,,o@example.kr,,66,Y,,GNUK001' \
		'기존다음,NW,UK,hub,상계5동,초등학생,주소,37.65,127.06,,n@example.kr,,33,1,,' \
		"Robert'); DROP TABLE facilities;--,GN,CC,,역삼1동,영유아,주소 %_,37.5,127.03,,r@example.kr,,50,N,," \
		'"따옴표 ""센터""",GN,SK,,역삼2동,유치원생,주소,37.5,127.03,2023-02-29,k@example.kr,,50,Y,,' \
		'열이모자람,GN,SK' \
		'전화,GN,SK,,역삼2동,유치원생,주소,37.5,127.03,,k@example.kr,02-12,50,Y,,' \
		'"끝나지 않은 따옴표,GN,SK'
} >"$T/a.csv"

"$K" --data "$D" import facilities "$T/a.csv" --dry-run >"$T/dry" 2>"$T/dry.err"
expect_eq "dry_run_exit" "$?" 1
expect_eq "dry_run_writes_nothing" "$(sql 'SELECT count(*) FROM facilities')" 0
expect_eq "dry_run_predicts_codes" "$(awk -F'\t' '$2=="accepted"{print $1":"$3}' "$T/dry" | tr '\n' ' ')" \
	"2:NWUK001 5:NWUK002 6:NWUK015 9:NWUK016 10:GNCC001 "

"$K" --data "$D" import facilities "$T/a.csv" --actor importer >"$T/rep" 2>"$T/rep.err"
expect_eq "import_exit_when_rows_refused" "$?" 1
expect_eq "report_accepted" "$(awk -F'\t' '$2=="accepted"{print $1":"$3}' "$T/rep" | tr '\n' ' ')" \
	"2:NWUK001 5:NWUK002 6:NWUK015 9:NWUK016 10:GNCC001 "
expect_eq "report_refused_fields" "$(awk -F'\t' '$2=="refused"{print $1":"$4}' "$T/rep" | tr '\n' ' ')" \
	"3:email 4:area 7:code 8:code 11:opened 12:- 13:phone 14:- "
grep -q $'^3\trefused\t-\temail\t이메일 형식이 올바르지 않습니다 / Invalid e-mail address$' "$T/rep" &&
	pass "reason_korean_and_english" || fail "reason_korean_and_english" "$(cat "$T/rep")"
grep -q '^# 5 accepted, 8 refused$' "$T/rep" && pass "summary" || fail "summary" "$(tail -1 "$T/rep")"
expect_eq "stored_rows" "$(sql 'SELECT code, name, operating, created_by FROM facilities ORDER BY code' | tr '\n' ' ')" \
	"GNCC001|Robert'); DROP TABLE facilities;--|0|importer NWUK001|노원1호점|1|importer NWUK002|딱맞는센터|1|importer NWUK015|기존센터|1|importer NWUK016|기존다음|1|importer "
expect_eq "capacity_in_facility_care" "$(sql 'SELECT facility, kind, capacity FROM facility_care ORDER BY facility' | tr '\n' ' ')" \
	"NWUK001|general|30 NWUK002|hub|1 NWUK015|convergent|20 NWUK016|hub|10 "
expect_eq "quoted_fields_kept" "$(sql "SELECT documents FROM facilities WHERE code = 'NWUK001'")" "신청서, 동의서"
expect_eq "nothing_half_imported" "$(sql "SELECT count(*) FROM facilities WHERE name IN ('나쁜메일','작은센터','중복코드','남의코드')")" 0

# Again: legacy code refused as a duplicate, new rows continue after the highest number.
printf '%s\n' 'name,district,type,kind,dong,ages,address,latitude,longitude,email,area,code' \
	'again,NW,UK,hub,상계1동,elementary,addr,37.6,127.0,x@example.kr,10,NWUK015' \
	'next,NW,UK,hub,상계1동,elementary,addr,37.6,127.0,x@example.kr,10,' >"$T/b.csv"
"$K" --data "$D" import facilities "$T/b.csv" >"$T/rep2" 2>&1
expect_eq "english_headers_and_next_code" "$(awk -F'\t' '$1 ~ /^[0-9]+$/{print $1":"$2":"$3}' "$T/rep2" | tr '\n' ' ')" \
	"2:refused:- 3:accepted:NWUK017 "
printf 'name,bogus\nx,y\n' >"$T/c.csv"
"$K" --data "$D" import facilities "$T/c.csv" >/dev/null 2>"$T/c.err"
expect_eq "unknown_column_refused" "$?" 1
grep -q "unknown column 'bogus'" "$T/c.err" && pass "unknown_column_named" || fail "unknown_column_named" "$(cat "$T/c.err")"
"$K" --data "$D" import people "$T/c.csv" >/dev/null 2>&1
expect_eq "usage" "$?" 2
