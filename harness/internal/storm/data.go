package storm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// DataCheck is what reading the callers' data back found (data.verify,
// DESIGN §4.9). A caller whose listing could not be read is Unreadable,
// never Missing: "we could not look" is not "it is gone".
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

// VerifyData reads the data of each of callers back through api.verify
// at target (on loopback unless allowRemote) and compares it with the
// records records each uploaded before (ids as scenarios.RecordID). It
// fails only when the scenario has no api.verify or its mapping cannot be
// built; every per-caller problem is in the DataCheck.
func VerifyData(ctx context.Context, sc *scenarios.Scenario, target string, allowRemote bool, callers []int, records int) (DataCheck, error) {
	if sc.API.Verify == nil {
		return DataCheck{}, fmt.Errorf("storm: verify: the scenario has no api.verify")
	}
	if err := CheckTarget(ctx, target, allowRemote); err != nil {
		return DataCheck{}, err
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
	v := &verifier{base: strings.TrimRight(target, "/"), req: req, ids: ids, records: records,
		client: &http.Client{Timeout: 30 * time.Second}}
	return v.run(ctx, callers), nil
}

// verifier reads listings concurrently; mu guards check.
type verifier struct {
	base    string
	req     *scenarios.Requests
	ids     scenarios.FieldPath
	records int
	client  *http.Client

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
	got, why := v.list(ctx, c)
	v.mu.Lock()
	defer v.mu.Unlock()
	if why != "" {
		v.check.Unreadable++
		if v.check.Example == "" {
			v.check.Example = why
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

// list reads caller c's record ids; why says, in user words, why it could
// not.
func (v *verifier) list(ctx context.Context, c int) (map[string]bool, string) {
	u := v.base + v.req.VerifyPath(c)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Sprintf("caller %d: %v", c, err)
	}
	for k, vals := range v.req.Header(c, 1) {
		if k != "Content-Type" && !strings.EqualFold(k, "Content-Length") {
			req.Header[k] = vals // the same credentials as the upload
		}
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Sprintf("caller %d: GET %s: %v", c, v.req.VerifyPath(c), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, fmt.Sprintf("caller %d: GET %s answered %d", c, v.req.VerifyPath(c), resp.StatusCode)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 256<<20))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Sprintf("caller %d: GET %s: the answer is not JSON (%v)", c, v.req.VerifyPath(c), err)
	}
	if !v.ids.Present(doc) {
		return nil, fmt.Sprintf("caller %d: GET %s: no %q in the answer", c, v.req.VerifyPath(c), v.ids.String())
	}
	got := map[string]bool{}
	for _, id := range v.ids.Values(doc) {
		got[id] = true
	}
	return got, ""
}
