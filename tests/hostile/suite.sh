#!/bin/sh
# Hostile-input, fault, memory and rate-limit tests (tests/hostile/README.md).
# tests/run.sh runs this from the repository root with BUILD_DIR and
# SANITIZE in the environment; it ends with one line "N passed, M failed"
# and exits non-zero on failure.  The soak (soak.js) is not run here: see
# `make soak` (hostile.mk).
#
#   sh tests/hostile/suite.sh            the whole suite (about 2-3 minutes)
#   HOSTILE_PARTS="replay faults" sh tests/hostile/suite.sh
#   HOSTILE_STRICT=1 ...                 count known bugs of the binary as failures
set -u
BIN=${AGORA_BIN:-./agora-token-fcgi}
PARTS=${HOSTILE_PARTS:-replay faults ratelimit memory}
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM

bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

# What every part needs; the memory part needs valgrind unless SANITIZE=1.
missing=""
command -v node >/dev/null 2>&1 || missing="$missing node"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
[ -f tests/.deps/node_modules/agora-token/src/AccessToken2.js ] ||
    missing="$missing agora-token(npm: sh tests/http/setup.sh)"
if [ "${SANITIZE:-}" != 1 ] && ! command -v valgrind >/dev/null 2>&1; then
	missing="$missing valgrind"
fi
[ -x "$BIN" ] || missing="$missing $BIN"
if [ -n "$missing" ]; then
	bad "prerequisites missing:$missing (make check installs them)"
	echo "$pass passed, $fail failed"
	exit 1
fi

for part in $PARTS; do
	echo "== hostile $part"
	node "tests/hostile/$part.js" --bin "$BIN" >"$tmp" 2>&1
	rc=$?
	# The part's own summary becomes a comment, so that the last
	# "N passed, M failed" line is this suite's.
	sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/# '"$part"': \1 passed, \2 failed/' "$tmp"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp" | tail -n 1)
	if [ -z "$line" ]; then
		bad "hostile $part: no summary line (exit status $rc)"
		continue
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		bad "hostile $part: exit status $rc"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
