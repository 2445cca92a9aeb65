#!/bin/sh
# Installs what the build, the service and the tests need and is missing:
# Debian/Ubuntu packages with apt-get (as root, or through sudo), and the
# official agora-token npm package into tests/.deps for the interop tests.
# Does nothing when everything is present.
set -eu
cd "$(dirname "$0")/.."

need=""
for p in gcc make pkg-config libfcgi-dev libfcgi-bin libssl-dev zlib1g-dev \
    libjansson-dev nginx curl; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    need="$need $p"
done
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"

if [ -n "$need" ]; then
	echo "deps: installing:$need"
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# nginx is used from the foreground by the tests and `make run`; the
	# package's own service, if the machine has systemd, is left as is.
	$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

sh tests/http/setup.sh
