#!/bin/sh
# Installs what the build, the service and the tests need and is missing:
# Debian/Ubuntu packages with apt-get (as root, or through sudo), and the
# official agora-token npm package into tests/.deps for the interop tests.
# Does nothing when everything is present.
set -eu
cd "$(dirname "$0")/.."

# usage: tests/deps.sh [run|test]   (default: test)
# "run" is what building and serving need (make run); "test" adds what the
# test suites drive: the other web servers, spawn-fcgi, systemd's
# socket-activation tools, mandoc, valgrind, Node.js and the agora-token
# npm package.
what=${1:-test}
pkgs="gcc make pkg-config libfcgi-dev libssl-dev zlib1g-dev libjansson-dev
    nginx curl"
if [ "$what" = test ]; then
	pkgs="$pkgs libfcgi-bin apache2 libapache2-mod-fcgid lighttpd
	    spawn-fcgi systemd mandoc valgrind"
fi

need=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    need="$need $p"
done
if [ "$what" = test ]; then
	command -v node >/dev/null 2>&1 || need="$need nodejs"
	command -v npm >/dev/null 2>&1 || need="$need npm"
fi

if [ -n "$need" ]; then
	echo "deps: installing:$need"
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# The tests run nginx, Apache and lighttpd in the foreground from
	# their own configurations; the packages' own services must not start
	# (they would take port 80 and outlive the tests).  Where no
	# policy-rc.d says otherwise, one that refuses every start is in
	# place for the install (invoke-rc.d and deb-systemd-invoke obey it)
	# and removed after.  A service already running is left as it is.
	policy=/usr/sbin/policy-rc.d
	own_policy=""
	if [ ! -e "$policy" ]; then
		$SUDO sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
		own_policy=1
	fi
	rc=0
	$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null ||
	    rc=$?
	[ -n "$own_policy" ] && $SUDO rm -f "$policy"
	[ "$rc" -eq 0 ] || exit "$rc"
fi

[ "$what" = test ] && sh tests/http/setup.sh
exit 0
