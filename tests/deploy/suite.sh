#!/bin/sh
# Deployment suite (`make check-deploy`; `make check` runs it through
# tests/run.sh).  From the repository root, with BUILD_DIR and SANITIZE in
# the environment:
#
#   1. builds tests/deploy/envdump.c (test responder, never installed);
#   2. tests/deploy/run.js: every configuration in contrib/ under the real
#      nginx, spawn-fcgi, Apache 2.4 (mod_fcgid and plain CGI), lighttpd
#      (prefix and /) and systemd-socket-activate, each replaying the
#      HTTP conformance table of tests/http;
#   3. make install / uninstall into staging directories, the installed
#      program and manual page;
#   4. the manual page: mandoc -Tlint and groff -ww clean, every section
#      and every option of --help documented;
#   5. --check-config;
#   6. fcgi.conf.example carries the tested snippets of contrib/.
#
# Prints "ok - ..." / "FAIL - ..." lines and last "N passed, M failed";
# exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD_DIR:-build/std}
SANITIZE=${SANITIZE:-}
export SANITIZE
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
BIN=$(pwd)/agora-token-fcgi
APP_ID=970CA35de60c44645bbae8a215061b33
CERT=5CFd2fd1755d40ecb72977518be15d3b

pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agora-deploy-sh.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

ok() {
	pass=$((pass + 1))
	echo "ok - $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL - $*"
}
# check NAME CMD...: ok when CMD succeeds, else FAIL with its output.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		bad "$name: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-600)"
	fi
}

if [ ! -x "$BIN" ]; then
	bad "deploy: $BIN not built (run make)"
	echo "$pass passed, $fail failed"
	exit 1
fi

# ---- 1. envdump
ENVDUMP=$tmp/envdump
if out=$(${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
    -o "$ENVDUMP" tests/deploy/envdump.c \
    $(${PKG_CONFIG:-pkg-config} --cflags --libs fcgi) 2>&1); then
	ok "deploy-build envdump.c compiles cleanly"
else
	bad "deploy-build envdump.c: $out"
fi

# ---- 2. the servers
if [ -x "$ENVDUMP" ]; then
	node tests/deploy/run.js --bin "$BIN" --envdump "$ENVDUMP" \
	    >"$tmp/servers.out" 2>&1
	rc=$?
	sed -E 's/^([0-9]+ passed, [0-9]+ failed)$/[servers] \1/' \
	    "$tmp/servers.out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/servers.out" |
	    tail -n 1)
	if [ -z "$line" ]; then
		bad "deploy-servers: run.js printed no summary (exit $rc)"
	else
		p=${line%% passed*}
		f=${line#*passed, }
		f=${f%% failed*}
		pass=$((pass + p))
		fail=$((fail + f))
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] &&
		    bad "deploy-servers: run.js exit status $rc"
	fi
fi

# ---- 3. make install / uninstall
# The nested make keeps the flavour of this run (SANITIZE), so it never
# relinks the binary the other suites use.
S=$tmp/stage
mk() {
	make --no-print-directory -s SANITIZE="$SANITIZE" "$@"
}
if out=$(mk install DESTDIR="$S" PREFIX=/usr 2>&1); then
	ok "deploy-install make install DESTDIR=... PREFIX=/usr"
else
	bad "deploy-install make install DESTDIR=... PREFIX=/usr: $out"
fi
mode_is() { # FILE MODE
	[ -f "$1" ] && [ "$(stat -c %a "$1")" = "$2" ] ||
	    { echo "$1: $(stat -c %a "$1" 2>&1), expected mode $2"; return 1; }
}
check "deploy-install binary in /usr/bin, mode 755" \
    mode_is "$S/usr/bin/agora-token-fcgi" 755
check "deploy-install man page in /usr/share/man/man8, mode 644" \
    mode_is "$S/usr/share/man/man8/agora-token-fcgi.8" 644
check "deploy-install example config in SYSCONFDIR (/usr/etc), mode 644" \
    mode_is "$S/usr/etc/agora-token.conf.example" 644
only_files() { # DIR FILE... : exactly these regular files below DIR
	dir=$1
	shift
	got=$(cd "$dir" && find . -type f | sed 's|^\./||' | sort)
	want=$(printf '%s\n' "$@" | sort)
	[ "$got" = "$want" ] || { echo "installed: $got"; return 1; }
}
check "deploy-install installs nothing else" only_files "$S" \
    usr/bin/agora-token-fcgi usr/share/man/man8/agora-token-fcgi.8 \
    usr/etc/agora-token.conf.example
check "deploy-install the installed binary runs (--version)" \
    sh -c '[ "$("$1" --version)" = "agora-token-fcgi 0.1.0" ]' sh \
    "$S/usr/bin/agora-token-fcgi"
installed_serves() { # a CGI request answered by the installed binary
	out=$(env -i PATH=/usr/bin:/bin ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" APP_ID=$APP_ID \
	    APP_CERTIFICATE=$CERT REQUEST_METHOD=GET \
	    SCRIPT_NAME=/cgi-bin/t.cgi REQUEST_URI=/cgi-bin/t.cgi/rtm/alice \
	    PATH_INFO=/rtm/alice QUERY_STRING= \
	    "$S/usr/bin/agora-token-fcgi" </dev/null) || return 1
	printf '%s' "$out" | grep -q '"rtmToken":"007e' ||
	    { echo "$out"; return 1; }
}
check "deploy-install the installed binary mints a token (CGI request)" \
    installed_serves
check "deploy-install DESTDIR is not recorded in the installed files" \
    sh -c '! grep -rqF "$1" "$1"' sh "$S"
man_renders() {
	out=$(MANWIDTH=80 MANPAGER=cat man -l "$1" 2>&1) || { echo "$out"; return 1; }
	printf '%s' "$out" | grep -q 'agora-token-fcgi - mint Agora' ||
	    { echo "$out" | head -5; return 1; }
}
check "deploy-install installed man page renders (man -l)" \
    man_renders "$S/usr/share/man/man8/agora-token-fcgi.8"
example_checks() { # the template is not usable until filled in
	ex=$tmp/example.conf
	cp "$1" "$ex"
	if "$S/usr/bin/agora-token-fcgi" --check-config --config "$ex" \
	    >/dev/null 2>&1; then
		echo "the unfilled example passes --check-config"
		return 1
	fi
	sed -i "s/^APP_ID=\$/APP_ID=$APP_ID/; s/^APP_CERTIFICATE=\$/APP_CERTIFICATE=$CERT/" "$ex"
	"$S/usr/bin/agora-token-fcgi" --check-config --config "$ex"
}
check "deploy-install example config: refused empty, accepted filled in" \
    example_checks "$S/usr/etc/agora-token.conf.example"
if out=$(mk uninstall DESTDIR="$S" PREFIX=/usr 2>&1); then
	check "deploy-install make uninstall removes every installed file" \
	    sh -c '[ -z "$(find "$1" -type f)" ]' sh "$S"
else
	bad "deploy-install make uninstall: $out"
fi
S2=$tmp/stage2
if out=$(mk install DESTDIR="$S2" PREFIX=/opt/at BINDIR=/opt/at/sbin \
    MANDIR=/opt/at/man SYSCONFDIR=/etc 2>&1); then
	check "deploy-install BINDIR, MANDIR, SYSCONFDIR honoured" \
	    only_files "$S2" opt/at/sbin/agora-token-fcgi \
	    opt/at/man/man8/agora-token-fcgi.8 etc/agora-token.conf.example
	mk uninstall DESTDIR="$S2" PREFIX=/opt/at BINDIR=/opt/at/sbin \
	    MANDIR=/opt/at/man SYSCONFDIR=/etc >/dev/null 2>&1
	check "deploy-install uninstall with the same variables" \
	    sh -c '[ -z "$(find "$1" -type f)" ]' sh "$S2"
else
	bad "deploy-install custom directories: $out"
fi

# ---- 4. the manual page
MAN=agora-token-fcgi.8
if command -v mandoc >/dev/null 2>&1; then
	check "deploy-man mandoc -Tlint -Wstyle is silent" \
	    sh -c 'out=$(mandoc -Tlint -Wstyle "$1" 2>&1); [ -z "$out" ] || { echo "$out"; exit 1; }' sh "$MAN"
else
	bad "deploy-man mandoc is not installed (run sh tests/deps.sh)"
fi
check "deploy-man groff -man -ww is silent" \
    sh -c 'out=$(groff -man -ww -z "$1" 2>&1); [ -z "$out" ] || { echo "$out"; exit 1; }' sh "$MAN"
sections() {
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT FILES \
	    SIGNALS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx ".SH $s" "$MAN" || grep -qx ".SH \"$s\"" "$MAN" ||
		    { echo "no section $s"; return 1; }
	done
}
check "deploy-man has NAME ... SEE ALSO, SIGNALS and EXIT STATUS" sections
options_documented() { # every option --help shows is in the page
	missing=""
	for o in $("$BIN" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		grep -q -- "$esc" "$MAN" || missing="$missing $o"
	done
	[ -z "$missing" ] || { echo "undocumented:$missing"; return 1; }
}
check "deploy-man documents every option of --help" options_documented

# ---- 5. --check-config
cc_run() { # EXPECT(0|nonzero) NAME ARGS... ; also: output never has the certificate
	want=$1
	name=$2
	shift 2
	out=$(env -u APP_ID -u APP_CERTIFICATE -u AGORA_TOKEN_CONFIG \
	    -u CORS_ALLOW_ORIGIN -u TOKEN_MAX_EXPIRY \
	    timeout 10 "$BIN" --check-config "$@" 2>&1)
	rc=$?
	case "$want:$rc" in
	0:0 | nonzero:[1-9]*) ;;
	*)
		bad "deploy-check-config $name: exit $rc, expected $want: $out"
		return
		;;
	esac
	for secret in "$CERT" "${BADCERT:-}"; do
		[ -n "$secret" ] || continue
		if printf '%s' "$out" | grep -qiF "$secret"; then
			bad "deploy-check-config $name: output shows the certificate: $out"
			return
		fi
	done
	ok "deploy-check-config $name"
}
D=$tmp/cc
mkdir -p "$D"
printf 'APP_ID=%s\nAPP_CERTIFICATE=%s\n' "$APP_ID" "$CERT" >"$D/good.conf"
printf 'APP_ID=%s\n' "$APP_ID" >"$D/nocert.conf"
BADCERT=zz${CERT#??}
printf 'APP_ID=%s\nAPP_CERTIFICATE=%s\n' "$APP_ID" "$BADCERT" >"$D/badcert.conf"
printf 'APP_ID=%s\nAPP_CERTIFICATE=%s\nAPP_SECRET=1\n' "$APP_ID" "$CERT" >"$D/unknown.conf"
printf 'APP_ID=%s\nAPP_CERTIFICATE=%s\nTOKEN_MAX_EXPIRY=0\n' "$APP_ID" "$CERT" >"$D/expiry.conf"
chmod 600 "$D"/*.conf
cc_run 0 "valid config: exit 0" --config "$D/good.conf"
if "$BIN" --check-config --config "$D/good.conf" 2>&1 |
    grep -q 'configuration OK'; then
	ok "deploy-check-config valid config: says configuration OK"
else
	bad "deploy-check-config valid config: no 'configuration OK'"
fi
cc_run nonzero "no config at all: non-zero"
cc_run nonzero "missing APP_CERTIFICATE: non-zero" --config "$D/nocert.conf"
cc_run nonzero "non-hex APP_CERTIFICATE: non-zero, value not shown" --config "$D/badcert.conf"
cc_run nonzero "unknown key: non-zero" --config "$D/unknown.conf"
cc_run nonzero "TOKEN_MAX_EXPIRY=0: non-zero" --config "$D/expiry.conf"
cc_run nonzero "missing file: non-zero" --config "$D/nonexistent.conf"
# CGI set-up check: the file beside SCRIPT_FILENAME, owner-only.
mkdir -p "$D/cgi-bin"
cp "$D/good.conf" "$D/cgi-bin/agora-token.conf"
chmod 600 "$D/cgi-bin/agora-token.conf"
beside() { # EXPECT NAME
	out=$(env -u APP_ID -u APP_CERTIFICATE -u AGORA_TOKEN_CONFIG \
	    SCRIPT_FILENAME="$D/cgi-bin/agora-token.cgi" \
	    timeout 10 "$BIN" --check-config 2>&1)
	rc=$?
	if { [ "$1" = 0 ] && [ $rc -eq 0 ]; } ||
	    { [ "$1" != 0 ] && [ $rc -ne 0 ]; }; then
		if printf '%s' "$out" | grep -qF "$CERT"; then
			bad "deploy-check-config $2: shows the certificate"
		else
			ok "deploy-check-config $2"
		fi
	else
		bad "deploy-check-config $2: exit $rc: $out"
	fi
}
beside 0 "CGI: agora-token.conf beside SCRIPT_FILENAME (0600) is used"
chmod 640 "$D/cgi-bin/agora-token.conf"
beside 1 "CGI: agora-token.conf beside SCRIPT_FILENAME (0640) is refused"

if out=$(env -u APP_ID -u APP_CERTIFICATE AGORA_TOKEN_CONFIG="$D/good.conf" \
    timeout 10 "$BIN" --check-config 2>&1) &&
    ! printf '%s' "$out" | grep -qF "$CERT"; then
	ok "deploy-check-config AGORA_TOKEN_CONFIG names the file"
else
	bad "deploy-check-config AGORA_TOKEN_CONFIG names the file: $out"
fi

# ---- 6. fcgi.conf.example carries the tested snippets
# Every non-comment line of these contrib files appears, in order, among
# the "#   " lines of fcgi.conf.example.
snippet_in_example() {
	node -e '
const fs = require("fs");
const lines = (f) => fs.readFileSync(f, "utf8").split("\n");
const want = lines(process.argv[1]).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
const have = lines(process.argv[2]).filter((l) => l.startsWith("#")).map((l) => l.replace(/^#+/, "").trim());
let i = 0;
for (const w of want) {
  while (i < have.length && have[i] !== w) i++;
  if (i === have.length) {
    console.log(`${process.argv[1]}: line not in fcgi.conf.example (in order): ${w}`);
    process.exit(1);
  }
  i++;
}' "$1" fcgi.conf.example
}
for f in contrib/nginx/agora-token-prefix.conf contrib/nginx/agora-token-root.conf \
    contrib/apache2/agora-token-fcgid.conf contrib/apache2/cgi-bin.htaccess \
    contrib/lighttpd/agora-token-prefix.conf; do
	check "deploy-example fcgi.conf.example has $f" snippet_in_example "$f"
done
check "deploy-example contrib/spawn-fcgi script parses (sh -n)" \
    sh -n contrib/spawn-fcgi/agora-token-spawn-fcgi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
