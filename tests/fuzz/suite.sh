#!/bin/sh
# Replays the fuzz corpora through the normal build: each target compiled
# without libFuzzer (replay.c) runs every file of tests/fuzz/corpus/TARGET,
# so the invariants hold for every saved input and a fixed crash stays
# fixed.  tests/run.sh runs this from the repository root with BUILD_DIR
# (build/std or build/san) and SANITIZE in the environment.
set -u
B=${BUILD_DIR:-build/std}
targets="request token parse cfg defl"
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM

bins=""
for t in $targets; do
	bins="$bins $B/fuzz-replay-$t"
done
# shellcheck disable=SC2086
if make --no-print-directory SANITIZE="${SANITIZE:-}" $bins >"$tmp" 2>&1; then
	echo "ok - build replay binaries"
	pass=$((pass + 1))
else
	sed 's/^/    /' "$tmp"
	echo "FAIL - build replay binaries"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
fi

for t in $targets; do
	dir=tests/fuzz/corpus/$t
	"./$B/fuzz-replay-$t" "$dir" >"$tmp" 2>&1
	rc=$?
	n=$(ls "$dir" | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "ok - replay $t: $n inputs"
		pass=$((pass + 1))
	else
		# The replay's own lines, indented so that its summary is not
		# taken for this suite's.
		sed 's/^/    /' "$tmp" | tail -n 60
		echo "FAIL - replay $t (exit status $rc)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
