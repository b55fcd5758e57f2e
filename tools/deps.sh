#!/usr/bin/env bash
# Install the Debian 12 packages kium needs to build, test, benchmark and run.
# Idempotent: asks dpkg first and touches apt only when something is missing.
set -euo pipefail

PKGS=(
	build-essential pkg-config clang libclang-rt-14-dev git
	libnfc-dev libnfc-bin libnfc-examples        # reader: libnfc and its pn532_uart driver
	libgpiod-dev gpiod                           # reader: LEDs, buzzer, door relay
	libsqlite3-dev sqlite3                       # journal and hub store
	libmbedtls-dev                               # hub and reader TLS, kiumctl's CA
	libcurl4-openssl-dev curl                    # hub notifications, tests
	libhttp-parser-dev libjansson-dev libinih-dev
	libsodium-dev                                # Argon2id, tokens
	libfreetype-dev fonts-nanum libpng-dev       # framebuffer kiosk
	libxlsxwriter-dev                            # statistics export
	nginx-light                                  # reference server in `make bench`
	tmux procps psmisc iproute2 openssl xxd python3
	chromium libnss3-tools                       # web portal tests: headless browser, test CA trust
)
# Node.js drives the browser tests (playwright-core from npm); Debian's nodejs and npm only
# when no node is installed already.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} > 0)); then
	echo "deps: installing ${missing[*]}" >&2
	if [[ $(id -u) -ne 0 ]]; then
		SUDO=sudo
	else
		SUDO=
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core, pinned by tests/web/package-lock.json, into tests/web/node_modules.
web=$(cd "$(dirname "$0")/../tests/web" && pwd)
if [[ ! -f $web/node_modules/playwright-core/package.json ]]; then
	echo "deps: npm ci in tests/web (playwright-core)" >&2
	(cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
