# Shared by the reader_*.sh end-to-end scripts (sourced after lib.bash): a roster, a
# configuration on the sim board profile, and helpers that wait on the feedback record.
#
#   reader_config FILE KEY=VALUE...   writes FILE; "section.key=value" adds or overrides a key
#   rec_count / rec_last / rec_more N / removed_more N

export LIBNFC_AUTO_SCAN=false

reader_roster() { # FILE
	cat >"$1" <<'R'
kium-roster 1
facility NWUK015
version 1
uid 04a1b2c3 C001 김민수
uid 04d1e2f3a4b5c6 C002 이서연
uid 0a0b0c0d C003 박지호
R
}

reader_config() { # FILE section.key=value...
	local file=$1
	shift
	KIUM_ROOT=$KIUM_ROOT python3 - "$file" "$@" <<'PY'
import sys
path, overrides = sys.argv[1], sys.argv[2:]
t = sys.argv[1].rsplit('/', 1)[0]
conf = {
    'device': {'id': 'NWUK015-R01', 'facility': 'NWUK015', 'board': 'sim',
               'board_dir': __import__('os').environ['KIUM_ROOT'] + '/board',
               'center_name': '노원구 우리동네키움센터 15호점'},
    'reader': {'device': 'pn532_uart:%s/tty' % t, 'watchdog_ms': '1000',
               'reopen_min_ms': '100', 'reopen_max_ms': '400', 'presence_ms': '20'},
    'tap': {'debounce_ms': '60000'},
    'journal': {'path': '%s/journal.db' % t},
    'roster': {'path': '%s/roster.txt' % t, 'cache': '%s/roster.db' % t},
    'feedback': {'record_path': '%s/rec' % t},
    'kiosk': {'backend': 'none'},
    'log': {'level': 'debug'},
}
for o in overrides:
    k, v = o.split('=', 1)
    s, k = k.split('.', 1)
    if v == '-':
        conf.get(s, {}).pop(k, None)
    else:
        conf.setdefault(s, {})[k] = v
with open(path, 'w') as f:
    for s, kv in conf.items():
        f.write('[%s]\n' % s)
        for k, v in kv.items():
            f.write('%s = %s\n' % (k, v))
PY
}

rec_count() { if [[ -f $T/rec ]]; then wc -l <"$T/rec"; else echo 0; fi; }
rec_last() { tail -1 "$T/rec" | cut -d' ' -f2-; } # without the timestamp
rec_more() { (($(rec_count) > $1)); }
log_count() { grep -c -- "$1" "$T/reader.log"; }
log_more() { (($(log_count "$1") > $2)); }
