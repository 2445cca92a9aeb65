#!/bin/sh
# What `make bench` needs beyond `make check`'s dependencies (tests/deps.sh,
# which also puts agora-token@2.0.6 into tests/.deps): the wrk load
# generator, from the Debian package.  Does nothing when it is present.
set -eu
if ! command -v wrk >/dev/null 2>&1; then
	echo "bench: installing wrk"
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
