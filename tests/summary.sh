#!/usr/bin/env bash
# Adds up build/results.txt ("<pass> <passed> <failed>" per line) into the one closing line,
# and exits non-zero when anything failed or nothing ran at all.
set -euo pipefail
f=${1:-build/results.txt}
read -r p n < <(awk '{p += $2; n += $3} END {print p + 0, n + 0}' "$f")
echo
echo "$p passed, $n failed"
if ((n > 0 || p == 0)); then
	exit 1
fi
