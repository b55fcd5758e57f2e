#!/usr/bin/env bash
# Statistics benchmark (issue 7's goal: a district-month statistics query, p95 <= 50 ms, over
# 10 million attendance rows):
#   1. stats_gen gen: a city of 1,000 centers and 30,000 children with STATS_BENCH_ROWS taps
#      (default 10,000,000) over a year's weekdays and their rollups, straight into SQLite;
#   2. stats_gen query: district-month attendance (and users) tables through stats_build,
#      the function the route calls, STATS_BENCH_QUERIES times (default 300);
#   3. the same attendance query through HTTPS (kium-hub on that store, one keep-alive curl
#      with an API token), 50 requests;
#   4. the ingest hook's CPU cost per tap beside the tap insert's.
# Prints "bench: <name> <value> <unit>" lines. Needs ~2 GB in $TMPDIR and about 3 minutes.
set -uo pipefail
KIUM_BUILD=${KIUM_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/${1:-build/default}}
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/hub_env.bash"
GEN=$KIUM_BUILD/test/bench/stats_gen
ROWS=${STATS_BENCH_ROWS:-10000000}
QUERIES=${STATS_BENCH_QUERIES:-300}

"$GEN" gen "$T/hub.db" "$ROWS" || die "stats_gen gen failed"
"$GEN" query "$T/hub.db" "$QUERIES" || die "stats_gen query failed"

hub_pki "$T/pki" || die "certificates"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_IDLE_MS=600000 HUB_LOG_LEVEL=warning hub_config "$T/hub.conf"
hub_start "$T/hub.conf"
urls=()
months=(2025-12 2026-01 2026-02 2026-03 2026-04 2026-05 2026-06 2026-07 2026-08 2026-09)
districts=(GN GS GA GJ GR KC NW DB DM DJ MP SM SC SD SB SP YC YF YS EP JN JG JR GD GB)
for i in $(seq 0 49); do
	urls+=(-o /dev/null "$URL/api/v1/stats/attendance?group=facility&district=${districts[i % 25]}&month=${months[i % 10]}")
done
hcurl -H "Authorization: Bearer $TOKEN" -o /dev/null -w '%{http_code} %{time_total}\n' \
	"$URL/api/v1/stats/attendance?group=facility&district=NW&month=2026-03" >/dev/null # warm
hcurl -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_total}\n' "${urls[@]}" \
	>"$T/https.txt" || echo "https queries failed" >&2
python3 - "$T/https.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
ok = sorted(float(t) * 1000 for s, t in rows if s == "200")
if len(ok) != len(rows) or not ok:
    print("stats.sh: %d of %d HTTPS answers were 200" % (len(ok), len(rows)), file=sys.stderr)
if ok:
    print("bench: stats_https_district_month_p95 %.2f ms" % ok[int(len(ok) * 0.95) - 1])
    print("bench: stats_https_district_month_median %.2f ms" % ok[len(ok) // 2])
PY
mkdir -p "$T/hook"
"$GEN" hook "$T/hook" 20000 || die "stats_gen hook failed"
