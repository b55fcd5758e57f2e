#!/usr/bin/env bash
# The notification hook's cost on durable tap ingest (tests/bench/notify_ingest.c): unknown
# cards, children without guardians, children with two guardians (two outbox rows per tap).
set -uo pipefail
build=${1:-build/default}
dir=$(mktemp -d "${TMPDIR:-/tmp}/kium-bench-notify.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/test/bench/notify_ingest" "$dir" "${NOTIFY_BENCH_SECONDS:-3}"
