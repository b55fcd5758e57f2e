#!/usr/bin/env bash
# Reconciliation (issue 6) kept as taps arrive, over real HTTPS: a reader whose clock runs 20
# minutes ahead uploads two taps of a card nobody holds; they are nobody's until kiumctl
# registers the card (at a time before the taps' effective time), then they are the child's
# (the same answer as the lookup at read time); `kiumctl stats check` finds the kept rows
# equal to the taps, finds a wiped row, and `kiumctl stats rebuild` brings it back.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "certificates"
"$HELPERS/hub_seed" "$T/hub.db" facility NWUK015 "노원 키움센터" >/dev/null || die "seed"
"$HELPERS/hub_seed" "$T/hub.db" child C2 "이서연" NWUK015 >/dev/null || die "seed child"
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "token"
hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

J='Content-Type: application/json'
A="Authorization: Bearer $TOKEN"
# The Seoul day of the taps (20 and 30 minutes from now), and the batch.
DAY=$(python3 -c "import time; print(time.strftime('%Y-%m-%d', time.gmtime(time.time() + 9 * 3600 + 1200)))")
batch=$(python3 - <<'PY'
import json, time
now = int(time.time() * 1000); boot = "6f1c2a3e-0000-4000-8000-000000000002"
taps = [{"seq": s, "uid": "04e0e0e1", "wall_ms": now + m * 60000, "boot_id": boot,
         "mono_ms": 100000 + s, "clock": "synced", "dir": d, "result": r}
        for s, m, d, r in ((1, 20, "in", "arrival"), (2, 30, "out", "departure"))]
print(json.dumps({"device": "R1", "boot_id": boot, "mono_ms": 200000, "wall_ms": now,
                  "clock": "synced", "taps": taps}))
PY
)
recon() {
	hcurl -H "$A" "$URL/api/v1/facilities/NWUK015/reconciliation?date=$DAY" |
		python3 -c 'import json, sys; j = json.load(sys.stdin); print([(c["child"], c["status"], c["taps"]) for c in j["children"]], j["summary"]["users"])'
}

out=$(dcurl R1 -H "$J" --data-binary "$batch" "$URL/api/v1/device/taps")
expect_eq "two taps of an unknown card stored" "$(json_get "$out" 'j["acked_seq"]')" "2"
expect_eq "nobody's taps are not reconciled" "$(recon)" "[] 0"
expect_eq "kiumctl card assign" "$("$BIN/kiumctl" --data "$T" card assign 04e0e0e1 C2 >/dev/null 2>&1; echo $?)" "0"
expect_eq "registered before their effective time, the taps are the child's" "$(recon)" \
	"[('C2', 'unreserved', 2)] 1"
expect_eq "kiumctl stats check: the kept rows equal the taps" \
	"$("$BIN/kiumctl" --data "$T" stats check 2>&1; echo "exit $?")" \
	"children's days of taps: 0 rows differ from the taps
exit 0"
python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute("DELETE FROM attendance_child_day"); d.commit()' "$T/hub.db" ||
	die "wipe"
expect_eq "kiumctl stats check finds a wiped row" \
	"$("$BIN/kiumctl" --data "$T" stats check 2>&1; echo "exit $?")" \
	"children's days of taps: 1 rows differ from the taps
exit 1"
expect_eq "kiumctl stats rebuild" "$("$BIN/kiumctl" --data "$T" stats rebuild 2>&1)" "statistics rebuilt"
expect_eq "rebuilt: the same answer" "$(recon)" "[('C2', 'unreserved', 2)] 1"
expect_eq "kiumctl stats check after the rebuild" \
	"$("$BIN/kiumctl" --data "$T" stats check >/dev/null 2>&1; echo "exit $?")" "exit 0"
