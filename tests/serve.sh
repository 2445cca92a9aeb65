#!/bin/sh
# `make run`: serves the freshly built binary through nginx on
# http://127.0.0.1:${PORT:-8080}/ until Ctrl-C.  Credentials come from the
# environment or ./.env (KEY=VALUE lines, the config-file format); without
# either, clearly labelled demo credentials are used.
set -eu
cd "$(dirname "$0")/.."
PORT=${PORT:-8080}
BIN=$(pwd)/agora-token-fcgi

has_key() {
	[ -n "$(printenv "$1" 2>/dev/null || true)" ] && return 0
	[ -f .env ] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=" .env
}

set -- --listen "unix:SOCK" --socket-mode 0660
if [ -f .env ]; then
	set -- "$@" --config "$(pwd)/.env"
	echo "Using settings from .env"
fi
id_set=0
cert_set=0
has_key APP_ID && id_set=1
has_key APP_CERTIFICATE && cert_set=1
if [ "$id_set" != "$cert_set" ]; then
	echo "Set both APP_ID and APP_CERTIFICATE (environment or .env), or" >&2
	echo "neither to try the service with demo credentials." >&2
	exit 1
fi
if [ "$id_set" = 0 ]; then
	# The public example credentials from Agora's token test suite:
	# tokens are well-formed and verifiable, but no real project accepts
	# them.
	export APP_ID=970CA35de60c44645bbae8a215061b33
	export APP_CERTIFICATE=5CFd2fd1755d40ecb72977518be15d3b
	echo "*** DEMO CREDENTIALS: APP_ID/APP_CERTIFICATE are not set (environment"
	echo "*** or .env), so tokens are signed with public test values that no"
	echo "*** Agora project accepts. Put your own in .env to mint real tokens."
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/agora-token-run.XXXXXX")
trap 'rm -rf "$T"' EXIT
chmod 0711 "$T"		# nginx workers must reach the socket inside
mkdir -p "$T/tmp"
SOCK="$T/app.sock"
user_line=""
if [ "$(id -u)" -eq 0 ]; then
	user_line="user nobody nogroup;"
fi
cat >"$T/nginx.conf" <<NGINX
$user_line
daemon off;
master_process on;
worker_processes 1;
pid $T/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $T/tmp/body;
    fastcgi_temp_path $T/tmp/fastcgi;
    proxy_temp_path $T/tmp/proxy;
    uwsgi_temp_path $T/tmp/uwsgi;
    scgi_temp_path $T/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass unix:$SOCK;
        }
    }
}
NGINX

# Something already on the port would make nginx fail after the service
# started; say so first.  (curl exits 7 when nothing listens.)
rc=0
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" || rc=$?
if [ "$rc" -ne 7 ]; then
	echo "127.0.0.1:$PORT is already in use; try PORT=9090 make run" >&2
	exit 1
fi

app=""
ngx=""
stop() {
	# Either process may already be gone (Ctrl-C reaches the whole
	# process group): nothing here may abort the clean-up.
	set +e
	trap - INT TERM EXIT
	[ -n "$ngx" ] && kill -QUIT "$ngx" 2>/dev/null
	[ -n "$app" ] && kill -TERM "$app" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
	echo "stopped"
}
trap stop EXIT
trap 'exit 0' INT TERM

args=""
for a in "$@"; do
	[ "$a" = "unix:SOCK" ] && a="unix:$SOCK"
	args="$args $a"
done
# shellcheck disable=SC2086
"$BIN" $args &
app=$!
i=0
while [ ! -S "$SOCK" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$app" 2>/dev/null; then
		echo "agora-token-fcgi did not start" >&2
		exit 1
	fi
	sleep 0.05
done
[ -n "$user_line" ] && chgrp nogroup "$SOCK"
/usr/sbin/nginx -e stderr -p "$T" -c "$T/nginx.conf" &
ngx=$!
i=0
until curl -fs --max-time 1 -o /dev/null "http://127.0.0.1:$PORT/ping"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$ngx" 2>/dev/null; then
		echo "nginx did not start on 127.0.0.1:$PORT" >&2
		exit 1
	fi
	sleep 0.05
done
echo "Serving on http://127.0.0.1:$PORT/  (Ctrl-C to stop). Try:"
echo "  curl http://127.0.0.1:$PORT/rtc/test/publisher/uid/42/"
wait "$app"
