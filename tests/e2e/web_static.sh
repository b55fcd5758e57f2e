#!/usr/bin/env bash
# The hub's static file serving for the web portal, over real HTTPS: content types, ETag and
# 304, HEAD, the security headers, clean paths (/ and /staff), the Korean 404 page, 405 for
# other methods, JSON 404s kept under /api/, no way out of the web root (dot segments, encoded
# dots, a symlink to a file outside, hidden files), the size cap, SIGHUP reloading the files,
# and a missing root answering JSON 404s without keeping the hub from starting.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

hub_pki "$T/pki" || die "cannot make certificates"
W=$T/web
mkdir -p "$W/css" "$W/js" "$W/img" "$T/outside"
echo '<!doctype html><title>첫 화면</title><p>INDEX-V1</p>' >"$W/index.html"
echo '<!doctype html><p>STAFF-PAGE</p>' >"$W/staff.html"
echo 'body { color: #123 }' >"$W/css/a.css"
echo 'export const x = 1;' >"$W/js/m.js"
echo '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$W/img/x.svg"
printf '\x89PNG\r\n\x1a\n' >"$W/img/p.png"
echo '{"name":"키움"}' >"$W/app.webmanifest"
echo '{"a":1}' >"$W/data.json"
echo 'HIDDEN-SECRET' >"$W/.hidden.html"
echo 'OUTSIDE-SECRET' >"$T/outside/secret.html"
ln -s ../outside/secret.html "$W/leak.html"
ln -s "$T/outside" "$W/outdir"
ln -s index.html "$W/alias.html"
echo 'not served' >"$W/notes.md"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$W/big.html"

hub_config "$T/hub.conf" "[web]" "root = $W"
hub_start "$T/hub.conf"

# fetch PATH [curl args...]: status, headers in $T/h, body in $T/b
fetch() {
	local p=$1
	shift
	rm -f "$T/b"; touch "$T/b"
	hcurl --path-as-is -o "$T/b" -D "$T/h" -w '%{http_code}' "$@" "$URL$p"
}
hdr() { grep -i "^$1:" "$T/h" | head -1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }

expect_eq "GET / serves index.html" "$(fetch /) $(grep -c INDEX-V1 "$T/b")" "200 1"
expect_eq "html is text/html; charset=utf-8" "$(hdr Content-Type)" "text/html; charset=utf-8"
check "CSP default-src 'self' and frame-ancestors 'none'" grep -qi "^content-security-policy: default-src 'self'; frame-ancestors 'none'" "$T/h"
expect_eq "X-Content-Type-Options" "$(hdr X-Content-Type-Options)" "nosniff"
expect_eq "Referrer-Policy" "$(hdr Referrer-Policy)" "same-origin"
expect_eq "Cache-Control: no-cache (revalidated with the ETag)" "$(hdr Cache-Control)" "no-cache"
etag=$(hdr ETag)
check "a strong ETag" grep -qE '^"[0-9a-f]{24}"$' <<<"$etag"
expect_eq "If-None-Match with the ETag gives 304 without a body" \
	"$(fetch / -H "If-None-Match: $etag") $(stat -c %s "$T/b")" "304 0"
expect_eq "the 304 carries the ETag again" "$(hdr ETag)" "$etag"
expect_eq "another ETag gives the page" "$(fetch / -H 'If-None-Match: "0000"')" "200"
expect_eq "HEAD answers the length without the body" \
	"$(fetch / -I) $(hdr Content-Length)" "200 $(stat -c %s "$W/index.html")"
expect_eq "/staff is staff.html" "$(fetch /staff) $(grep -c STAFF-PAGE "$T/b")" "200 1"
expect_eq "a query string is ignored" "$(fetch '/staff?x=1') $(grep -c STAFF-PAGE "$T/b")" "200 1"

for pair in "/css/a.css text/css; charset=utf-8" "/js/m.js text/javascript; charset=utf-8" \
	"/img/x.svg image/svg+xml" "/img/p.png image/png" "/data.json application/json" \
	"/app.webmanifest application/manifest+json"; do
	p=${pair%% *}
	expect_eq "content type of $p" "$(fetch "$p") $(hdr Content-Type)" "200 ${pair#* }"
done

# Nothing outside the root, nothing hidden.
for p in /../outside/secret.html /css/../../outside/secret.html /%2e%2e/outside/secret.html \
	/..%2foutside/secret.html /leak.html /outdir/secret.html /.hidden.html //etc/passwd \
	/css/../index.html /notes.md; do
	s=$(fetch "$p")
	expect_eq "$p is not served" "$s $(grep -c -e SECRET -e root: "$T/b")" "404 0"
done
expect_eq "a symlink to a file inside the root is served" "$(fetch /alias.html) $(grep -c INDEX-V1 "$T/b")" "200 1"
check "the escaping symlink is logged" grep -q 'leak.html points outside the web root' "$T/hub.log"
expect_eq "a file over the size cap is not served" "$(fetch /big.html)" "404"
check "the size cap is logged" grep -q 'big.html not served: past the limits' "$T/hub.log"

# The Korean 404 page, the API's JSON 404, and other methods.
expect_eq "an unknown page is a 404 in Korean" \
	"$(fetch /nope) $(hdr Content-Type) $(grep -c '페이지를 찾을 수 없습니다' "$T/b")" \
	"404 text/html; charset=utf-8 1"
check "the 404 page has the security headers too" grep -qi '^content-security-policy:' "$T/h"
expect_eq "an unknown API path stays a JSON 404" \
	"$(fetch /api/v1/nope) $(json_get "$(cat "$T/b")" 'j["error"]["code"]')" "404 not_found"
expect_eq "POST / is 405 with Allow" "$(fetch / -X POST -d x) $(hdr Allow)" "405 GET, HEAD"
expect_eq "/healthz is still the API's" "$(fetch /healthz)" "200"

# SIGHUP reloads the files: new content, new ETag.
echo '<!doctype html><p>INDEX-V2</p>' >"$W/index.html"
kill -HUP "$HUB_PID"
wait_for 5 bash -c "curl -s --cacert '$T/pki/ca.crt' '$URL/' | grep -q INDEX-V2"
expect_eq "SIGHUP reloads the portal files" "$(fetch /) $(grep -c INDEX-V2 "$T/b")" "200 1"
check "the reloaded page has a new ETag" test "$(hdr ETag)" != "$etag"

# A missing root: the hub starts and answers 404 pages.
kill -TERM "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
hub_config "$T/hub2.conf" "[web]" "root = $T/no-such-dir"
hub_start "$T/hub2.conf"
expect_eq "without portal files the hub answers like an API-only hub (JSON 404)" \
	"$(fetch /) $(json_get "$(cat "$T/b")" 'j["error"]["code"]')" "404 not_found"
check "the missing root is logged" grep -q 'portal files not found' "$T/hub.log"
check "--help documents [web] root" bash -c "'$BIN/kium-hub' --help | grep -q 'root'"
