# Shared by the notification scripts (tests/e2e/notify_*.sh), sourced after lib.bash and
# hub_env.bash: a provider stand-in (notify_receiver) on a fixed port, the hub's [notify]
# section pointing at it, parents signed up and linked over HTTPS, and readers of the
# receiver's log and the outbox.

# recv_start [ARGS...]: starts the receiver on $RPORT (chosen once), log in $T/recv.log.
recv_start() {
	: "${RPORT:=$(free_port)}"
	spawn recv "$HELPERS/notify_receiver" --cert "$T/pki/server.crt" --key "$T/pki/server.key" \
		--ca "$T/pki/ca.crt" --listen "127.0.0.1:$RPORT" --log "$T/received.tsv" "$@"
	RECV_PID=$SPAWNED_PID
	wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$RPORT" || die "receiver did not start"
}

recv_stop() {
	kill -KILL "$RECV_PID" 2>/dev/null
	wait "$RECV_PID" 2>/dev/null
}

# notify_conf FILE [extra lines]: hub_config plus a [notify] section aimed at the receiver.
notify_conf() {
	local f=$1
	shift
	: "${RPORT:=$(free_port)}"
	hub_config "$f" "[notify]" "provider_url = https://127.0.0.1:$RPORT/v1/messages" \
		"ca_file = $T/pki/ca.crt" "poll_ms = 50" "backoff_base_ms = 100" \
		"backoff_cap_ms = 400" "timeout_ms = 1000" "connect_timeout_ms = 500" \
		"max_attempts = 100" "$@"
}

J='Content-Type: application/json'
# op METHOD PATH [JSON] -> body; status in $T/st (operator token $TOKEN)
op() {
	hcurl -X "$1" -H "Authorization: Bearer $TOKEN" -H "$J" ${3:+--data "$3"} -o "$T/out" \
		-w '%{http_code}' "$URL$2" >"$T/st"
	cat "$T/out"
}
# as WHO METHOD PATH [JSON] -> body, with WHO's session (cookie jar $T/WHO.jar, csrf $T/WHO.csrf)
as() {
	local who=$1
	hcurl -X "$2" -b "$T/$who.jar" -c "$T/$who.jar" -H "$J" -H "X-CSRF-Token: $(cat "$T/$who.csrf")" \
		${4:+--data "$4"} -o "$T/out" -w '%{http_code}' "$URL$3" >"$T/st"
	cat "$T/out"
}
st() { cat "$T/st"; }

# parent_link ID PHONE CHILD: signs up a parent, logs in, asks for the link, the operator confirms.
parent_link() {
	local id=$1 phone=$2 child=$3 out
	touch "$T/$id.jar"
	# Seeded as the phone-verified sign-up leaves it: the sign-up's own phone code would
	# be one more message to the provider (portal_staff.sh tests the sign-up itself).
	"$HELPERS/hub_seed" "$T/hub.db" parent "$id" "$phone" Parent2026ok 보호자 >/dev/null || return 1
	out=$(hcurl -c "$T/$id.jar" -H "$J" --data "{\"id\":\"$id\",\"password\":\"Parent2026ok\"}" "$URL/api/v1/session")
	json_get "$out" 'j["csrf_token"]' >"$T/$id.csrf"
	as "$id" POST "/api/v1/children/$child/guardians" '{}' >/dev/null
	op POST "/api/v1/children/$child/guardians/$id/confirm" '{}' >/dev/null
	[[ $(st) == 200 ]]
}

# sql QUERY: one value (or rows joined by spaces) from the hub's database.
sql() {
	python3 -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)  # autocommit: writes stay
print(' '.join('|'.join(str(c) for c in r) for r in db.execute(sys.argv[2])))" "$T/hub.db" "$1"
}

# taps DEVICE SEQ:UID:RESULT[:WALL_MS] ...: a tap batch (synced clock) on stdout.
taps() {
	python3 - "$@" <<'PY'
import json, sys, time
dev = sys.argv[1]; now = int(time.time() * 1000); boot = "6f1c2a3e-0000-4000-8000-000000000001"
taps = []
for spec in sys.argv[2:]:
    p = spec.split(":")
    seq, uid, res = int(p[0]), p[1], p[2]
    wall = int(p[3]) if len(p) > 3 else now - 1000 + seq
    taps.append({"seq": seq, "uid": uid, "wall_ms": wall, "boot_id": boot,
                 "mono_ms": 100000 + seq, "clock": "synced",
                 "dir": "in" if res == "arrival" else "out", "result": res})
print(json.dumps({"device": dev, "boot_id": boot, "mono_ms": 200000,
                  "wall_ms": int(sys.argv[-1].split(":")[3]) if len(sys.argv[-1].split(":")) > 3 else now,
                  "clock": "synced", "taps": taps}))
PY
}

# upload DEVICE SPEC...: posts a batch; prints acked_seq.
upload() {
	local dev=$1
	shift
	json_get "$(dcurl "$dev" -H "$J" --data-binary "$(taps "$dev" "$@")" "$URL/api/v1/device/taps")" 'j["acked_seq"]'
}

# recv_lines: what the receiver got, one line each: key TAB status answered TAB body.
recv_lines() {
	[[ -f $T/received.tsv ]] && cat "$T/received.tsv" || true
}

# pending_is N [STATE-CONDITION]: true when N outbox rows match the condition.
rows_are() {
	[[ $(sql "SELECT count(*) FROM notification_outbox WHERE $2") == "$1" ]]
}
