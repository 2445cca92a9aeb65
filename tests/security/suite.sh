#!/bin/sh
# Security properties of the built program: hardening flags in the ELF,
# the seccomp sandbox and core-dump settings of a running FastCGI worker,
# the certificate kept out of argv and logs, and the service surviving a
# malformed FastCGI management record that crashes libfcgi (the supervisor
# replaces the worker).  Run by tests/run.sh from the repository root.
set -u
BIN=./agora-token-fcgi
SAN=${SANITIZE:-}
pass=0
fail=0
T=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && echo "kept $T" && return; rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

CERT=5CFd2fd1755d40ecb72977518be15d3b
cat >"$T/app.conf" <<CONF
APP_ID=970CA35de60c44645bbae8a215061b33
APP_CERTIFICATE=$CERT
CONF
chmod 600 "$T/app.conf"

# --- build hardening --------------------------------------------------------
readelf -h "$BIN" >"$T/h" 2>&1
readelf -d "$BIN" >"$T/d" 2>&1
readelf -lW "$BIN" >"$T/l" 2>&1
check "PIE executable (ELF type DYN)" "grep -q 'Type:.*DYN' '$T/h'"
check "BIND_NOW (-z now)" "grep -Eq 'BIND_NOW|FLAGS_1.*NOW' '$T/d'"
check "full RELRO segment" "grep -q GNU_RELRO '$T/l'"
check "non-executable stack" "grep GNU_STACK '$T/l' | grep -qv RWE"
if [ "$SAN" != 1 ]; then
	nm -D "$BIN" >"$T/syms" 2>&1
	check "stack protector in use" "grep -q __stack_chk_fail '$T/syms'"
	check "FORTIFY_SOURCE in use" "grep -Eq '__(snprintf|memcpy|vsnprintf)_chk' '$T/syms'"
fi

# --- wait_sock PATH: until a unix socket exists -----------------------------
wait_sock() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -S "$1" ]
}

# fcgi_get PATH URI: one FastCGI request (via libfcgi's cgi-fcgi), body
# on stdout.
fcgi_get() {
	env -i REQUEST_METHOD=GET SCRIPT_NAME=/ REQUEST_URI="$2" \
	    QUERY_STRING= cgi-fcgi -bind -connect "$1" 2>/dev/null |
	    sed -n '/^\r\{0,1\}$/,$p' | tail -n +2
}

# --- a running worker: sandbox, core dumps, argv, logs ----------------------
"$BIN" --config "$T/app.conf" --listen "unix:$T/a.sock" --threads 2 \
    2>"$T/a.err" &
A=$!
pids="$pids $A"
wait_sock "$T/a.sock"
body=$(fcgi_get "$T/a.sock" /rtc/chan/publisher/uid/42)
check "worker answers over its socket" "echo '$body' | grep -q '\"rtcToken\":\"007'"
if [ "$SAN" = 1 ]; then
	echo "skip - seccomp filter (not applied in sanitizer builds)"
else
	check "seccomp filter active (Seccomp: 2)" \
	    "grep -Eq '^Seccomp:[[:space:]]+2' /proc/$A/status"
	# Several requests after the filter: every path a request takes
	# stays inside the allow-list (a violation kills the process).
	for u in /ping / /rtm/bob /chat/app /rte/c/host/uid/7 /nope /rtc/a/x/uid/1; do
		fcgi_get "$T/a.sock" "$u" >/dev/null
	done
	check "worker alive after requests on every route" "kill -0 $A"
fi
check "core dumps off (RLIMIT_CORE 0)" \
    "grep -Eq '^Max core file size[[:space:]]+0[[:space:]]+0' /proc/$A/limits"
check "certificate not in argv" "! tr '\\0' ' ' </proc/$A/cmdline | grep -q $CERT"
kill -TERM "$A"
wait "$A"
rc=$?
check "SIGTERM: exit status 0 (got $rc)" "[ $rc -eq 0 ]"
check "certificate not in the log" "! grep -q $CERT '$T/a.err'"

"$BIN" --config "$T/app.conf" --listen "unix:$T/b.sock" --threads 1 \
    --no-sandbox 2>/dev/null &
B=$!
pids="$pids $B"
wait_sock "$T/b.sock"
check "--no-sandbox: no filter (Seccomp: 0)" \
    "grep -Eq '^Seccomp:[[:space:]]+0' /proc/$B/status"
kill -TERM "$B"
wait "$B"

# --- libfcgi crash on a malformed FCGI_GET_VALUES record --------------------
# Four repeated names overflow libfcgi's fixed reply buffer and the stack
# protector aborts the worker process.  Under --workers the supervisor
# replaces it and the service keeps answering.
"$BIN" --config "$T/app.conf" --listen "unix:$T/c.sock" --workers 2 \
    --threads 2 2>"$T/c.err" &
C=$!
pids="$pids $C"
wait_sock "$T/c.sock"
node -e '
const net = require("net");
const name = Buffer.from("FCGI_MAX_CONNS");
const pair = Buffer.concat([Buffer.from([name.length, 1]), name, Buffer.from("1")]);
const body = Buffer.concat([pair, pair, pair, pair, pair, pair]);
const pad = (8 - body.length % 8) % 8;
const hdr = Buffer.from([1, 9, 0, 0, body.length >> 8, body.length & 255, pad, 0]);
const s = net.connect(process.argv[1], () => s.write(Buffer.concat([hdr, body, Buffer.alloc(pad)])));
s.on("error", () => {});
s.on("close", () => process.exit(0));
s.on("data", () => {});
setTimeout(() => process.exit(0), 1500);
' "$T/c.sock"
sleep 0.5
answered=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	if fcgi_get "$T/c.sock" /ping | grep -q pong; then
		answered=$((answered + 1))
	fi
done
check "after the malformed record: 10/10 requests answered ($answered)" \
    "[ $answered -eq 10 ]"
# Debian 12's libfcgi aborts on this record; the supervisor must have
# noticed and started a replacement.
check "the crashed worker was replaced by the supervisor" \
    "grep -q 'killed by signal 6; replacing it' '$T/c.err'"
kill -TERM "$C"
wait "$C"
rc=$?
check "supervisor: SIGTERM exits 0 (got $rc)" "[ $rc -eq 0 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
