# Shared by the end-to-end scripts: a temporary directory, processes that are always cleaned
# up, and the PASS/FAIL lines that tests/run.sh counts. Source it first:
#
#   . "$(dirname "$0")/lib.bash"
#   spawn hub "$BIN/kium-hub" --config "$T/hub.conf"
#   wait_for 5 test -S "$T/ctl.sock" || die "hub did not start"
#   check "healthz answers" curl -fsS ...
#
# Every process started with spawn is killed (TERM, then KILL) when the script exits, and
# tests/run.sh's watchdog kills the whole process group if the script hangs.
set -uo pipefail

: "${KIUM_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${KIUM_BUILD:=$KIUM_ROOT/build/default}"
: "${KIUM_VARIANT:=default}"
BIN=$KIUM_BUILD/bin
HELPERS=$KIUM_BUILD/test/e2e
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/kium-$TEST_NAME.XXXXXX")
E2E_PIDS=()
E2E_FAILED=0

e2e_cleanup() {
	local pid
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${E2E_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null
	done
	if ((E2E_FAILED)) || [[ -n ${KEEP_TMP:-} ]]; then
		local keep=$KIUM_ROOT/tests/artifacts/$KIUM_VARIANT/$TEST_NAME
		rm -rf "$keep"
		mkdir -p "$(dirname "$keep")"
		cp -r "$T" "$keep" 2>/dev/null
		echo "kept the test's files in $keep" >&2
	fi
	rm -rf "$T"
}
trap e2e_cleanup EXIT
trap 'exit 143' TERM INT

pass() { echo "PASS: $TEST_NAME:$1"; }
fail() {
	echo "FAIL: $TEST_NAME:$1: ${2:-}"
	E2E_FAILED=1
}
# die MSG: a failure that makes the rest of the script meaningless.
die() {
	fail "setup" "$1"
	exit 1
}

# check NAME CMD...: one check, passing when CMD exits 0.
check() {
	local name=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$(printf '%s' "$out" | tail -5 | tr '\n' ' ')"
	fi
}

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
	if [[ "$2" == "$3" ]]; then
		pass "$1"
	else
		fail "$1" "got '$2', expected '$3'"
	fi
}

# spawn NAME CMD...: starts CMD in the background, output in $T/NAME.log; sets SPAWNED_PID.
spawn() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 &
	SPAWNED_PID=$!
	E2E_PIDS+=("$SPAWNED_PID")
}

# wait_for SECONDS CMD...: polls CMD every 20 ms until it succeeds; fails after SECONDS.
wait_for() {
	local limit=$1
	shift
	local deadline=$((SECONDS + limit))
	while ((SECONDS <= deadline)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Work that is proportionate to the build: sanitizer builds are several times slower.
scale() { # N -> N, or N/4 in the sanitizer pass (at least 1)
	if [[ $KIUM_VARIANT == san ]]; then
		local n=$(($1 / 4))
		echo $((n > 0 ? n : 1))
	else
		echo "$1"
	fi
}
