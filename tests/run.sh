#!/usr/bin/env bash
# Runs every unit test binary and every end-to-end script of one build variant.
#
#   tests/run.sh VARIANT BUILD_DIR [FILTER]
#
# Each test program prints one line per check: "PASS: <name>" or "FAIL: <name>: <why>".
# A program that exits non-zero, or is killed by the watchdog, counts as one more failure
# even when it printed no FAIL line. Logs go to BUILD_DIR/logs/; counts are appended to
# build/results.txt for tests/summary.sh. An e2e script may set its own watchdog with a
# line "# timeout: SECONDS" (default 300).
set -uo pipefail

variant=$1
build=$2
filter=${3:-${KIUM_TEST_FILTER:-}}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs=$build/logs
mkdir -p "$logs" build
export KIUM_ROOT=$root KIUM_BUILD=$root/$build KIUM_VARIANT=$variant
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

total_pass=0
total_fail=0

run_one() { # name timeout command...
	local name=$1 limit=$2
	shift 2
	local log=$logs/$name.log
	local t0=$SECONDS
	# timeout(1) puts itself and the test in a new process group and signals the whole group
	# when the time is up; after a normal exit, whatever the test left running in that group
	# is killed too.
	timeout --kill-after=10 -s TERM "$limit" "$@" >"$log" 2>&1 </dev/null &
	local wd=$!
	wait $wd
	local rc=$?
	kill -KILL -- -"$wd" 2>/dev/null
	local p f
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	if ((rc == 124 || rc == 137)); then
		echo "FAIL: $name: watchdog killed it after ${limit}s" >>"$log"
		f=$((f + 1))
	elif ((rc != 0 && f == 0)); then
		echo "FAIL: $name: exited with status $rc" >>"$log"
		f=$((f + 1))
	elif ((p == 0 && f == 0)); then
		echo "FAIL: $name: ran no check" >>"$log"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if ((f > 0)); then
		printf '%-8s %-40s %4d passed %4d FAILED (%ds) log: %s\n' "$variant" "$name" "$p" "$f" $((SECONDS - t0)) "$log"
		grep -E '^FAIL: ' "$log" | head -20 | sed 's/^/    /'
	else
		printf '%-8s %-40s %4d passed (%ds)\n' "$variant" "$name" "$p" $((SECONDS - t0))
	fi
}

for t in "$build"/test/unit/*; do
	[[ -x $t ]] || continue
	name=unit/$(basename "$t")
	[[ -n $filter && $name != *$filter* ]] && continue
	run_one "${name//\//_}" 120 "$t"
done

for t in "$build"/test/replay/*; do
	[[ -x $t ]] || continue
	n=$(basename "$t")
	name=replay/$n
	[[ -n $filter && $name != *$filter* ]] && continue
	run_one "${name//\//_}" 120 "$t" tests/fuzz/corpus/"$n" tests/fuzz/crashers/"$n"
done

for t in tests/e2e/*.sh; do
	[[ -f $t ]] || continue
	name=e2e/$(basename "$t" .sh)
	[[ -n $filter && $name != *$filter* ]] && continue
	limit=$(sed -n 's/^# timeout: \([0-9]*\).*/\1/p' "$t" | head -1)
	run_one "${name//\//_}" "${limit:-300}" bash "$t"
done

echo "$variant $total_pass $total_fail" >>build/results.txt
echo "$variant: $total_pass passed, $total_fail failed"
exit 0
