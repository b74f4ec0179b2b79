#!/bin/sh
# Writes the nginx logs beside this file with a real nginx (nginx.conf):
# combined.log, sized.log ($request_length $request_time appended),
# bodysized.log ($content_length $request_time appended) and json.log
# (escape=json), each holding the same requests. The tests in
# traffic/nginx_real_test.go know this story:
#
#   caller   upload                       answer  what it is
#   acme     POST 20000 B                 201
#   globex   POST 5000 B                  201
#   (GET /healthz: no caller)
#   initech  PUT 12000 B                  201
#   acme     POST 7000 B                  503
#   acme     POST 38000 B, right after    201     another upload, not a retry
#   acme     POST 7000 B, 1 s later       201     the retry of the 503
#   globex   POST 5000 B                  503
#   globex   POST 5000 B, 1 s later       201     the retry of the 503
#   initech  POST 12000 B                 503     never retried
#   initech  POST 15000 B                 201     another upload, not a retry
#   globex   POST 9000 B chunked          201     no Content-Length
#   acme     PUT 20000 B                  201
#   (GET /healthz)
#
# Run it from this folder: sh make.sh (needs nginx and curl).
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/state"
chmod -R a+rwx "$work"  # nginx's workers run as an unprivileged user when started as root
cp nginx.conf "$work/"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx" -p "$work" -c nginx.conf &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:18480/healthz; do sleep 0.1; done
rm -f "$work"/*.log   # the readiness probes above are not part of the story
kill -USR1 "$pid"; sleep 0.3  # reopen the logs

body() { head -c "$1" /dev/zero | tr '\0' 'x'; }
up() { # caller method bytes [chunked]
	te=""
	[ "${4:-}" = chunked ] && te="-H Transfer-Encoding:chunked"
	body "$3" | curl -s -o /dev/null -X "$2" $te -H 'Content-Type: application/json' \
		-A 'erp-sync/4.2' --data-binary @- "http://127.0.0.1:18480/v1/callers/$1/records"
}
down() { touch "$work/state/down"; }
fine() { rm -f "$work/state/down"; }

up acme POST 20000
up globex POST 5000
curl -s -o /dev/null http://127.0.0.1:18480/healthz
up initech PUT 12000
down; up acme POST 7000; fine
up acme POST 38000
sleep 1; up acme POST 7000
down; up globex POST 5000; fine
sleep 1; up globex POST 5000
down; up initech POST 12000; fine
up initech POST 15000
up globex POST 9000 chunked
up acme PUT 20000
curl -s -o /dev/null http://127.0.0.1:18480/healthz
kill "$pid"; wait "$pid" || true
for f in combined sized bodysized json; do cp "$work/$f.log" "$f.log"; done
