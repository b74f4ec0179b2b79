package storm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// DataCheck is what reading the callers' data back found (data.verify). A
// caller whose listing could not be read is Unreadable, never Missing: "we
// could not look" is not "it is gone".
type DataCheck struct {
	Verified, Missing int64
	// Invalidated are the callers with at least one missing record, in
	// ascending order: the callers that re-upload in the seed's storm.
	Invalidated []int
	Unreadable  int64
	Example     string // the first unreadable listing: caller, status, why
}

// verifyConcurrency bounds the listings read at once.
const verifyConcurrency = 16

// DefaultReadBackDeadline is how long a read-back keeps retrying a
// service that refuses connections (a deploy script that returned before
// the new version listens): from the read-back's start, for all callers.
const DefaultReadBackDeadline = time.Minute

// VerifyOptions configure VerifyData.
type VerifyOptions struct {
	// AllowRemote lets the target be outside loopback.
	AllowRemote bool
	// Deadline bounds the retries of a read that met a refused connection
	// or a 502/503/504, from VerifyData's start; 0 means
	// DefaultReadBackDeadline.
	Deadline time.Duration
}

// VerifyData reads the data of each of callers back through api.verify
// (its path and headers) at target (on loopback unless
// opts.AllowRemote) and compares it with the records records each
// uploaded before (ids as scenarios.RecordID). A read that meets a
// refused connection, a reset or a 502/503/504 is retried with backoff
// until opts.Deadline; a caller still unreadable then is counted as
// such, and the others are measured. It fails only when the scenario has
// no api.verify, the target is not allowed, or its mapping cannot be
// built.
func VerifyData(ctx context.Context, sc *scenarios.Scenario, target string, callers []int, records int, opts VerifyOptions) (DataCheck, error) {
	if sc.API.Verify == nil {
		return DataCheck{}, fmt.Errorf("storm: verify: the scenario has no api.verify")
	}
	if err := CheckTarget(ctx, target, opts.AllowRemote); err != nil && !errors.Is(err, ErrUnreachable) {
		return DataCheck{}, err // not down, but not allowed: retrying changes nothing
	}
	ids, err := scenarios.ParseFieldPath(sc.API.Verify.IDsField)
	if err != nil {
		return DataCheck{}, fmt.Errorf("storm: api.verify.ids_field: %w", err)
	}
	pop, err := scenarios.NewPopulation(sc)
	if err != nil {
		return DataCheck{}, err
	}
	req, err := scenarios.NewRequests(sc, pop, nil)
	if err != nil {
		return DataCheck{}, fmt.Errorf("storm: %w", err)
	}
	if opts.Deadline <= 0 {
		opts.Deadline = DefaultReadBackDeadline
	}
	client, err := readBackClient(sc, target)
	if err != nil {
		return DataCheck{}, err
	}
	v := &verifier{base: strings.TrimRight(target, "/"), req: req, ids: ids, records: records,
		client: client, deadline: time.Now().Add(opts.Deadline)}
	v.logins = newReadLogins(req, v.base, client)
	return v.run(ctx, callers), nil
}

// readBackClient is the client of a read-back at target: over the
// scenario's TLS (sut.tls) for an https one, as the uploads were sent.
func readBackClient(sc *scenarios.Scenario, target string) (*http.Client, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("storm: target: %w", err)
	}
	if u.Scheme != "https" {
		return c, nil
	}
	tc, err := TLSConfig(sc, u.Hostname(), verifyConcurrency)
	if err != nil {
		return nil, err
	}
	c.Transport = newHTTPTransport(verifyConcurrency, tc)
	return c, nil
}

// verifier reads listings concurrently; mu guards check.
type verifier struct {
	logins   *readLogins // api.login's, for {login.NAME} in the reads; nil without
	base     string
	req      *scenarios.Requests
	ids      scenarios.FieldPath
	records  int
	client   *http.Client
	deadline time.Time // retries of a service that is not there end here

	mu    sync.Mutex
	check DataCheck
	lost  map[int]bool
}

func (v *verifier) run(ctx context.Context, callers []int) DataCheck {
	v.lost = map[int]bool{}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range verifyConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				v.one(ctx, c)
			}
		}()
	}
	for _, c := range callers {
		if ctx.Err() != nil {
			break
		}
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	for _, c := range callers {
		if v.lost[c] {
			v.check.Invalidated = append(v.check.Invalidated, c)
		}
	}
	return v.check
}

// one compares caller c's listing with the ids it uploaded.
func (v *verifier) one(ctx context.Context, c int) {
	got, why := v.listRetrying(ctx, c)
	v.mu.Lock()
	defer v.mu.Unlock()
	if why != "" {
		v.check.Unreadable++
		if v.check.Example == "" {
			v.check.Example = v.req.Redact(why)
		}
		return
	}
	for j := range v.records {
		if got[scenarios.RecordID(c, j)] {
			v.check.Verified++
		} else {
			v.check.Missing++
			v.lost[c] = true
		}
	}
}

// Read-back retry backoff: readBackFirst, doubling up to readBackMax.
const (
	readBackFirst = 100 * time.Millisecond
	readBackMax   = 2 * time.Second
)

// listRetrying is list, again after a backoff while the service is not
// there (retry says so) and the deadline allows.
func (v *verifier) listRetrying(ctx context.Context, c int) (map[string]bool, string) {
	wait := readBackFirst
	for tries := 1; ; tries++ {
		got, why, retry := v.list(ctx, c)
		if !retry || time.Now().Add(wait).After(v.deadline) {
			if retry {
				why += fmt.Sprintf(" (%d tries, until the read-back's deadline)", tries)
			}
			return got, why
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Sprintf("caller %d: the run stopped before it could be read", c)
		case <-t.C:
		}
		wait = min(2*wait, readBackMax)
	}
}

// list reads caller c's record ids; why says, in user words, why it could
// not, and retry whether the service was not there to answer (a refused
// or reset connection, 502, 503, 504): worth another try.
func (v *verifier) list(ctx context.Context, c int) (_ map[string]bool, why string, retry bool) {
	if why := v.logins.ensure(ctx, c); why != "" {
		return nil, why, ctx.Err() == nil
	}
	path := v.req.VerifyPath(c)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.base+path, nil)
	if err != nil {
		return nil, fmt.Sprintf("caller %d: %v", c, err), false
	}
	req.Header = v.req.VerifyHeader(c)
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Sprintf("caller %d: GET %s: %v", c, path, err), notThere(err) && ctx.Err() == nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		down := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		return nil, fmt.Sprintf("caller %d: GET %s answered %d", c, path, resp.StatusCode), down
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 256<<20))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Sprintf("caller %d: GET %s: the answer is not JSON (%v)", c, path, err), false
	}
	if !v.ids.Present(doc) {
		return nil, fmt.Sprintf("caller %d: GET %s: no %q in the answer", c, path, v.ids.String()), false
	}
	got := map[string]bool{}
	for _, id := range v.ids.Values(doc) {
		got[id] = true
	}
	return got, "", false
}

// notThere reports whether err says the service was not there: a refused
// or reset connection, or one closed before an answer.
func notThere(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
