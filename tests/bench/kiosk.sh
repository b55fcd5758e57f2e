#!/usr/bin/env bash
# Kiosk: feedback-to-screen draw time (median, p99) and idle CPU on the clock screen.
set -euo pipefail
build=${1:-build/default}
"$build"/test/bench/kiosk_draw "${KIUM_KIOSK_IDLE_SECONDS:-10}"
