#!/usr/bin/env bash
# `make bench`: runs every tests/bench/*.sh with the build directory as its argument.
# Each prints its figures as "bench: <name> <value> <unit>", one per line.
set -uo pipefail
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export KIUM_ROOT=$root KIUM_BUILD=$root/$build KIUM_VARIANT=default
status=0
for b in tests/bench/*.sh; do
	[[ $(basename "$b") == run.sh ]] && continue
	echo "== $(basename "$b" .sh)" >&2
	timeout --kill-after=10 1200 bash "$b" "$build" || { echo "bench $(basename "$b") failed" >&2; status=1; }
done
exit $status
