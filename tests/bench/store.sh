#!/usr/bin/env bash
# The hub store's durable ingest rate (batches of 100 taps, one synchronous=FULL transaction
# per batch) against a raw SQLite baseline under the same pragmas, on a temp directory.
set -uo pipefail
build=${1:-build/default}
dir=$(mktemp -d "${TMPDIR:-/tmp}/kium-bench-store.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/test/bench/store_ingest" "$dir" "${STORE_BENCH_SECONDS:-3}"
