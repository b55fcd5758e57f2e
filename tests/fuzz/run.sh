#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time on its corpus.
#
#   tests/fuzz/run.sh BIN_DIR SECONDS NAME... [--results FILE]
#
# New inputs go to build/fuzz/corpus/<name> (the checked-in tests/fuzz/corpus/<name> is only
# read); a crash leaves its input in build/fuzz/crashes/ - copy it to tests/fuzz/crashers/<name>/
# once fixed, so that every later `make check` replays it.
set -uo pipefail
bin=$1 secs=$2
shift 2
names=() results=
while (($#)); do
	if [[ $1 == --results ]]; then
		results=$2
		shift 2
	else
		names+=("$1")
		shift
	fi
done
p=0 f=0
for n in "${names[@]}"; do
	mkdir -p build/fuzz/corpus/"$n" build/fuzz/crashes tests/fuzz/corpus/"$n"
	log=build/fuzz/$n.log
	if timeout --kill-after=10 $((secs + 60)) "$bin/$n" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix=build/fuzz/crashes/"$n"- \
		build/fuzz/corpus/"$n" tests/fuzz/corpus/"$n" >"$log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*')
		echo "fuzz     $n: ${runs:-?} runs in ${secs}s, no crash"
		p=$((p + 1))
	else
		echo "fuzz     $n: FAILED, see $log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
		f=$((f + 1))
	fi
done
[[ -n $results ]] && echo "fuzz $p $f" >>"$results"
echo "fuzz: $p passed, $f failed"
((f == 0))
