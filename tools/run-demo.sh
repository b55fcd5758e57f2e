#!/usr/bin/env bash
# `make run`: kium end to end on this machine, on loopback. Grows with the product: today it
# runs whatever parts exist and says plainly what does not exist yet.
set -uo pipefail
build=${1:-build/default}
echo "kium: built binaries in $build/bin:"
ls "$build/bin" 2>/dev/null | sed 's/^/  /'
echo "kium: the end-to-end demo (hub, reader on the PN532 emulator, a tap going through) is not"
echo "kium: assembled yet; see README.md, Status."
