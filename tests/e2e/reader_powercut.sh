#!/usr/bin/env bash
# Power cut: kium-reader is killed with SIGKILL at random moments while it records taps as
# fast as the scripted fake reader gives them (at least 1,000 taps over the rounds; a quarter
# under the sanitizers). After every restart: each tap that produced feedback is in the
# journal exactly once with its UID, sequence numbers are strictly increasing with no reuse
# and no gap, and the database passes PRAGMA integrity_check.
# timeout: 180
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"

reader_roster "$T/roster.txt"
{
	for i in $(seq 0 39); do
		case $((i % 4)) in
		0) echo "place 04a1b2c3" ;;
		1) echo "place 04d1e2f3a4b5c6" ;;
		2) printf 'place dead%04x\n' "$i" ;;
		3) echo "place 0a0b0c0d" ;;
		esac
	done
	echo loop
} >"$T/script"
reader_config "$T/p.conf" reader.device="fake:$T/script" kiosk.backend=none \
	tap.debounce_ms=0 log.level=warning
want=$(scale 1000)
min_rounds=$(scale 40)
rounds=0
bad=0
while n=$(rec_count); (((n < want || rounds < min_rounds) && rounds < 400)); do
	rounds=$((rounds + 1))
	"$BIN/kium-reader" --config "$T/p.conf" >>"$T/reader.log" 2>&1 &
	pid=$!
	E2E_PIDS+=("$pid")
	# A random moment: 5..154 ms into the run (start-up included).
	sleep "0.$(printf '%03d' $((5 + RANDOM % 150)))"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	if ! python3 - "$T/rec" "$T/journal.db" >>"$T/verify.log" 2>&1 <<'PY'; then
import sqlite3, sys
rec = []
try:
    rec = [l.split() for l in open(sys.argv[1])]
except FileNotFoundError:
    pass
db = sqlite3.connect(sys.argv[2])
assert db.execute('PRAGMA integrity_check').fetchone()[0] == 'ok', 'integrity_check'
# Killed before the journal's first migration committed: no table yet, and then no tap may
# have been fed back either.
if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'taps'").fetchone():
    assert not rec, 'feedback given while the journal had no taps table'
    sys.exit(0)
rows = db.execute('SELECT seq, uid FROM taps ORDER BY seq').fetchall()
seqs = [s for s, _ in rows]
assert seqs == list(range(1, len(seqs) + 1)), 'journal seqs not 1..N'
journal = dict(rows)
fed = [(int(r[2]), r[3]) for r in rec if r[1] in ('arrival', 'departure', 'unknown')]
assert all(len(r) == 4 for r in rec), 'torn feedback line'
prev = 0
for seq, uid in fed:
    assert seq > prev, 'feedback seq %d after %d: reused or out of order' % (seq, prev)
    prev = seq
    assert journal.get(seq) == uid, 'fed-back tap %d %s not in the journal' % (seq, uid)
PY
		bad=$((bad + 1))
		tail -3 "$T/verify.log"
		break
	fi
done
n=$(rec_count)
expect_eq "no round broke an invariant ($rounds rounds)" "$bad" 0
check "at least $want taps with feedback across $rounds kills" test "$n" -ge "$want"
check "killed at $rounds random moments" test "$rounds" -ge "$min_rounds"
echo "powercut: $n taps with feedback, $rounds rounds" >&2
