#!/bin/sh
# Runs every test suite and ends with one line "N passed, M failed".
# usage: tests/run.sh BUILD_DIR   (run from the repository root by make check)
set -u
B=${1:-build/std}
export BUILD_DIR="$B" SANITIZE="${2:-}"
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Sanitizer runs: fail on the first report, and check for leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# suite NAME CMD...: runs CMD, shows its output with its own summary line
# labelled, and adds its counts.  A suite that crashes or prints no
# summary counts as one failure.
suite() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$tmp/out" 2>&1
	rc=$?
	sed -E "s/^([0-9]+ passed, [0-9]+ failed)$/[$name] \\1/" "$tmp/out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL - $name: no summary line (exit status $rc)"
		fail=$((fail + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL - $name: exit status $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}

# The token core must not reach for I/O, the clock, randomness, the
# environment, HTTP or JSON: its object may only call libcrypto, zlib and
# plain libc memory/string functions.
core_deps() {
	p=0
	f=0
	bad=$(nm -u "$B/tok.o" "$B/defl.o" | awk '{print $2}' |
	    grep -E '^(json_|FCGX_|FCGI_|time$|gettimeofday|clock_gettime|getenv|secure_getenv|RAND_|rand$|random$|getrandom|open|read$|write$|fopen|printf|fprintf|puts|syslog)' || true)
	if [ -z "$bad" ]; then
		echo "ok - token core calls no I/O, clock, random or JSON"
		p=1
	else
		echo "FAIL - token core calls: $bad"
		f=1
	fi
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
}

suite unit-token ./"$B"/test_tok tests/data/token-vectors.json
suite unit-deflate ./"$B"/test_defl
suite unit-request ./"$B"/test_req tests/data/token-vectors.json
suite core-deps core_deps
if [ -f tests/http/run.js ]; then
	suite http node tests/http/run.js --bin ./agora-token-fcgi
fi
# Further suites: each tests/<name>/suite.sh, run from the repository root
# with BUILD_DIR and SANITIZE in the environment, ending with its own
# "N passed, M failed" line.
for s in tests/*/suite.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$(dirname "$s")")
	suite "$name" sh "$s"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
