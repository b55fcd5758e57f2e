#!/usr/bin/env bash
# The end-to-end backlog drain rate: taps/s from the reader's journal to the hub's store,
# over mutual TLS on loopback, after the hub comes back to a 100,000-tap backlog
# (tests/e2e/uplink_backlog.sh, which prints the figure).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(KIUM_ROOT=$root KIUM_BUILD=$root/${1:-build/default} KIUM_VARIANT=default \
	bash "$root/tests/e2e/uplink_backlog.sh" 2>&1)
grep '^bench: ' <<<"$out" || { echo "$out" | grep -E 'FAIL|drain' >&2; exit 1; }
