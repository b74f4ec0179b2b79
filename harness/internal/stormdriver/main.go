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
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
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
	LatencyP50Ms *float64       `json:"latency_p50_ms"` // of the successful attempts; null when none succeeded
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

// flags are the driver's command line.
type flags struct {
	scenario, target, dump, cpuProf, heapProf, logFile, trace string
	heapAt                                                    time.Duration
}

func parseFlags() flags {
	var f flags
	flag.StringVar(&f.scenario, "scenario", "", "scenario YAML file (required)")
	flag.StringVar(&f.target, "target", "", "target base URL, e.g. http://127.0.0.1:8080 (loopback only)")
	flag.StringVar(&f.dump, "dump-body", "", "write caller 0's upload body to this file and exit")
	flag.StringVar(&f.cpuProf, "cpuprofile", "", "write a CPU profile of the whole storm to this file")
	flag.StringVar(&f.heapProf, "heapprofile", "", "write a heap profile to this file at -heapprofile-at")
	flag.DurationVar(&f.heapAt, "heapprofile-at", 2*time.Second, "when to take the heap profile, from the storm's start")
	flag.StringVar(&f.logFile, "attempt-log", "", "also write the raw attempt log (CSV) here")
	flag.StringVar(&f.trace, "trace", "", "write a runtime trace of the whole storm here (go tool trace)")
	flag.Parse()
	return f
}

func run() error {
	f := parseFlags()
	if f.scenario == "" {
		return fmt.Errorf("-scenario is required")
	}
	src, err := os.ReadFile(f.scenario)
	if err != nil {
		return fmt.Errorf("read scenario: %w", err)
	}
	sc, err := scenarios.Parse(f.scenario, src)
	if err != nil {
		return fmt.Errorf("parse scenario: %w", err)
	}
	if f.dump != "" {
		return dumpBody(sc, f.dump)
	}
	if f.target == "" {
		return fmt.Errorf("-target is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := storm.Options{Target: f.target}
	done, err := f.instrument(&opts)
	defer done()
	if err != nil {
		return err
	}
	prepared, err := storm.Prepare(ctx, sc, opts)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	start := time.Now()
	agg := reports.NewAggregator(start)
	f.heapAfter(start)
	st, err := prepared.Run(ctx, start, agg)
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

// instrument opens the attempt log and starts the profiles the flags ask
// for; done closes them all (also after an error).
func (f flags) instrument(opts *storm.Options) (done func(), err error) {
	var closers []func()
	done = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if f.logFile != "" {
		lf, err := os.Create(f.logFile)
		if err != nil {
			return done, fmt.Errorf("create attempt log: %w", err)
		}
		l := reports.NewAttemptLog(lf)
		opts.AttemptLog = l
		closers = append(closers, func() { _ = l.Flush(); lf.Close() })
	}
	if f.cpuProf != "" {
		pf, err := os.Create(f.cpuProf)
		if err != nil {
			return done, fmt.Errorf("create cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			pf.Close()
			return done, fmt.Errorf("start cpu profile: %w", err)
		}
		closers = append(closers, func() { pprof.StopCPUProfile(); pf.Close() })
	}
	if f.trace != "" {
		tf, err := os.Create(f.trace)
		if err != nil {
			return done, fmt.Errorf("create trace: %w", err)
		}
		if err := trace.Start(tf); err != nil {
			tf.Close()
			return done, fmt.Errorf("start trace: %w", err)
		}
		closers = append(closers, func() { trace.Stop(); tf.Close() })
	}
	return done, nil
}

// heapAfter takes the heap profile -heapprofile asks for, -heapprofile-at
// after start.
func (f flags) heapAfter(start time.Time) {
	if f.heapProf != "" {
		time.AfterFunc(f.heapAt, func() { heapProfile(f.heapProf, start) })
	}
}

// heapProfile writes the heap profile and says when and how big.
func heapProfile(path string, start time.Time) {
	hf, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stormdriver: heap profile:", err)
		return
	}
	defer hf.Close()
	_ = pprof.Lookup("heap").WriteTo(hf, 0)
	fmt.Fprintf(os.Stderr, "stormdriver: heap profile at %v, rss %.1f MB, goroutines %d\n",
		time.Since(start).Round(time.Millisecond), rssMB("VmRSS"), runtime.NumGoroutine())
}

func dumpBody(sc *scenarios.Scenario, path string) error {
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		return err
	}
	req, err := scenarios.NewRequests(sc, pop, nil)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dump body: %w", err)
	}
	w := bufio.NewWriter(f)
	n, err := io.Copy(w, req.Body(0, 1))
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
	if want := req.BodyLen(0, 1); n != want {
		return fmt.Errorf("dump body: wrote %d bytes, want %d", n, want)
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
