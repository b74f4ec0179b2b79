#!/usr/bin/env bash
# bench/knee.sh: the storm at the machine's limit, side by side with the
# vegeta CLI in the same run (issue 16): for each rate, a fresh bench
# server, quiet ports, then vegeta and `rehearse attack` (alternating which
# goes first) sending 10-record JSON bodies for DURATION seconds. A run is
# clean when everything was sent at the rate, p99 <= 25 ms and (rehearse)
# lag p99 <= 5 ms; the knee is the highest clean rate.
#
#   bench/knee.sh                      # rates 3000 5000 7000 9000 11000, 6 s each
#   RATES="5000 10000" DURATION=4 bench/knee.sh
#
# Everything stays on 127.0.0.1; every child runs under `timeout`.
set -euo pipefail
RATES=${RATES:-3000 5000 7000 9000 11000}
DURATION=${DURATION:-6}
VEGETA_VERSION=v12.13.0
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rehearse-knee.XXXXXX")
BIN=$WORK/bin
SRV_PID=
trap '[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
log() { echo "knee: $*" >&2; }
mkdir -p "$BIN"
log "building rehearse, the bench server and vegeta $VEGETA_VERSION"
CGO_ENABLED=0 timeout 300 go build -trimpath -o "$BIN/rehearse" ./cmd/rehearse
CGO_ENABLED=0 timeout 300 go build -trimpath -o "$BIN/server" ./bench/server
CGO_ENABLED=0 GOBIN=$BIN timeout 300 go install -trimpath "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
ulimit -n 20000 || true

# quiet waits until fewer than 1,000 sockets are in TIME_WAIT (a big storm
# leaves tens of thousands for a minute; measuring then measures that).
quiet() {
	for _ in $(seq 90); do
		[ "$(ss -Htan state time-wait 2>/dev/null | wc -l)" -lt 1000 ] && return
		sleep 1
	done
}
start_server() {
	rm -f "$WORK/addr"
	timeout 600 "$BIN/server" -addr 127.0.0.1:0 -addr-file "$WORK/addr" >"$WORK/server.log" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 50); do [ -s "$WORK/addr" ] && break; sleep 0.1; done
	ADDR=$(cat "$WORK/addr")
}
stop_server() { kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }

run_vegeta() { # rate
	local out=$WORK/v-$1
	"$BIN/rehearse" attack --help >/dev/null # warm the page cache alike for both
	printf 'POST http://%s/v1/callers/caller-00000/records\nContent-Type: application/json\n@%s\n' "$ADDR" "$WORK/body.json" >"$WORK/targets"
	timeout 120 "$BIN/vegeta" attack -targets="$WORK/targets" -rate="$1/s" -duration="${DURATION}s" -timeout=10s >"$out.bin"
	"$BIN/vegeta" report -type=json "$out.bin" >"$out.json"
	V_SENT=$(js "$out.json" "d['requests']"); V_P99=$(js "$out.json" "round(d['latencies']['99th']/1e6,2)")
	V_RATE=$(js "$out.json" "round(d['rate'])")
}
run_rehearse() { # rate
	local out=$WORK/r-$1
	sed -e "s/RATE/$1/" -e "s/COUNT/$(($1 * DURATION))/" >"$WORK/s.yaml" <<'YAML'
name: knee
seed: 7
sut: {url: "http://127.0.0.1:1"}
callers: {count: COUNT, records: 10, record_bytes: 200, timeout: 10s}
arrival: {profile: constant, rate: RATE}
run: {max_duration: 120s, drain_timeout: 5s}
YAML
	timeout 180 "$BIN/rehearse" attack --target "http://$ADDR" --out "$out" --progress none "$WORK/s.yaml" >/dev/null 2>&1 || true
	local r=$out/knee/report.json
	R_SENT=$(js "$r" "d['requests']['total']"); R_P99=$(js "$r" "round(d['latency_ms']['p99'],2)")
	R_LAG=$(js "$r" "round(d['generator']['lag_p99_ms'],2)")
}
clean() { # sent want p99 [lag]
	awk -v s="$1" -v w="$2" -v p="$3" -v l="${4:-0}" 'BEGIN{print (s >= 0.999 * w && p <= 25 && l <= 5) ? "clean" : "behind"}'
}

"$BIN/rehearse" attack --help >/dev/null
sed 's/RATE/1/;s/COUNT/1/' <<'YAML' >"$WORK/one.yaml"
name: one
sut: {url: "http://127.0.0.1:1"}
callers: {count: 1, records: 10, record_bytes: 200}
YAML
python3 - "$WORK/body.json" <<'PY'
import json,sys
recs=[{"id":"c0000000-r%07d"%i,"payload":{"d":"x"*200}} for i in range(10)]
open(sys.argv[1],"w").write(json.dumps({"records":recs},separators=(",",":")))
PY
echo "| rate | vegeta CLI $VEGETA_VERSION: sent, p99 | rehearse attack: sent, p99, lag p99 |"
echo "|---|---|---|"
n=0
for rate in $RATES; do
	want=$((rate * DURATION))
	quiet; start_server
	if [ $((n % 2)) = 0 ]; then run_vegeta "$rate"; stop_server; quiet; start_server; run_rehearse "$rate"
	else run_rehearse "$rate"; stop_server; quiet; start_server; run_vegeta "$rate"; fi
	stop_server
	n=$((n + 1))
	echo "| $rate/s | $V_SENT, ${V_P99} ms ($(clean "$V_SENT" "$want" "$V_P99")) | $R_SENT, ${R_P99} ms, lag ${R_LAG} ms ($(clean "$R_SENT" "$want" "$R_P99" "$R_LAG")) |"
done
