#!/usr/bin/env bash
# kium-reader's bad input, each with a clear message naming the problem: missing, unknown,
# malformed and out-of-range configuration keys, a missing board profile, an unwritable
# journal, an unreadable or broken roster file (the cached roster keeps serving), and a full
# journal (taps refused with their own feedback, nothing overwritten). Uses the scripted fake
# reader, so it needs no emulator. Also --help documents every key.
# timeout: 60
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/reader_lib.bash"

# run_reader NAME ARGS...: a short run that must stop by itself (bad config) within 5 s.
run_reader() {
	local name=$1
	shift
	timeout 5 "$BIN/kium-reader" "$@" >"$T/$name.out" 2>&1
	echo $?
}

help=$("$BIN/kium-reader" --help)
for k in "[device]" "[reader]" "device " "[journal]" "path " "[feedback]" "backend " \
	"record_path" "[roster]" "[kiosk]" "tty " "[hub]" "url " "ca " "cert " "key " \
	"debounce_ms" "capacity" "facility"; do
	[[ $help == *"$k"* ]] || fail "--help documents '$k'" "not in --help"
done
pass "--help documents the keys"

reader_roster "$T/roster.txt"
echo "place 04a1b2c3" >"$T/script"
base=(reader.device="fake:$T/script" kiosk.backend=none)

reader_config "$T/c1.conf" "${base[@]}" device.facility=-
rc=$(run_reader c1 --config "$T/c1.conf")
expect_eq "missing [device] facility: exit status" "$rc" 1
check "missing [device] facility: message" grep -q "\[device\] facility is required" "$T/c1.out"

reader_config "$T/c2.conf" "${base[@]}" journal.frobnicate=1
rc=$(run_reader c2 --config "$T/c2.conf")
expect_eq "unknown key: exit status" "$rc" 1
check "unknown key: message names file, line and key" \
	grep -qE "c2.conf:[0-9]+: unknown key 'frobnicate' in section \[journal\]" "$T/c2.out"

reader_config "$T/c3.conf" "${base[@]}"
printf 'this line is not INI\n' >>"$T/c3.conf"
rc=$(run_reader c3 --config "$T/c3.conf")
expect_eq "corrupt config: exit status" "$rc" 1
check "corrupt config: message names the line" grep -qE "c3.conf:[0-9]+: syntax error" "$T/c3.out"

reader_config "$T/c4.conf" "${base[@]}" tap.debounce_ms=soon
rc=$(run_reader c4 --config "$T/c4.conf")
expect_eq "malformed number: exit status" "$rc" 1
check "malformed number: message" grep -q "\[tap\] debounce_ms = 'soon' is not a whole number" "$T/c4.out"

reader_config "$T/c5.conf" "${base[@]}" device.board=atari800
rc=$(run_reader c5 --config "$T/c5.conf")
expect_eq "missing board profile: exit status" "$rc" 1
check "missing board profile: message" grep -q "board profile 'atari800'" "$T/c5.out"

rc=$(run_reader c6 --config "$T/nonexistent.conf")
expect_eq "missing config file: exit status" "$rc" 1
check "missing config file: message" grep -q "nonexistent.conf: cannot open configuration" "$T/c6.out"

reader_config "$T/c7.conf" "${base[@]}" journal.path=/nonexistent-dir/journal.db
rc=$(run_reader c7 --config "$T/c7.conf")
expect_eq "unwritable journal: exit status" "$rc" 1
check "unwritable journal: message names it" grep -q "journal /nonexistent-dir/journal.db: cannot open" "$T/c7.out"

reader_config "$T/c8.conf" "${base[@]}" reader.device=-
rc=$(run_reader c8 --config "$T/c8.conf" --board "$T/empty-profile.conf")
expect_eq "board profile given as a missing path: exit status" "$rc" 1
: >"$T/empty.conf"
rc=$(run_reader c8b --config "$T/c8.conf" --board "$T/empty.conf")
expect_eq "no reader connstring anywhere: exit status" "$rc" 1
check "no reader connstring: message" grep -q "\[reader\] device is required" "$T/c8b.out"

# The sim profile supplies the feedback backend (record) the configuration leaves unset.
reader_config "$T/ok.conf" "${base[@]}"
timeout 3 "$BIN/kium-reader" --config "$T/ok.conf" >"$T/ok.out" 2>&1
expect_eq "good config: runs until stopped" "$?" 124
expect_eq "good config: record backend from the sim profile" "$(rec_last)" "arrival 1 04a1b2c3"

# Roster file gone or broken: the message names it, the cache keeps serving.
printf 'place 04a1b2c3\n' >"$T/script"
reader_config "$T/r1.conf" "${base[@]}" roster.path="$T/missing-roster.txt" tap.debounce_ms=0
timeout 2 "$BIN/kium-reader" --config "$T/r1.conf" >"$T/r1.out" 2>&1
check "missing roster file: message" grep -q "roster file $T/missing-roster.txt: cannot read: No such file" "$T/r1.out"
expect_eq "missing roster file: cached roster still knows the child" "$(rec_last)" "departure 2 04a1b2c3"
printf 'kium-roster 1\nfacility NWUK015\nuid 04a1b2c3 C001\n' >"$T/broken.txt"
reader_config "$T/r2.conf" "${base[@]}" roster.path="$T/broken.txt" tap.debounce_ms=0
timeout 2 "$BIN/kium-reader" --config "$T/r2.conf" >"$T/r2.out" 2>&1
check "broken roster file: message names file and line" grep -q "roster file $T/broken.txt:3: name is missing" "$T/r2.out"
expect_eq "broken roster file: cached roster still serves" "$(rec_last)" "arrival 3 04a1b2c3"
reader_config "$T/r3.conf" "${base[@]}" roster.path="$T" tap.debounce_ms=0
timeout 2 "$BIN/kium-reader" --config "$T/r3.conf" >"$T/r3.out" 2>&1
check "roster path is a directory: message" grep -q "roster file $T: cannot read: not a regular file" "$T/r3.out"

# A full journal refuses new taps with their own feedback and keeps every stored one.
rm -f "$T"/journal.db* "$T/rec"
printf 'place 04a1b2c3\nplace 04d1e2f3a4b5c6\nplace 0a0b0c0d\nplace 04a1b2c3\nplace deadbeef\n' >"$T/script"
reader_config "$T/f.conf" "${base[@]}" journal.capacity=2
timeout 2 "$BIN/kium-reader" --config "$T/f.conf" >"$T/f.out" 2>&1
expect_eq "full journal: feedback sequence" "$(cut -d' ' -f2- "$T/rec" | tr '\n' ,)" \
	"arrival 1 04a1b2c3,arrival 2 04d1e2f3a4b5c6,journal_full 0 0a0b0c0d,duplicate 1 04a1b2c3,journal_full 0 deadbeef,"
check "full journal: warned at 80%" grep -q "journal is 100% full" "$T/f.out"
check "full journal: refusal logged" grep -q "journal full: tap refused" "$T/f.out"
expect_eq "full journal: stored taps kept" \
	"$("$BIN/kium-reader" --config "$T/f.conf" --dump-journal 2>/dev/null | wc -l)" 2

# A full disk (a file size limit here): the commit fails, the tap is refused with the
# journal_full feedback, the reader carries on, and every tap that was acknowledged is kept.
rm -f "$T"/journal.db* "$T/rec"
{
	for i in $(seq 1 300); do printf 'place dead%04x\n' "$i"; done
	echo "sleep 100000"
} >"$T/script"
reader_config "$T/d.conf" "${base[@]}" log.level=warning
(
	trap '' XFSZ
	ulimit -f 160
	exec timeout 4 "$BIN/kium-reader" --config "$T/d.conf"
) >"$T/d.out" 2>&1
expect_eq "disk full: reader ran until stopped" "$?" 124
check "disk full: some taps refused with journal_full" grep -q " journal_full 0 dead" "$T/rec"
check "disk full: the refusal is logged with its cause" grep -q "journal cannot record the tap\|journal full" "$T/d.out"
"$BIN/kium-reader" --config "$T/d.conf" --dump-journal >"$T/d.jsonl" 2>/dev/null
check "disk full: every acknowledged tap is in the journal" python3 - "$T/rec" "$T/d.jsonl" "$T/journal.db" <<'PY'
import json, sqlite3, sys
rec = [l.split() for l in open(sys.argv[1])]
fed = [(int(r[2]), r[3]) for r in rec if r[1] == 'unknown']
dump = [(d['seq'], d['uid']) for d in map(json.loads, open(sys.argv[2]))]
assert fed and set(fed) <= set(dump), (fed[:3], dump[:3])
assert [s for s, _ in dump] == list(range(1, len(dump) + 1))
assert sqlite3.connect(sys.argv[3]).execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
PY

# The shipped board profiles and example configuration are valid: every key known. On this
# machine the Raspberry Pi profiles then stop at their GPIO chip, which they name.
for b in rpi4 rpi5; do
	reader_config "$T/b-$b.conf" reader.device="fake:$T/script" kiosk.backend=none \
		feedback.backend=- feedback.record_path=- device.board="$b"
	rc=$(run_reader "b-$b" --config "$T/b-$b.conf")
	expect_eq "board $b: stops without its GPIO chip" "$rc" 1
	check "board $b: names the chip" grep -q "gpio chip pinctrl-" "$T/b-$b.out"
	check "board $b: every key known" bash -c "! grep -q 'unknown key\|syntax error' '$T/b-$b.out'"
done
rc=$(run_reader example --config "$KIUM_ROOT/board/kium-reader.conf.example" --board "$KIUM_ROOT/board/sim.conf" --dump-journal)
check "example configuration: every key known" bash -c "! grep -q 'unknown key\|syntax error\|not a whole number' '$T/example.out'"
