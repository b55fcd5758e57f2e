#!/usr/bin/env bash
# The booking rush through the hub's group commit (hub/api/routes.c, store_group.h): many
# registrations on many connections at once for a center of few places, decided in groups
# inside one transaction each: exactly the places given, the waitlist at twice the
# capacity, the rest refused, nobody placed beyond capacity at any moment (counted with SQL),
# and one audit row per decision (written inside the same group).
# timeout: 120
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

BB=$KIUM_BUILD/test/bench/booking_bench
CLIENTS=$(scale 400)
PLACES=$(scale 30)
hub_pki "$T/pki" || die "certificates"
"$BB" seed "$T/hub.db" "$CLIENTS" "$PLACES" >/dev/null || die "seed"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_MAX_CONNS=128 HUB_IDLE_MS=30000 HUB_HEADER_MS=10000 HUB_BODY_MS=10000 hub_config "$T/hub.conf"
hub_start "$T/hub.conf"
r=$("$BB" rush "$PORT" "$T/pki/ca.crt" "$TOKEN" "$CLIENTS" 32)
echo "$r" | sed 's/^/# /'
val() { echo "$r" | awk -v k="$1" '$1 == k {print $2}'; }
expect_eq "no request failed" "$(val errors)" "0"
expect_eq "exactly the places given" "$(val placed)" "$PLACES"
expect_eq "the waitlist holds twice the capacity" "$(val waiting)" "$((2 * PLACES))"
expect_eq "the rest refused" "$(val refused)" "$((CLIENTS - 3 * PLACES))"
c=$("$BB" check "$T/hub.db" "$PLACES")
expect_eq "nobody placed beyond capacity (SQL)" "$(echo "$c" | awk '$1 == "overbooked" {print $2}')" "0"
rows=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from audit_log where action like ?", ("POST /api/v1/facilities/{code}/bookings",)).fetchone()[0])' "$T/hub.db")
expect_eq "one audit row per decision" "$rows" "$CLIENTS"
held=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from bookings").fetchone()[0])' "$T/hub.db")
expect_eq "every placed or waiting booking is on disk" "$held" "$((3 * PLACES))"
