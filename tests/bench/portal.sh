#!/usr/bin/env bash
# Portal login cost: Argon2id hash/verify at the hub's limits (median of 9).
set -uo pipefail
build=${1:-build/default}
"$build/test/bench/portal_password" 9
