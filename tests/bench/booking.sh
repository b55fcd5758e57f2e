#!/usr/bin/env bash
# Booking benchmarks (issue 6), loopback only:
#   1. a rush: 5,000 staff registrations of temporary care for a hub center of 300 places,
#      over HTTPS keep-alive on 64 connections at once; decisions/s, and the places held
#      beyond capacity at the busiest moment counted afterwards from the database (must be 0);
#   2. reconciling a whole city day: 500 centers x 40 booked children, two taps each.
# Prints "bench: <name> <value> <unit>" lines.
set -uo pipefail
KIUM_BUILD=${KIUM_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/${1:-build/default}}
. "$(dirname "$0")/../e2e/lib.bash"
. "$(dirname "$0")/../e2e/hub_env.bash"
BB=$KIUM_BUILD/test/bench/booking_bench
SEED=$KIUM_BUILD/test/e2e/hub_seed
CLIENTS=${BOOKING_BENCH_CLIENTS:-5000}
PLACES=${BOOKING_BENCH_PLACES:-300}
CONNS=${BOOKING_BENCH_CONNS:-64}

hub_pki "$T/pki" || die "certificates"
"$BB" seed "$T/hub.db" "$CLIENTS" "$PLACES" || die "seed"
TOKEN=$("$SEED" "$T/hub.db" token admin) || die "seed token"
HUB_MAX_CONNS=256 HUB_IDLE_MS=60000 HUB_HEADER_MS=10000 HUB_BODY_MS=10000 \
	HUB_LOG_LEVEL=warning hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

r=$("$BB" rush "$PORT" "$T/pki/ca.crt" "$TOKEN" "$CLIENTS" "$CONNS") || echo "rush failed" >&2
echo "$r" | sed 's/^/# /'
echo "bench: booking_rush_decisions_per_s $(echo "$r" | awk '/^decisions_per_s/ {print $2}') decisions/s"
c=$("$BB" check "$T/hub.db" "$PLACES") || echo "check failed" >&2
echo "$c" | sed 's/^/# /'
echo "bench: booking_rush_overbooked $(echo "$c" | awk '/^overbooked/ {print $2}') places"

r=$("$BB" city "$T/city.db" 500 40) || echo "city failed" >&2
echo "$r" | sed 's/^/# /'
echo "bench: booking_reconcile_city_day $(echo "$r" | awk '/^reconcile_city_ms/ {print $2}') ms"
