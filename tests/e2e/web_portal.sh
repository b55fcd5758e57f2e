#!/usr/bin/env bash
# The web portal end to end in real headless Chromium (Debian's /usr/bin/chromium driven by
# playwright-core from tests/web/node_modules): a hub over real TLS with generated demo data
# (tests/web/seed_portal.py) and its clock pinned to 15:00 in Seoul today (the browser's clock
# is fixed to the same instant), the test CA trusted through an NSS database in a temporary
# HOME (no certificate errors ignored), then tests/web/portal.test.mjs signs in as each role
# and does each main task, asserting what the pages show; screenshots, also at 360 px wide,
# go to tests/artifacts/web/<variant>/ (kept).
# timeout: 150
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

WEB=$KIUM_ROOT/tests/web
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is missing (make deps installs Debian's chromium)"
[[ -f $WEB/node_modules/playwright-core/package.json ]] || die "playwright-core is missing (make deps runs npm ci in tests/web)"
command -v certutil >/dev/null || die "certutil is missing (make deps installs libnss3-tools)"

hub_pki "$T/pki" || die "certificates"
# 15:00 in Seoul today, as UTC milliseconds: the hub's pinned clock and the browser's.
NOW=$(python3 -c 'import datetime as d; z=d.timezone(d.timedelta(hours=9)); t=d.datetime.now(z); print(int(t.replace(hour=15, minute=0, second=0, microsecond=0).timestamp()*1000))')
S() { "$HELPERS/hub_seed" "$T/hub.db" "$@" >/dev/null || die "seed $*"; }
# The children and their cards exist from five days before, so that the taps of the days
# before today (the parent's history) have their holder.
export KIUM_PINNED_CLOCK=$((NOW - 5 * 86400000))
S facility NWUK015 "노원구 우리동네키움센터 15호점"
for c in "C001 김민수 04a1b2c3" "C002 이서연 04d5e6f7a8b9c0" "C003 박지호 1a2b3c4d" "C004 최유나 -" "C005 정하준 5e6f7a8b"; do
	read -r id name uid <<<"$c"
	S child "$id" "$name" NWUK015
	[[ $uid == - ]] || S card "$uid" "$id"
done
unset KIUM_PINNED_CLOCK
hub_seed_device "$T/hub.db" R1 NWUK015 >/dev/null || die "seed R1"
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "token"
echo 'Seoulcity2026' | "$BIN/kiumctl" --data "$T" account create-city-admin seoulcity \
	--name "서울시 담당자" --password-stdin >"$T/ctl.out" 2>&1 || die "kiumctl: $(cat "$T/ctl.out")"

hub_config "$T/hub.conf" "[web]" "root = $KIUM_ROOT/hub/web"
export KIUM_PINNED_CLOCK=$NOW
hub_start "$T/hub.conf"
unset KIUM_PINNED_CLOCK
URL=https://localhost:$PORT

python3 "$WEB/seed_portal.py" --url "$URL" --ca "$T/pki/ca.crt" --db "$T/hub.db" --token "$TOKEN" \
	--city seoulcity --city-password Seoulcity2026 --now "$NOW" \
	--device "R1,$T/pki/R1.crt,$T/pki/R1.key" >"$T/accounts.txt" 2>"$T/seed.err" ||
	die "seed: $(tail -3 "$T/seed.err")"

# Chromium on Linux trusts the roots of the NSS database in $HOME/.pki/nssdb.
mkdir -p "$T/home/.pki/nssdb"
certutil -N -d "sql:$T/home/.pki/nssdb" --empty-password >/dev/null 2>&1 &&
	certutil -A -d "sql:$T/home/.pki/nssdb" -t "C,," -n kium-test-ca -i "$T/pki/ca.crt" ||
	die "cannot trust the test CA in an NSS database"

ART=$KIUM_ROOT/tests/artifacts/web/$KIUM_VARIANT
rm -rf "$ART"
mkdir -p "$ART"
HOME=$T/home KIUM_URL=$URL KIUM_NOW=$NOW KIUM_ART=$ART KIUM_ACCOUNTS=$T/accounts.txt \
	KIUM_DEVICE="$T/pki/R1.crt,$T/pki/R1.key,$T/pki/ca.crt" KIUM_TMP=$T \
	node "$WEB/portal.test.mjs"
rc=$?
((rc == 0)) || fail "browser" "portal.test.mjs exited with $rc"
check "screenshots were saved" test "$(find "$ART" -name '*.png' | wc -l)" -ge 10
check "no portal request was refused by CSP (hub log)" bash -c "! grep -qi 'csp' '$T/hub.log'"
check "no child name in the hub's log" bash -c "! grep -q -e 김민수 -e 이서연 -e 최유나 '$T/hub.log'"
