// Package loggen writes access logs of known traffic, for the tests and
// benchmarks of package traffic: every upload's caller, arrival, size and
// status is chosen here, so an import can be checked against the truth.
package loggen

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Upload is one request of the known traffic.
type Upload struct {
	Caller   string
	At       time.Time     // arrival, whole milliseconds
	Took     time.Duration // whole milliseconds
	Method   string
	Path     string // with the caller in it: /v1/callers/<caller>/records, maybe ?batch=N
	Bytes    int64
	Status   int // 0: no response
	Addr     string
	Tenant   string // the X-Tenant header: the caller
	Agent    string // the User-Agent: names the caller too
	Health   bool   // a health check: no caller in its path
	Retry    bool   // the retry of the caller's failed upload just before it
	Sequence int    // position in the arrival order
}

// End is when the request ended: when nginx and the ALB write it.
func (u Upload) End() time.Time { return u.At.Add(u.Took) }

// Traffic is known traffic, in arrival order.
type Traffic struct {
	Uploads []Upload
}

// Config shapes Generate's traffic.
type Config struct {
	Seed    uint64
	Callers int
	Uploads int // caller uploads; health checks come on top
	Start   time.Time
	Span    time.Duration
	// FailEvery makes one upload in FailEvery fail (503, 504 or no
	// response), each followed by a retry 1-5 s later; 0: none fail.
	FailEvery int
	// NoRetries leaves the failed uploads unretried: the log has failures
	// and the callers' other uploads after them, but no retry.
	NoRetries bool
	// Health adds one health check (no caller) per this many uploads; 0: none.
	Health int
	// Query adds ?batch=N to every other upload's path.
	Query bool
}

// Generate draws the traffic of c.
func Generate(c Config) Traffic {
	rng := rand.New(rand.NewPCG(c.Seed, 0x10c))
	names := make([]string, c.Callers)
	for i := range names {
		names[i] = fmt.Sprintf("tenant-%05d", i)
	}
	var out []Upload
	for i := 0; i < c.Uploads; i++ {
		caller := names[rng.IntN(len(names))]
		at := c.Start.Add(time.Duration(rng.Int64N(int64(c.Span/time.Millisecond))) * time.Millisecond)
		u := upload(rng, caller, at, i, c.Query)
		if c.FailEvery > 0 && rng.IntN(c.FailEvery) == 0 && i+1 < c.Uploads {
			u.Status = []int{503, 504, 0}[rng.IntN(3)]
			if c.NoRetries {
				out = append(out, u)
				continue
			}
			retry := u
			retry.Retry = true
			retry.At = at.Add(time.Duration(1000+rng.IntN(4000)) * time.Millisecond)
			retry.Status, retry.Took = 201, time.Duration(5+rng.IntN(50))*time.Millisecond
			out = append(out, u, retry)
			i++
			continue
		}
		out = append(out, u)
	}
	if c.Health > 0 {
		for i := 0; i < c.Uploads/c.Health; i++ {
			at := c.Start.Add(time.Duration(rng.Int64N(int64(c.Span/time.Millisecond))) * time.Millisecond)
			out = append(out, Upload{At: at, Took: time.Millisecond, Method: "GET", Path: "/healthz",
				Status: 200, Addr: "10.0.0.1", Agent: "kube-probe/1.30", Health: true})
		}
	}
	slices.SortStableFunc(out, func(a, b Upload) int { return a.At.Compare(b.At) })
	for i := range out {
		out[i].Sequence = i
	}
	return Traffic{Uploads: out}
}

// upload draws one successful upload of caller at at.
func upload(rng *rand.Rand, caller string, at time.Time, i int, query bool) Upload {
	path := "/v1/callers/" + caller + "/records"
	if query && i%2 == 0 {
		path += "?batch=" + strconv.Itoa(i)
	}
	size := int64(math.Round(20000 * math.Exp(1.1*rng.NormFloat64())))
	return Upload{Caller: caller, At: at, Took: time.Duration(5+rng.IntN(400)) * time.Millisecond,
		Method: []string{"POST", "POST", "POST", "PUT"}[rng.IntN(4)], Path: path,
		Bytes: max(size, 300), Status: 201, Addr: addr(caller), Tenant: caller,
		Agent: "erp-sync/4.2 (" + caller + ")"}
}

// addr is a fixed address per caller.
func addr(caller string) string {
	h := uint32(2166136261)
	for i := 0; i < len(caller); i++ {
		h = (h ^ uint32(caller[i])) * 16777619
	}
	return fmt.Sprintf("10.%d.%d.%d", h>>16&0xff, h>>8&0xff, h&0xff)
}

// Callers are the uploads of each caller, health checks left out.
func (t Traffic) Callers() map[string][]Upload {
	m := map[string][]Upload{}
	for _, u := range t.Uploads {
		if !u.Health {
			m[u.Caller] = append(m[u.Caller], u)
		}
	}
	return m
}

// ByEnd is the traffic in the order a server logs it: by the end of each
// request, ties in arrival order.
func (t Traffic) ByEnd() []Upload {
	out := slices.Clone(t.Uploads)
	slices.SortStableFunc(out, func(a, b Upload) int { return a.End().Compare(b.End()) })
	return out
}

// Split deals the uploads round-robin into n logs, as n servers behind a
// balancer would write them.
func (t Traffic) Split(n int) []Traffic {
	out := make([]Traffic, n)
	for i, u := range t.Uploads {
		out[i%n].Uploads = append(out[i%n].Uploads, u)
	}
	return out
}

// Write writes the traffic as a log of format: nginx (combined with
// $request_length $request_time), nginx-plain (combined alone),
// nginx-json, alb or jsonl, in the order the server logs it.
func (t Traffic) Write(w io.Writer, format string) error {
	line, ok := lineFormats[format]
	if !ok {
		return fmt.Errorf("loggen: unknown format %q", format)
	}
	var b []byte
	for _, u := range t.ByEnd() {
		b = line(b[:0], u)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
