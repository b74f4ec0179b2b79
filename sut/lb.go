package sut

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// balancer is the seed's second mitigation: a round-robin reverse proxy over
// replicas. Uploads go to the next backend, skipping one that refuses
// connections. Upload ids start with the owning replica's node name, learnt
// from each backend's /healthz, so a status poll always lands on the replica
// that holds the upload; a caller's listing merges all replicas.
type balancer struct {
	backends []string
	maxBody  int64
	next     atomic.Uint64
	client   *http.Client

	mu    sync.Mutex
	nodes map[string]string // node name -> backend URL
}

func newBalancer(backends []string, maxBody int64) *balancer {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1024,
	}
	return &balancer{backends: backends, maxBody: maxBody, client: &http.Client{Transport: tr}, nodes: map[string]string{}}
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/uploads/"):
		b.routeToOwner(w, r, strings.TrimPrefix(r.URL.Path, "/v1/uploads/"))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/uploads"):
		b.mergeLists(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/callers/") && strings.HasSuffix(r.URL.Path, "/records"):
		b.mergeRecords(w, r)
	default:
		b.roundRobin(w, r)
	}
}

func (b *balancer) roundRobin(w http.ResponseWriter, r *http.Request) {
	orig := r.Body
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			drain(w, orig)
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	start := b.next.Add(1)
	for i := range b.backends {
		be := b.backends[(int(start)+i)%len(b.backends)]
		resp, err := b.forward(r, be, body)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				continue // replica down: try the next one
			}
			writeError(w, http.StatusBadGateway, "upstream: "+err.Error())
			return
		}
		copyResponse(w, resp)
		return
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "no upstream accepts connections")
}

func (b *balancer) forward(r *http.Request, backend string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, backend+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for _, h := range []string{"Content-Type", "Idempotency-Key", "Accept"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	return b.client.Do(req)
}

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "Location", "Retry-After", "Allow"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// owner finds the backend whose node name prefixes id, asking backends'
// /healthz for their node names when it does not know it yet.
func (b *balancer) owner(r *http.Request, id string) (string, bool) {
	node, _, ok := strings.Cut(id, "-")
	if !ok {
		return "", false
	}
	b.mu.Lock()
	be, known := b.nodes[node]
	b.mu.Unlock()
	if known {
		return be, true
	}
	for _, be := range b.backends {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, be+HealthPath, nil)
		resp, err := b.client.Do(req)
		if err != nil {
			continue
		}
		var h struct {
			Node string `json:"node"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h.Node != "" {
			b.mu.Lock()
			b.nodes[h.Node] = be
			b.mu.Unlock()
		}
	}
	b.mu.Lock()
	be, known = b.nodes[node]
	b.mu.Unlock()
	return be, known
}

func (b *balancer) routeToOwner(w http.ResponseWriter, r *http.Request, id string) {
	be, ok := b.owner(r, id)
	if !ok {
		writeError(w, http.StatusNotFound, "no replica owns upload "+id)
		return
	}
	resp, err := b.forward(r, be, nil)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "owning replica unavailable: "+err.Error())
		return
	}
	copyResponse(w, resp)
}

func (b *balancer) mergeLists(w http.ResponseWriter, r *http.Request) {
	all := []Upload{}
	for _, be := range b.backends {
		resp, err := b.forward(r, be, nil)
		if err != nil {
			continue
		}
		var l struct {
			Uploads []Upload `json:"uploads"`
		}
		if resp.StatusCode == http.StatusOK {
			_ = json.NewDecoder(resp.Body).Decode(&l)
		}
		resp.Body.Close()
		all = append(all, l.Uploads...)
	}
	writeJSON(w, http.StatusOK, map[string][]Upload{"uploads": all})
}

// mergeRecords lists a caller's records from every replica: round-robin
// spread the caller's uploads over them, so its data is the union (an id
// uploaded twice may sit on two replicas: listed once, in id order). A
// replica that cannot answer makes the listing 503 with Retry-After rather
// than a shorter list, which a verify would count as lost data.
func (b *balancer) mergeRecords(w http.ResponseWriter, r *http.Request) {
	seen := map[string]struct{}{}
	for _, be := range b.backends {
		resp, err := b.forward(r, be, nil)
		if err != nil {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "replica unavailable: "+err.Error())
			return
		}
		if resp.StatusCode != http.StatusOK {
			copyResponse(w, resp) // e.g. 400 for a bad caller name: every replica agrees
			return
		}
		var l recordList
		err = json.NewDecoder(resp.Body).Decode(&l)
		resp.Body.Close()
		if err != nil {
			writeError(w, http.StatusBadGateway, "replica answer: "+err.Error())
			return
		}
		for _, rec := range l.Records {
			seen[rec.ID] = struct{}{}
		}
	}
	out := make([]Record, 0, len(seen))
	for id := range seen {
		out = append(out, Record{ID: id})
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, recordList{Records: out})
}
