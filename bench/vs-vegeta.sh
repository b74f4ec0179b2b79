#!/usr/bin/env bash
# bench/vs-vegeta.sh: the storm engine's cost, side by side with the vegeta
# CLI in the same run (issue 3, item 9). Run it from anywhere in the repo:
#
#   bench/vs-vegeta.sh                 # one rep of each measure
#   REPS=3 bench/vs-vegeta.sh          # interleaved reps; ratios per rep
#   PIN=1 bench/vs-vegeta.sh           # server on core 0, generators on core 1
#   PROFILE=1 bench/vs-vegeta.sh       # also keep pprof profiles of the storm driver
#
# (a) CPU (user+sys, /usr/bin/time -v) and peak RSS of
#     `vegeta attack -rate=1000/s -duration=10s` POSTing caller 0's body
#     vs the storm driver replaying 10,000 callers of 20 records of 200 B
#     at `arrival: {profile: constant, rate: 1000}`: the same 10,000
#     requests over ~10 s. Target: storm CPU <= 1.25x vegeta's.
# (b) peak RSS of the storm driver with INFLIGHT (5,000 and 19,000)
#     callers of 2,000 records of 200 B in flight at once (burst window
#     1 s, server holds each request HOLD after draining it, callers time
#     out after 60 s), quiet ports before each. Targets: < 150 MB at
#     5,000, < 500 MB at 19,000 (issue 16). The vegeta CLI sending as many
#     such requests at once is shown for scale.
#
# Everything stays on 127.0.0.1; every child runs under `timeout`; the trap
# stops the processes this script started (by PID) and removes its temp dir
# (KEEP=1 keeps it, with the raw /usr/bin/time outputs and profiles).
set -euo pipefail

REPS=${REPS:-1}
PIN=${PIN:-0}
PROFILE=${PROFILE:-0}
KEEP=${KEEP:-0}
RATE=${RATE:-1000}          # attempts per second in (a)
DURATION=${DURATION:-10}    # seconds of (a)
HOLD=${HOLD:-3s}            # server hold in (b)
INFLIGHT=${INFLIGHT:-5000 19000} # callers in flight at once in (b)
VEGETA_VERSION=v12.13.0

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rehearse-bench.XXXXXX")
PIDS=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local p
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	if [ "$KEEP" = 1 ]; then
		echo "kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in go /usr/bin/time timeout awk; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

SRV_PIN=() GEN_PIN=()
if [ "$PIN" = 1 ]; then
	command -v taskset >/dev/null || die "PIN=1 needs taskset"
	[ "$(nproc)" -ge 2 ] || die "PIN=1 needs 2 CPUs"
	SRV_PIN=(taskset -c 0) GEN_PIN=(taskset -c 1)
fi

# --- build -------------------------------------------------------------------
BIN=$WORK/bin
mkdir -p "$BIN"
log "installing vegeta $VEGETA_VERSION into $BIN"
CGO_ENABLED=0 GOBIN=$BIN timeout 300 go install -trimpath -ldflags='-s -w' "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
log "building bench/server and harness/internal/stormdriver"
CGO_ENABLED=0 timeout 300 go build -trimpath -ldflags='-s -w' -o "$BIN/server" ./bench/server
CGO_ENABLED=0 timeout 300 go build -trimpath -ldflags='-s -w' -o "$BIN/stormdriver" ./harness/internal/stormdriver

# --- helpers -----------------------------------------------------------------
# start_server NAME ARGS...: starts the server, sets SRV_PID and SRV_ADDR.
start_server() {
	local name=$1
	shift
	rm -f "$WORK/$name.addr"
	"${SRV_PIN[@]}" timeout -k 5 900 "$BIN/server" -addr 127.0.0.1:0 -addr-file "$WORK/$name.addr" "$@" \
		2>"$WORK/$name.log" </dev/null &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	local i
	for i in $(seq 100); do
		[ -s "$WORK/$name.addr" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || die "server $name exited: $(cat "$WORK/$name.log")"
		sleep 0.05
	done
	SRV_ADDR=$(cat "$WORK/$name.addr") || die "server $name did not start"
	# The server runs under `timeout`; its CPU is read from the real process.
	SRV_REAL=$(pgrep -P "$SRV_PID" -x server || echo "$SRV_PID")
}

stop_server() {
	kill -TERM "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
}

# proc_cpu PID: user+sys seconds of a live process.
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# timed_bg OUT CMD...: starts CMD under /usr/bin/time -v (stdout to OUT) in
# the background, inside `timeout` (its own process group, so the trap's
# kill reaches CMD too); sets TIMED_PID.
timed_bg() {
	local out=$1
	shift
	timeout -k 5 120 /usr/bin/time -v -o "$out.time" "${GEN_PIN[@]}" "$@" </dev/null >"$out" 2>"$out.err" &
	TIMED_PID=$!
	PIDS+=("$TIMED_PID")
}

# timed OUT CMD...: timed_bg, then waits for it.
timed() {
	local out=$1
	shift
	timed_bg "$out" "$@"
	wait "$TIMED_PID" || die "$1 failed: $(tail -5 "$out.err")"
}

# tv FILE FIELD: a field of /usr/bin/time -v output.
tv() { sed -n "s/^[[:space:]]*$2: //p" "$1.time"; }
cpu_of() { awk -v u="$(tv "$1" 'User time (seconds)')" -v s="$(tv "$1" 'System time (seconds)')" 'BEGIN{printf "%.2f", u + s}'; }
rss_of() { awk -v k="$(tv "$1" 'Maximum resident set size (kbytes)')" 'BEGIN{printf "%.1f", k / 1024}'; }
# js FILE KEY: a number (or bare word) from a flat JSON object.
js() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2 | tr -d '"'; }
calc() { awk "BEGIN{printf \"$1\", $2}"; }

# --- scenarios and vegeta targets ---------------------------------------------
CALLERS_A=$((RATE * DURATION))
cat >"$WORK/cpu.yaml" <<EOF
name: bench-cpu
seed: 7
sut: {url: "http://127.0.0.1:8080"}
callers: {count: $CALLERS_A, records: 20, record_bytes: 200, timeout: 30s}
arrival: {profile: constant, rate: $RATE}
run: {max_duration: $((DURATION * 3 + 30))s, drain_timeout: 10s}
EOF
for n in $INFLIGHT; do
	cat >"$WORK/rss-$n.yaml" <<EOF
name: bench-rss
seed: 7
sut: {url: "http://127.0.0.1:8080"}
callers: {count: $n, records: 2000, record_bytes: 200, timeout: 60s}
arrival: {profile: burst, window: 1s}
run: {max_duration: 120s, drain_timeout: 10s}
EOF
done
RSS_ONE=$(set -- $INFLIGHT; echo "$1")
"$BIN/stormdriver" -scenario "$WORK/cpu.yaml" -dump-body "$WORK/body-a.json" 2>/dev/null
"$BIN/stormdriver" -scenario "$WORK/rss-$RSS_ONE.yaml" -dump-body "$WORK/body-b.json" 2>/dev/null
BODY_A=$(stat -c %s "$WORK/body-a.json")
BODY_B=$(stat -c %s "$WORK/body-b.json")

targets() { # targets ADDR BODY > file
	printf 'POST http://%s/v1/callers/caller-00000/records\nContent-Type: application/json\n@%s\n' "$1" "$2"
}

# --- (a) CPU at a fixed rate ---------------------------------------------------
log "(a) $CALLERS_A requests of $BODY_A B at $RATE/s: vegeta CLI vs storm driver, $REPS rep(s)"
start_server cpu
targets "$SRV_ADDR" "$WORK/body-a.json" >"$WORK/targets-a.txt"
ROWS_A=() RATIOS=()
run_vegeta_a() {
	local out=$WORK/a$1-vegeta s0 s1
	s0=$(proc_cpu "$SRV_REAL")
	timed "$out" "$BIN/vegeta" attack -targets="$WORK/targets-a.txt" -rate="$RATE/s" -duration="${DURATION}s" \
		-timeout=30s -output="$out.bin"
	s1=$(proc_cpu "$SRV_REAL")
	"$BIN/vegeta" report -type=json "$out.bin" >"$out.json"
	local req ok
	req=$(js "$out.json" requests)
	ok=$(calc %.0f "$req * $(js "$out.json" success)")
	V_CPU=$(cpu_of "$out")
	ROWS_A+=("| $1 | vegeta CLI $VEGETA_VERSION | $req | $ok | $(tv "$out" 'Elapsed (wall clock) time (h:mm:ss or m:ss)') | $V_CPU | $(calc %.3f "$V_CPU * 1000 / $req") | $(rss_of "$out") | $(calc %.2f "$s1 - $s0") |")
}
run_storm_a() {
	local out=$WORK/a$1-storm s0 s1 prof=()
	[ "$PROFILE" = 1 ] && prof=(-cpuprofile "$WORK/a$1-storm.cpu.pprof")
	s0=$(proc_cpu "$SRV_REAL")
	timed "$out" "$BIN/stormdriver" -scenario "$WORK/cpu.yaml" -target "http://$SRV_ADDR" "${prof[@]}"
	s1=$(proc_cpu "$SRV_REAL")
	local req
	req=$(js "$out" attempts)
	S_CPU=$(cpu_of "$out")
	ROWS_A+=("| $1 | storm driver | $req | $(js "$out" ok) | $(tv "$out" 'Elapsed (wall clock) time (h:mm:ss or m:ss)') | $S_CPU | $(calc %.3f "$S_CPU * 1000 / $req") | $(rss_of "$out") | $(calc %.2f "$s1 - $s0") |")
	S_LAG=$(js "$out" lag_p99_ms)
}
for rep in $(seq "$REPS"); do
	# Alternate the order so a noisy stretch of the shared box hits both.
	if [ $((rep % 2)) = 1 ]; then
		run_vegeta_a "$rep"; sleep 1; run_storm_a "$rep"
	else
		run_storm_a "$rep"; sleep 1; run_vegeta_a "$rep"
	fi
	RATIOS+=("$(calc %.2f "$S_CPU / $V_CPU")")
	log "rep $rep: vegeta ${V_CPU}s, storm ${S_CPU}s CPU (ratio ${RATIOS[-1]}, storm lag p99 ${S_LAG} ms)"
	sleep 1
done
stop_server

# --- (b) peak RSS with thousands of callers in flight ------------------------
# quiet waits until fewer than 1,000 sockets are in TIME_WAIT: 19,000
# connections closed by one run hold their ports for a minute, and the
# next run would measure port exhaustion (28,232 ephemeral ports here).
quiet() {
	local i
	for i in $(seq 90); do
		[ "$(ss -Htan state time-wait 2>/dev/null | wc -l)" -lt 1000 ] && return
		sleep 1
	done
}
ulimit -n 20000 2>/dev/null || true
log "(b) $INFLIGHT callers x $BODY_B B in flight, server hold $HOLD (file limit $(ulimit -n))"
ROWS_B=() B_VERDICTS=()
run_b() { # run_b TOOL N
	local out=$WORK/b-$1-$2 conns=0 c
	quiet
	start_server "b-$1-$2" -hold "$HOLD"
	if [ "$1" = storm ]; then
		local prof=()
		[ "$PROFILE" = 1 ] && prof=(-heapprofile "$WORK/b-storm-$2.heap.pprof" -heapprofile-at 2500ms)
		timed_bg "$out" "$BIN/stormdriver" -scenario "$WORK/rss-$2.yaml" -target "http://$SRV_ADDR" "${prof[@]}"
	else
		targets "$SRV_ADDR" "$WORK/body-b.json" >"$WORK/targets-b.txt"
		timed_bg "$out" "$BIN/vegeta" attack -targets="$WORK/targets-b.txt" -rate="$2/s" -duration=1s \
			-workers="$2" -max-workers="$2" -timeout=60s -output="$out.bin"
	fi
	local gen=$TIMED_PID
	# Sample established connections to the server while the storm runs.
	while kill -0 "$gen" 2>/dev/null; do
		if command -v ss >/dev/null; then
			c=$(ss -Htn state established "( dport = :${SRV_ADDR##*:} )" 2>/dev/null | wc -l)
			[ "$c" -gt "$conns" ] && conns=$c
		fi
		sleep 0.25
	done
	wait "$gen" || die "$1 failed in (b): $(tail -5 "$out.err")"
	stop_server
	local inflight req ok extra=""
	inflight=$(sed -n 's/.*peak_in_flight=\([0-9]*\).*/\1/p' "$WORK/b-$1-$2.log")
	if [ "$1" = storm ]; then
		req=$(js "$out" attempts) ok=$(js "$out" ok)
		extra="latency p50 $(js "$out" latency_p50_ms) ms"
		local rss target
		rss=$(rss_of "$out") target=$([ "$2" -le 5000 ] && echo 150 || echo 500)
		B_VERDICTS+=("$2 in flight: **$rss MB** (target < $target MB: $(awk -v r="$rss" -v t="$target" 'BEGIN{print (r < t) ? "met" : "MISSED"}'))")
	else
		"$BIN/vegeta" report -type=json "$out.bin" >"$out.json"
		req=$(js "$out.json" requests)
		ok=$(calc %.0f "$req * $(js "$out.json" success)")
	fi
	ROWS_B+=("| $2 | $([ "$1" = storm ] && echo "storm driver" || echo "vegeta CLI $VEGETA_VERSION") | $req | $ok | $inflight | $conns | $(tv "$out" 'Elapsed (wall clock) time (h:mm:ss or m:ss)') | $(cpu_of "$out") | **$(rss_of "$out")** | $extra |")
	sleep 1
}
for n in $INFLIGHT; do
	run_b storm "$n"
	run_b vegeta "$n"
done

# --- report -------------------------------------------------------------------
MED=$(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
VERDICT_A=$(awk -v m="$MED" 'BEGIN{print (m <= 1.25) ? "met" : "MISSED"}')
cat <<EOF

## rehearse storm engine vs vegeta CLI ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $([ "$PIN" = 1 ] && echo "pinned: server core 0, generator core 1" || echo "unpinned"))

### (a) CPU at $RATE requests/s for ${DURATION} s, POST of $BODY_A B (20 records x 200 B)

| rep | generator | requests | ok | wall | CPU s (user+sys) | CPU s per 1k req | peak RSS MB | server CPU s |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS_A[@]}")

storm / vegeta CPU per rep: ${RATIOS[*]}; median **$MED** (target <= 1.25: $VERDICT_A)$([ "$PROFILE" = 1 ] && echo "; PROFILE=1: the storm driver ran under the CPU profiler, which inflates its CPU")

### (b) callers in flight at once, POST of $BODY_B B each (2,000 records x 200 B), server holds $HOLD

| callers | generator | requests | ok | peak in flight (server) | peak established conns | wall | CPU s | peak RSS MB | notes |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS_B[@]}")

storm driver peak RSS: $(printf '%s; ' "${B_VERDICTS[@]}"). The vegeta CLI rows are \`-rate=N/s -duration=1s -workers=N\`, which can fall a little short of N requests.
EOF
if [ "$PROFILE" = 1 ]; then
	mkdir -p "$ROOT/bench/out"
	cp "$WORK"/*.pprof "$ROOT/bench/out/" 2>/dev/null || true
	cp "$BIN/stormdriver" "$ROOT/bench/out/"
	log "profiles copied to bench/out/ (go tool pprof bench/out/stormdriver bench/out/<file>)"
fi
