#!/usr/bin/env bash
# bench/long-run.sh: the storm's memory against its callers and its length
# (docs/long-runs.md). Run it from anywhere in the repo:
#
#   bench/long-run.sh                       # both measures below
#   MEASURE=callers bench/long-run.sh       # (a) only
#   MEASURE=long DURATION=5m bench/long-run.sh   # (b), shorter
#
# (a) peak RSS of `rehearse attack` sending CALLERS (1,000,000) callers once
#     each at RATE (9,000/s) against bench/server: memory against the
#     population.
# (b) RSS every 10 s of a storm of periodic callers (callers.every) at
#     LONG_RATE uploads/s (3,000) for DURATION (30m): memory against the
#     storm's length — flat after its first minute is the target.
# Both keep no attempt log (--attempts none): the log is on disk, not in
# memory. After each, the vegeta CLI (VEGETA_VERSION) sends the same
# requests at the same rate to a second bench/server — (a) as many, (b)
# for VEGETA_DURATION (default DURATION) — its results to /dev/null, its
# RSS measured the same way. One after the other, not at once: on two
# cores each would slow the other's server, and memory in flight grows
# with latency. VEGETA=0 leaves it out. Everything stays on 127.0.0.1 and every child
# runs under timeout.
set -euo pipefail

MEASURE=${MEASURE:-callers long}
CALLERS=${CALLERS:-1000000}
RATE=${RATE:-9000}
LONG_RATE=${LONG_RATE:-3000}
EVERY=${EVERY:-5m}
DURATION=${DURATION:-30m}
VEGETA=${VEGETA:-1}
VEGETA_DURATION=${VEGETA_DURATION:-$DURATION}
VEGETA_VERSION=${VEGETA_VERSION:-v12.13.0}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rehearse-long.XXXXXX")
SRV_PID= VSRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill -TERM "$SRV_PID" 2>/dev/null || true
	[ -n "$VSRV_PID" ] && kill -TERM "$VSRV_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "long-run: $*" >&2; }

CGO_ENABLED=0 timeout 300 go build -trimpath -o "$WORK/server" ./bench/server
CGO_ENABLED=0 timeout 300 go build -trimpath -o "$WORK/rehearse" ./cmd/rehearse
timeout -k 5 7200 "$WORK/server" -addr 127.0.0.1:0 -addr-file "$WORK/addr" >"$WORK/server.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 100); do [ -s "$WORK/addr" ] && break; sleep 0.1; done
URL="http://$(cat "$WORK/addr")"
if [ "$VEGETA" = 1 ]; then
	CGO_ENABLED=0 GOBIN=$WORK timeout 300 go install -trimpath "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
	timeout -k 5 7200 "$WORK/server" -addr 127.0.0.1:0 -addr-file "$WORK/vaddr" >"$WORK/vserver.log" 2>&1 &
	VSRV_PID=$!
	for _ in $(seq 100); do [ -s "$WORK/vaddr" ] && break; sleep 0.1; done
	# One record of 64 bytes, as the storm's callers send (their path and size).
	printf '{"records":[{"id":"r0","data":"%s"}]}' "$(head -c 48 /dev/zero | tr '\0' x)" >"$WORK/body.json"
	printf 'POST http://%s/v1/callers/caller-00000/records\nContent-Type: application/json\n@%s\n' \
		"$(cat "$WORK/vaddr")" "$WORK/body.json" >"$WORK/targets.txt"
fi

# vegeta_cmd RATE SECONDS: the vegeta CLI at RATE/s for SECONDS, under
# timeout, its results dropped (its memory is what is measured, not its
# report), as words for VCMD.
vegeta_cmd() {
	VCMD=(timeout -k 5 $(( $2 + 600 )) "$WORK/vegeta" attack -targets="$WORK/targets.txt" -rate="$1/s"
		-duration="$2s" -timeout=10s -output=/dev/null)
}

# seconds prints a Go duration (30m, 90s) in seconds.
seconds() { local d=$1; case $d in *m) echo $(( ${d%m} * 60 ));; *s) echo "${d%s}";; *) echo "$d";; esac; }

# rss_of PID: its resident set in MB.
rss_of() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# watch NAME PID: samples PID's RSS every 10 s into WORK/NAME.rss until it ends.
watch_rss() {
	local name=$1 pid=$2 t=0
	local r
	while kill -0 "$pid" 2>/dev/null; do
		r=$(rss_of "$pid")
		[ -n "$r" ] && [ "$r" != 0 ] && echo "$t $r" >>"$WORK/$name.rss" # 0: it ended meanwhile
		sleep 10; t=$((t + 10))
	done
}

# watch_child NAME PID: watch_rss of PID's child (the process timeout runs).
watch_child() {
	local pid=
	for _ in $(seq 100); do pid=$(pgrep -P "$2" | head -1) && [ -n "$pid" ] && break; sleep 0.1; done
	watch_rss "$1" "${pid:-$2}"
}

# rss_summary NAME: WORK/NAME.rss's RSS at 60 s, its peak and its last.
rss_summary() {
	echo "RSS at 60 s $(awk '$1 == 60 { print $2 }' "$WORK/$1.rss") MB, peak $(sort -k2 -n "$WORK/$1.rss" | tail -1 | cut -d' ' -f2) MB, last $(tail -1 "$WORK/$1.rss" | cut -d' ' -f2) MB"
}

for m in $MEASURE; do
	case $m in
	callers)
		cat >"$WORK/callers.yaml" <<YAML
name: callers
sut: {url: "$URL"}
api: {completion: none}
callers: {count: $CALLERS, records: 1, record_bytes: 64, timeout: 10s, retry: {attempts: 1}}
arrival: {profile: constant, rate: $RATE}
run: {max_duration: $(( CALLERS / RATE + 120 ))s}
YAML
		/usr/bin/time -v timeout -k 5 900 "$WORK/rehearse" attack --target "$URL" --attempts none --progress none \
			--out "$WORK/out-callers" "$WORK/callers.yaml" >"$WORK/callers.out" 2>"$WORK/callers.time" || true
		log "(a) $CALLERS callers at $RATE/s: peak RSS $(awk -F': ' '/Maximum resident/ { printf "%.1f MB", $2 / 1024 }' "$WORK/callers.time"), $(cat "$WORK/callers.out" "$WORK/callers.time" | grep -m1 -E '^\| requests +\| total' | tr -s ' |' ' ')" # the table is on stderr, with time's
		if [ "$VEGETA" = 1 ]; then
			vegeta_cmd "$RATE" $(( CALLERS / RATE ))
			/usr/bin/time -v "${VCMD[@]}" 2>"$WORK/vcallers.time" || true
			log "(a) vegeta CLI $VEGETA_VERSION, $(( CALLERS / RATE * RATE )) requests at $RATE/s: peak RSS $(awk -F': ' '/Maximum resident/ { printf "%.1f MB", $2 / 1024 }' "$WORK/vcallers.time")"
		fi
		;;
	long)
		secs=$(seconds "$DURATION")
		n=$(( LONG_RATE * $(seconds "$EVERY") ))
		cat >"$WORK/long.yaml" <<YAML
name: long
sut: {url: "$URL"}
api: {completion: none}
callers: {count: $n, every: $EVERY, records: 1, record_bytes: 64, timeout: 10s, retry: {attempts: 1}}
run: {duration: $DURATION}
YAML
		timeout -k 5 $(( secs + 600 )) "$WORK/rehearse" attack --target "$URL" --attempts none --progress none \
			--out "$WORK/out-long" "$WORK/long.yaml" >"$WORK/long.out" 2>&1 &
		tpid=$!
		watch_child long "$tpid" # rehearse itself, timeout's child
		wait "$tpid" || true
		log "(b) $n callers every $EVERY for $DURATION ($LONG_RATE/s): $(rss_summary long); $(grep -m1 -E '^\| requests +\| total' "$WORK/long.out" | tr -s ' |' ' ')"
		cp "$WORK/long.rss" "${LONG_RSS_OUT:-/dev/null}" 2>/dev/null || true
		if [ "$VEGETA" = 1 ]; then
			vegeta_cmd "$LONG_RATE" "$(seconds "$VEGETA_DURATION")"
			"${VCMD[@]}" &
			vpid=$!
			watch_child vlong "$vpid"
			wait "$vpid" || true
			log "(b) vegeta CLI $VEGETA_VERSION at $LONG_RATE/s for $VEGETA_DURATION: $(rss_summary vlong)"
		fi
		;;
	esac
done
