package storm

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Options configure Run.
type Options struct {
	// Target is the base URL, e.g. http://127.0.0.1:8080.
	Target string
	// Start is the clock origin of every offset; zero means now.
	Start time.Time
	// Aggregator receives every attempt and caller outcome (required).
	Aggregator *reports.Aggregator
	// AttemptLog, when set, receives every attempt too.
	AttemptLog *reports.AttemptLog
	// AllowRemote lets Target be outside loopback.
	AllowRemote bool
	// Shard selects part of the callers.
	Shard Shard
	// Logf receives human progress lines.
	Logf func(format string, args ...any)
	// Pollers bounds concurrent async status polls (default DefaultPollers).
	Pollers int
}

// Defaults of the engine.
const (
	DefaultPollers  = 64
	pollFirst       = 100 * time.Millisecond
	pollMax         = 2 * time.Second
	listConcurrency = 32
)

// Stats describe the generator itself.
type Stats struct {
	CPUSeconds float64
	Saturated  bool
	// Stopped is "done", "max_duration" or "interrupted".
	Stopped string
}

type callerState struct {
	try        int32
	intended   time.Duration // of the current try
	first      time.Duration // first try's intended time
	state      string        // pending | accepted | succeeded | gaveup | done | failed | lost
	location   string
	acceptedAt time.Duration
	completed  time.Duration
	completion time.Duration
	attempts   int32
	listed     int32
}

type item struct {
	at     time.Duration
	caller int
	try    int32
}

type schedule []item

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].at < s[j].at }
func (s schedule) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)        { *s = append(*s, x.(item)) }
func (s *schedule) Pop() any {
	old := *s
	it := old[len(old)-1]
	*s = old[:len(old)-1]
	return it
}

type engine struct {
	sc     *scenarios.Scenario
	pop    *scenarios.Population
	opts   Options
	start  time.Time
	runCtx context.Context
	base   *url.URL
	method string
	async  bool

	mu      sync.Mutex
	callers []callerState
	sched   schedule
	pending int // callers that may still send an attempt
	rng     *rand.Rand
	wake    chan struct{}
	ready   chan item

	urls    []string // per caller: the upload URL, without the fragment
	keys    []string // per caller: the Idempotency-Key
	polls   chan int
	drainBy atomic.Int64 // unix nanos; 0 = storm still running
	client  *http.Client
	inner   *http.Transport
}

// Run replays sc's storm against opts.Target. It returns when every caller
// is done (async uploads tracked to done, failed, or the drain timeout), at
// run.max_duration, or when ctx ends; in the last two cases what happened
// so far is still in the aggregator and the error is nil.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (Stats, error) {
	if opts.Aggregator == nil {
		return Stats{}, errors.New("storm: Options.Aggregator is required")
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Pollers <= 0 {
		opts.Pollers = DefaultPollers
	}
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	base, err := url.Parse(strings.TrimRight(opts.Target, "/"))
	if err != nil {
		return Stats{}, fmt.Errorf("storm: target: %w", err)
	}
	if !opts.AllowRemote {
		if err := loopbackOnly(ctx, base.Hostname()); err != nil {
			return Stats{}, fmt.Errorf("%w: target %s %v", ErrRemoteTarget, opts.Target, err)
		}
	}
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		return Stats{}, err
	}
	offsets, err := sc.Arrival.Offsets(pop.Len(), sc.Seed)
	if err != nil {
		return Stats{}, err
	}
	method, path, _ := strings.Cut(sc.API.Upload, " ")

	runCtx, cancel := context.WithTimeout(ctx, sc.Run.MaxDuration.D())
	defer cancel()
	e := &engine{
		sc: sc, pop: pop, opts: opts, start: opts.Start, runCtx: runCtx, base: base,
		method: method, async: sc.API.Completion == "location",
		callers: make([]callerState, pop.Len()),
		rng:     rand.New(rand.NewPCG(uint64(sc.Seed), 0x7e7)),
		wake:    make(chan struct{}, 1),
	}
	e.urls, e.keys = make([]string, pop.Len()), make([]string, pop.Len())
	for i := range e.callers {
		if opts.Shard.has(i) {
			c := pop.Caller(i)
			e.urls[i] = e.base.String() + strings.ReplaceAll(path, "{caller}", url.PathEscape(c.Name))
			e.keys[i] = c.IdempotencyKey
			e.callers[i] = callerState{state: "pending", first: offsets[i]}
			heap.Push(&e.sched, item{at: offsets[i], caller: i, try: 1})
			e.pending++
		}
	}
	n := e.pending
	e.ready = make(chan item, n)
	e.polls = make(chan int, n)
	opts.Aggregator.SetPlanned(int64(n))
	if e.async {
		opts.Aggregator.SetAsync(true)
	}
	e.buildClient(n)
	defer e.inner.CloseIdleConnections()

	cpu0 := cpuTime()
	wall0 := time.Now()

	var pollers sync.WaitGroup
	if e.async {
		for range min(opts.Pollers, max(n, 1)) {
			pollers.Add(1)
			go func() { defer pollers.Done(); e.poller() }()
		}
	}

	atk := vegeta.NewAttacker(
		vegeta.Client(e.client),
		vegeta.Workers(uint64(min(max(n, 1), 64))),
		vegeta.MaxBody(0),
	)
	results := atk.Attack(e.targeter, e, 0, sc.Name)
	go func() { <-runCtx.Done(); atk.Stop() }()
	for res := range results {
		e.absorb(res)
	}
	// The storm is over: give async work drain_timeout to finish.
	e.drainBy.Store(time.Now().Add(sc.Run.DrainTimeout.D()).UnixNano())
	close(e.polls)
	pollers.Wait()
	if e.async && runCtx.Err() == nil {
		e.verifyListings()
	}
	e.report()

	st := Stats{Stopped: "done", CPUSeconds: cpuTime() - cpu0}
	switch {
	case ctx.Err() != nil:
		st.Stopped = "interrupted"
	case runCtx.Err() != nil:
		st.Stopped = "max_duration"
	}
	st.Saturated = st.CPUSeconds > 0.9*float64(runtime.GOMAXPROCS(0))*time.Since(wall0).Seconds()
	return st, nil
}

func (e *engine) buildClient(n int) {
	e.inner = &http.Transport{
		// No LocalAddr: binding 0.0.0.0 fails with thousands of TIME_WAIT sockets.
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: max(n, 2),
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	e.client = &http.Client{
		// No Client.Timeout: each attempt's context carries the caller's own
		// timeout, covering the response body too (RoundTrip).
		Transport: e,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Pace implements vegeta.Pacer: it blocks until the next scheduled attempt
// is due and hands it to the targeter; it stops when no caller can send
// again, at max_duration or when the run is cancelled.
func (e *engine) Pace(time.Duration, uint64) (time.Duration, bool) {
	for {
		e.mu.Lock()
		if e.runCtx.Err() != nil {
			e.mu.Unlock()
			return 0, true
		}
		wait := time.Hour
		if len(e.sched) > 0 {
			top := e.sched[0]
			if el := time.Since(e.start); top.at <= el {
				heap.Pop(&e.sched)
				st := &e.callers[top.caller]
				st.intended, st.try = top.at, top.try
				e.mu.Unlock()
				e.ready <- top
				return 0, false
			} else {
				wait = top.at - el
			}
		} else if e.pending == 0 {
			e.mu.Unlock()
			return 0, true
		}
		e.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-e.wake:
		case <-t.C:
		case <-e.runCtx.Done():
		}
		t.Stop()
	}
}

// Rate implements vegeta.Pacer; the schedule has no fixed rate.
func (e *engine) Rate(time.Duration) float64 { return 0 }

func (e *engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *engine) targeter(t *vegeta.Target) error {
	it := <-e.ready
	t.Method = e.method
	t.URL = e.urls[it.caller] + "#" + strconv.Itoa(it.caller) + "." + strconv.Itoa(int(it.try))
	t.Body, t.Header = nil, nil
	return nil
}

func parseFragment(raw string) (caller int, try int32, ok bool) {
	_, frag, found := strings.Cut(raw, "#")
	if !found {
		return 0, 0, false
	}
	c, t, found := strings.Cut(frag, ".")
	ci, err1 := strconv.Atoi(c)
	ti, err2 := strconv.Atoi(t)
	return ci, int32(ti), found && err1 == nil && err2 == nil
}

// RoundTrip streams the caller's body (vegeta's Target.Body is a []byte;
// thousands of multi-megabyte bodies must not be materialised) and applies
// the caller's own timeout, covering the response body too.
func (e *engine) RoundTrip(req *http.Request) (*http.Response, error) {
	caller, _, ok := parseFragment("#" + req.URL.Fragment)
	if !ok {
		return nil, fmt.Errorf("storm: request without attempt id: %s", req.URL)
	}
	ctx, cancel := context.WithTimeout(e.runCtx, e.sc.Callers.Timeout.D())
	r := req.WithContext(ctx)
	r.Body = io.NopCloser(e.pop.Body(caller))
	r.ContentLength = e.pop.BodyLen(caller)
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(e.pop.Body(caller)), nil }
	r.Header = req.Header.Clone()
	r.Header.Del("X-Vegeta-Seq")
	r.Header.Del("X-Vegeta-Attack")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", e.keys[caller])
	resp, err := e.inner.RoundTrip(r)
	if err != nil {
		cancel()
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("caller timeout: %w", ctx.Err())
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel, ctx: ctx}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	ctx    context.Context
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("caller timeout reading body: %w", b.ctx.Err())
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// absorb records one attempt and decides what the caller does next.
func (e *engine) absorb(res *vegeta.Result) {
	caller, try, ok := parseFragment(res.URL)
	if !ok {
		return
	}
	class := classify(int(res.Code), res.Error)
	sent := res.Timestamp.Sub(e.start)
	end := sent + res.Latency
	wake, finished := false, false
	e.mu.Lock()
	st := &e.callers[caller]
	st.attempts++
	at := reports.Attempt{Caller: int32(caller), Try: try, Intended: st.intended, Sent: sent,
		Latency: res.Latency, Status: int32(res.Code), Class: class}
	switch {
	case class == reports.ClassNone && e.async && res.Headers.Get("Location") != "":
		st.state, st.location, st.acceptedAt = "accepted", res.Headers.Get("Location"), end
		e.pending--
		e.polls <- caller
	case class == reports.ClassNone:
		st.state, st.completion, st.completed = "succeeded", end-st.first, end
		e.pending--
		finished = true
	case int(try) < e.sc.Callers.Retry.Attempts && e.sc.Callers.Retry.ShouldRetry(string(class)) && e.runCtx.Err() == nil:
		next := item{at: end + e.sc.Callers.Retry.Delay(int(try), e.rng), caller: caller, try: try + 1}
		heap.Push(&e.sched, next)
		wake = e.sched[0] == next // the pacer sleeps until a later attempt
	default:
		st.state = "gaveup"
		e.pending--
		finished = true
	}
	wake = wake || e.pending == 0
	e.mu.Unlock()
	if wake {
		e.signal()
	}
	e.opts.Aggregator.AddAttempt(at)
	if finished {
		e.opts.Aggregator.CallerFinished()
	}
	if e.opts.AttemptLog != nil {
		_ = e.opts.AttemptLog.Write(at)
	}
}

// poller follows accepted uploads' Location until a terminal status.
func (e *engine) poller() {
	for caller := range e.polls {
		e.mu.Lock()
		loc := e.callers[caller].location
		e.mu.Unlock()
		state := e.poll(loc)
		now := time.Since(e.start)
		e.mu.Lock()
		st := &e.callers[caller]
		st.state = state
		if state == "done" || state == "failed" {
			st.completed = now
			st.completion = now - st.first
		}
		e.mu.Unlock()
		e.opts.Aggregator.CallerFinished()
	}
}

func (e *engine) expired() bool {
	if e.runCtx.Err() != nil {
		return true
	}
	by := e.drainBy.Load()
	return by != 0 && time.Now().UnixNano() > by
}

// poll returns done, failed or lost.
func (e *engine) poll(loc string) string {
	u, err := e.base.Parse(loc)
	if err != nil || u.Host != e.base.Host {
		return "lost" // never follow a Location to another host
	}
	wait := pollFirst
	for !e.expired() {
		if status, ok := e.status(u.String()); ok {
			for _, d := range e.sc.API.Done {
				if status == d {
					return "done"
				}
			}
			for _, f := range e.sc.API.Failed {
				if status == f {
					return "failed"
				}
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-e.runCtx.Done():
			t.Stop()
		}
		wait = min(wait*2, pollMax)
	}
	return "lost"
}

func (e *engine) status(u string) (string, bool) {
	ctx, cancel := context.WithTimeout(e.runCtx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := e.inner.RoundTrip(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", false
	}
	var doc map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", false
	}
	s, _ := doc[e.sc.API.StatusField].(string)
	return s, s != ""
}

// verifyListings asks the SUT for each accepted caller's uploads (when the
// API has a listing): more than one upload of the same data is a duplicate,
// and an upload listed but never done, or a 202 whose upload is not listed,
// is lost.
func (e *engine) verifyListings() {
	if e.sc.API.List == "" {
		return
	}
	_, path, _ := strings.Cut(e.sc.API.List, " ")
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range listConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				u := e.base.String() + strings.ReplaceAll(path, "{caller}", url.PathEscape(e.pop.Caller(c).Name))
				n, unfinished, ok := e.list(u)
				if !ok {
					continue
				}
				e.mu.Lock()
				st := &e.callers[c]
				st.listed = int32(n)
				if (unfinished || n == 0) && st.state == "done" {
					st.state = "lost"
				}
				e.mu.Unlock()
			}
		}()
	}
	for c := range e.callers {
		e.mu.Lock()
		s := e.callers[c].state
		e.mu.Unlock()
		if s == "done" || s == "failed" || s == "lost" {
			jobs <- c
		}
	}
	close(jobs)
	wg.Wait()
}

func (e *engine) list(u string) (n int, unfinished, ok bool) {
	ctx, cancel := context.WithTimeout(e.runCtx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := e.inner.RoundTrip(req)
	if err != nil {
		return 0, false, false
	}
	defer resp.Body.Close()
	var doc struct {
		Uploads []map[string]any `json:"uploads"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&doc) != nil {
		return 0, false, false
	}
	for _, up := range doc.Uploads {
		s, _ := up[e.sc.API.StatusField].(string)
		terminal := false
		for _, d := range append(append([]string{}, e.sc.API.Done...), e.sc.API.Failed...) {
			terminal = terminal || s == d
		}
		unfinished = unfinished || !terminal
	}
	return len(doc.Uploads), unfinished, true
}

// report hands every caller's outcome to the aggregator.
func (e *engine) report() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.callers {
		st := &e.callers[i]
		if st.state == "" {
			continue // another shard's caller
		}
		o := reports.CallerOutcome{Caller: int32(i), Attempts: st.attempts}
		switch st.state {
		case "succeeded":
			o.Succeeded, o.Completion = true, st.completion
		case "accepted", "done", "failed", "lost":
			o.Accepted = max(1, st.listed)
			o.AcceptedAt = st.acceptedAt
			o.AsyncState = reports.AsyncState(st.state)
			if st.state == "accepted" {
				o.AsyncState = "lost" // still not done when the run ended
			}
			if st.state == "done" {
				o.Succeeded, o.Completion, o.CompletedAt = true, st.completion, st.completed
			}
			if st.state == "failed" {
				o.CompletedAt = st.completed
				o.GaveUp = true
			}
		default: // pending (run ended first) or gaveup
			o.GaveUp = true
		}
		e.opts.Aggregator.AddCaller(o)
	}
}

func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
