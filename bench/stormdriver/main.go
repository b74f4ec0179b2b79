// Command stormdriver runs one scenario's storm (storm.Run) against a target
// and exits, so bench/vs-vegeta.sh can measure the engine's CPU and memory
// as a process, side by side with the vegeta CLI. With -dump-body it only
// writes caller 0's upload body, for vegeta's targets.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rehearse-dev/rehearse/harness/storm"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// summary is the one JSON line the driver prints on stdout.
type summary struct {
	Scenario     string         `json:"scenario"`
	Callers      int            `json:"callers"`
	Attempts     int64          `json:"attempts"`
	OK           int64          `json:"ok"`
	Errors       map[string]int `json:"errors,omitempty"`
	Succeeded    int64          `json:"succeeded"`
	WallSeconds  float64        `json:"wall_s"`
	EngineCPU    float64        `json:"engine_cpu_s"`
	AttemptsPerS float64        `json:"attempts_per_s"`
	LagP99Ms     float64        `json:"lag_p99_ms"`
	LatencyP50Ms float64        `json:"latency_p50_ms"`
	Stopped      string         `json:"stopped"`
	Saturated    bool           `json:"saturated"`
	PeakRSSMB    float64        `json:"peak_rss_mb"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "stormdriver:", err)
		os.Exit(1)
	}
}

func run() error {
	scFile := flag.String("scenario", "", "scenario YAML file (required)")
	target := flag.String("target", "", "target base URL, e.g. http://127.0.0.1:8080 (loopback only)")
	dump := flag.String("dump-body", "", "write caller 0's upload body to this file and exit")
	cpuProf := flag.String("cpuprofile", "", "write a CPU profile of the whole storm to this file")
	heapProf := flag.String("heapprofile", "", "write a heap profile to this file at -heapprofile-at")
	heapAt := flag.Duration("heapprofile-at", 2*time.Second, "when to take the heap profile, from the storm's start")
	logFile := flag.String("attempt-log", "", "also write the raw attempt log (CSV) here")
	flag.Parse()
	if *scFile == "" {
		return fmt.Errorf("-scenario is required")
	}
	src, err := os.ReadFile(*scFile)
	if err != nil {
		return fmt.Errorf("read scenario: %w", err)
	}
	sc, err := scenarios.Parse(*scFile, src)
	if err != nil {
		return fmt.Errorf("parse scenario: %w", err)
	}
	if *dump != "" {
		return dumpBody(sc, *dump)
	}
	if *target == "" {
		return fmt.Errorf("-target is required")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	agg := reports.NewAggregator(start)
	opts := storm.Options{Target: *target, Start: start, Aggregator: agg}
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return fmt.Errorf("create attempt log: %w", err)
		}
		defer f.Close()
		l := reports.NewAttemptLog(f)
		defer l.Flush()
		opts.AttemptLog = l
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return fmt.Errorf("create cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *heapProf != "" {
		t := time.AfterFunc(*heapAt, func() {
			f, err := os.Create(*heapProf)
			if err != nil {
				fmt.Fprintln(os.Stderr, "stormdriver: heap profile:", err)
				return
			}
			defer f.Close()
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			fmt.Fprintf(os.Stderr, "stormdriver: heap profile at %v, rss %.1f MB, goroutines %d\n",
				time.Since(start).Round(time.Millisecond), rssMB("VmRSS"), runtime.NumGoroutine())
		})
		defer t.Stop()
	}

	st, err := storm.Run(ctx, sc, opts)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	end := time.Now()
	rep := agg.Finish(end)
	wall := end.Sub(start).Seconds()
	s := summary{
		Scenario: sc.Name, Callers: sc.Callers.Count,
		Attempts: rep.Requests.Total, OK: rep.Requests.OK, Errors: map[string]int{},
		Succeeded: rep.Callers.Succeeded, WallSeconds: round(wall), EngineCPU: round(st.CPUSeconds),
		AttemptsPerS: round(float64(rep.Requests.Total) / wall),
		LagP99Ms:     rep.Generator.LagP99Ms, LatencyP50Ms: rep.LatencyMs.P50,
		Stopped: string(st.Stopped), Saturated: st.Saturated, PeakRSSMB: rssMB("VmHWM"),
	}
	for k, v := range rep.Requests.Errors {
		s.Errors[string(k)] = int(v)
	}
	b, _ := json.Marshal(s)
	fmt.Println(string(b))
	return nil
}

func dumpBody(sc *scenarios.Scenario, path string) error {
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dump body: %w", err)
	}
	w := bufio.NewWriter(f)
	n, err := pop.WriteBody(0, w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("dump body: %w", err)
	}
	if n != pop.BodyLen(0) {
		return fmt.Errorf("dump body: wrote %d bytes, want %d", n, pop.BodyLen(0))
	}
	fmt.Fprintf(os.Stderr, "stormdriver: wrote %d bytes of %s to %s\n", n, pop.Caller(0).Name, path)
	return nil
}

// rssMB reads a memory field (VmRSS, VmHWM) of /proc/self/status in MB.
func rssMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return round(kb / 1024)
		}
	}
	return 0
}

func round(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
