#!/usr/bin/env bash
# Install the Debian 12 packages kium needs to build, test, benchmark and run.
# Idempotent: asks dpkg first and touches apt only when something is missing.
set -euo pipefail

PKGS=(
	build-essential pkg-config clang libclang-rt-14-dev git
	libnfc-dev libnfc-bin libnfc-examples        # reader: libnfc and its pn532_uart driver
	libgpiod-dev gpiod                           # reader: LEDs, buzzer, door relay
	libsqlite3-dev sqlite3                       # journal and hub store
	libmbedtls-dev                               # hub TLS and kiumctl's CA
	libcurl4-openssl-dev curl                    # uplink, notifications, tests
	libhttp-parser-dev libjansson-dev libinih-dev
	libsodium-dev                                # Argon2id, tokens
	libfreetype-dev fonts-nanum libpng-dev       # framebuffer kiosk
	libxlsxwriter-dev                            # statistics export
	nginx-light                                  # reference server in `make bench`
	tmux procps psmisc iproute2 openssl xxd python3
)

missing=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
echo "deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
