#!/usr/bin/env bash
# Group commit of tap batches (hub/api/device.c, deferred answers in hub/net/server.c):
#   1. batches sent at once on many connections are all stored and answered, with fewer
#      durable commits than batches (kium_ingest_commits_total < kium_ingest_batches_total);
#   2. a batch whose store write fails (a trigger refuses one card) among good ones fails
#      alone (503) while the others of its group are stored and answered;
#   3. SIGKILL of the hub right after answers arrive: every acknowledged tap is on disk.
# timeout: 120
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/hub_env.bash"

N=8
seed() { "$HELPERS/hub_seed" "$T/hub.db" "$@" >/dev/null || die "seed $*"; }
hub_pki "$T/pki" || die "cannot make certificates"
seed facility NWUK015 "노원 키움센터 15호"
for i in $(seq $N); do
	hub_leaf "$T/pki" ca G$i G$i || die "certificate G$i"
	hub_seed_device "$T/hub.db" G$i NWUK015 >/dev/null || die "seed G$i"
done
TOKEN=$("$HELPERS/hub_seed" "$T/hub.db" token admin) || die "seed token"
HUB_MAX_CONNS=64 HUB_IDLE_MS=30000 HUB_HEADER_MS=10000 HUB_BODY_MS=10000 hub_config "$T/hub.conf"
hub_start "$T/hub.conf"

# burst.py FIRST_SEQ ROUNDS POISON_DEVICE: N connections; each round every connection sends
# one batch of 10 taps (seq FIRST_SEQ + 10*round ...), all sent before any answer is read.
# POISON_DEVICE is only a name here (the trigger below refuses it). Prints "device status acked_seq" per answer.
cat >"$T/burst.py" <<'PY'
first, rounds, poison = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
n = int(os.environ['N'])
import json
conns = [tls('G%d' % (i + 1)) for i in range(n)]
def batch(dev, lo):
    taps = [{"seq": s, "uid": "04a1b2%02x" % (s % 256),
             "wall_ms": 1795000000000 + s, "boot_id": "6f1c2a3e-0000-4000-8000-000000000001",
             "mono_ms": 100000 + s, "clock": "synced", "dir": "in", "result": "arrival"}
            for s in range(lo, lo + 10)]
    body = json.dumps({"device": dev, "boot_id": "6f1c2a3e-0000-4000-8000-000000000001",
                       "mono_ms": 200000, "wall_ms": 1795000001000, "clock": "synced",
                       "taps": taps}).encode()
    return (b"POST /api/v1/device/taps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
for r in range(rounds):
    reqs = [batch('G%d' % (i + 1), first + 10 * r) for i in range(n)]
    for c, q in zip(conns, reqs):
        c.sendall(q)
    for i, c in enumerate(conns):
        got = read_responses(c, 1, 20)
        if not got:
            print('G%d none -1' % (i + 1)); continue
        st, _, body = got[0]
        j = json.loads(body)
        print('G%d %d %s' % (i + 1, st, j.get('acked_seq', j.get('error', {}).get('code'))))
PY
metric() {
	hcurl -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
held() { # DEVICE -> taps held for it
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from taps where device_id=?", (sys.argv[2],)).fetchone()[0])' "$T/hub.db" "$1"
}

# 1. All answered, all stored, fewer commits than batches.
ROUNDS=$(scale 6)
N=$N pyclient "$(cat "$T/burst.py")" 1 "$ROUNDS" none >"$T/burst1" 2>&1
expect_eq "every batch answered 200" "$(awk '$2 != 200' "$T/burst1" | wc -l) $(wc -l <"$T/burst1")" "0 $((N * ROUNDS))"
expect_eq "every device acked to its last tap" "$(awk -v want=$((ROUNDS * 10)) '$3 == want' "$T/burst1" | wc -l)" "$N"
all=yes
for i in $(seq $N); do [[ $(held G$i) == $((ROUNDS * 10)) ]] || all="G$i holds $(held G$i)"; done
expect_eq "every tap stored once" "$all" "yes"
batches=$(metric kium_ingest_batches_total)
commits=$(metric kium_ingest_commits_total)
expect_eq "metrics count every batch" "$batches" "$((N * ROUNDS))"
check "fewer durable commits than batches ($commits for $batches)" test "${commits:-999}" -lt "${batches:-0}"

# 2. A failing batch among good ones fails alone. The trigger makes the store refuse every
# new tap of G3 mid-transaction (a constraint error, not a refusal before writing).
cat >"$T/trigger.sql" <<'SQL'
CREATE TRIGGER test_poison BEFORE INSERT ON taps WHEN NEW.device_id = 'G3'
BEGIN SELECT RAISE(ABORT, 'poisoned'); END;
SQL
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()' "$T/hub.db" "$T/trigger.sql" || die "trigger"
next=$((ROUNDS * 10 + 1))
grouped=no
for attempt in 1 2 3 4 5; do
	N=$N pyclient "$(cat "$T/burst.py")" "$next" 1 G3 >"$T/burst2" 2>&1
	ok=$(awk '$1 != "G3" && $2 == 200' "$T/burst2" | wc -l)
	bad=$(awk '$1 == "G3" {print $2, $3}' "$T/burst2")
	used=$next
	next=$((next + 10))
	[[ $ok == $((N - 1)) && $bad == "503 store_unavailable" ]] || break
	if grep -q "group commit of [0-9]* tap batches failed" "$T/hub.log"; then
		grouped=yes
		break
	fi
done
expect_eq "good batches beside a failing one are answered 200" "$ok" "$((N - 1))"
expect_eq "the failing batch alone gets 503" "$bad" "503 store_unavailable"
expect_eq "the failing batch was in a group that was retried batch by batch" "$grouped" "yes"
expect_eq "nothing of the failing batch is held" "$(held G3)" "$((ROUNDS * 10))"
expect_eq "the good batches are held" "$(held G1) $(held G8)" "$((used + 9)) $((used + 9))"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DROP TRIGGER test_poison"); c.commit()' "$T/hub.db"

# 3. SIGKILL right after answers: each thread posts batches of 20 and records every ack;
# the thread that receives the 40th answer kills the hub at once.
cat >"$T/kill.py" <<'PY'
import json, threading, signal
n = int(os.environ['N']); pid = int(os.environ['HUB_PID']); first = json.loads(sys.argv[1])
acked = {}; lock = threading.Lock(); answers = [0]
def run(dev):
    try:
        c = tls(dev)
        s = first[dev]
        while True:
            taps = [{"seq": q, "uid": "04a1b2%02x" % (q % 256), "wall_ms": 1795000000000 + q,
                     "boot_id": "6f1c2a3e-0000-4000-8000-000000000001", "mono_ms": 100000 + q,
                     "clock": "synced", "dir": "in", "result": "arrival"} for q in range(s, s + 20)]
            body = json.dumps({"device": dev, "boot_id": "6f1c2a3e-0000-4000-8000-000000000001",
                               "mono_ms": 200000, "wall_ms": 1795000001000, "clock": "synced",
                               "taps": taps}).encode()
            c.sendall((b"POST /api/v1/device/taps HTTP/1.1\r\nHost: x\r\nContent-Type: "
                       b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body)
            got = read_responses(c, 1, 10)
            if not got or got[0][0] != 200:
                return
            a = json.loads(got[0][2])['acked_seq']
            with lock:
                acked[dev] = a
                answers[0] += 1
                if answers[0] == 40:
                    os.kill(pid, signal.SIGKILL)
            s += 20
    except Exception:
        return
ts = [threading.Thread(target=run, args=('G%d' % (i + 1),)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
for d, a in sorted(acked.items()): print(d, a)
PY
starts=$(python3 -c 'import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1]); print(json.dumps({"G%d" % i: c.execute("select count(*) from taps where device_id=?", ("G%d" % i,)).fetchone()[0] + 1 for i in range(1, int(sys.argv[2]) + 1)}))' "$T/hub.db" $N)
N=$N HUB_PID=$HUB_PID pyclient "$(cat "$T/kill.py")" "$starts" >"$T/kill.out" 2>&1
check "the hub was killed by the test" wait_for 5 sh -c "! kill -0 $HUB_PID 2>/dev/null"
check "acks were received before the kill" test "$(grep -cE '^G[0-9]+ [0-9]+$' "$T/kill.out")" -ge 1
lost=$(python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
bad = []
import re
for line in open(sys.argv[2]):
    if not re.match(r"^G[0-9]+ [0-9]+$", line.strip()): continue
    dev, acked = line.split()
    n = c.execute("select count(*) from taps where device_id=? and seq<=? and reject is null",
                  (dev, int(acked))).fetchone()[0]
    if n != int(acked): bad.append("%s acked %s holds %d" % (dev, acked, n))
print(" ".join(bad) or "none")' "$T/hub.db" "$T/kill.out")
expect_eq "every acknowledged tap is on disk after SIGKILL" "$lost" "none"
