package sut

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func body(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"records":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"r%d","payload":{"v":%d}}`, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func newServer(t *testing.T, cfg Config) (*Service, *httptest.Server) {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.QueryDelay == 0 {
		cfg.QueryDelay = -1
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(func() { srv.Close(); _ = svc.Close(t.Context()) })
	return svc, srv
}

func post(t *testing.T, url string, ct string, b []byte, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", ct)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func list(t *testing.T, base, caller string) []Upload {
	t.Helper()
	resp, err := http.Get(base + "/v1/callers/" + caller + "/uploads")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l struct{ Uploads []Upload }
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l.Uploads
}

func getUpload(t *testing.T, base, loc string) Upload {
	t.Helper()
	resp, err := http.Get(base + loc)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var up Upload
	_ = json.NewDecoder(resp.Body).Decode(&up)
	return up
}

func waitDone(t *testing.T, base, loc string) Upload {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if up := getUpload(t, base, loc); up.Status == StatusDone {
			return up
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("upload %s not done in time", loc)
	return Upload{}
}

func TestBadInputStoresNothing(t *testing.T) {
	for _, mode := range []string{ModeSync, ModeAsync} {
		_, srv := newServer(t, Config{Mode: mode, MaxBody: 1 << 20})
		url := srv.URL + "/v1/callers/acme/records"
		cases := []struct {
			name, ct string
			body     []byte
			want     int
		}{
			{"malformed", "application/json", []byte(`{"records":[`), 400},
			{"empty list", "application/json", []byte(`{"records":[]}`), 400},
			{"missing id", "application/json", []byte(`{"records":[{"payload":{}}]}`), 400},
			{"payload not object", "application/json", []byte(`{"records":[{"id":"a","payload":3}]}`), 400},
			{"duplicate ids", "application/json", []byte(`{"records":[{"id":"a","payload":{}},{"id":"a","payload":{}}]}`), 400},
			{"unknown field", "application/json", []byte(`{"records":[{"id":"a","payload":{}}],"x":1}`), 400},
			{"trailing data", "application/json", []byte(`{"records":[{"id":"a","payload":{}}]}{}`), 400},
			{"too large", "application/json", bytes.Repeat([]byte(" "), 2<<20), 413},
			{"wrong content type", "text/plain", body(1), 415},
		}
		for _, c := range cases {
			resp := post(t, url, c.ct, c.body)
			if resp.StatusCode != c.want {
				t.Errorf("%s/%s: status %d, want %d", mode, c.name, resp.StatusCode, c.want)
			}
			var e struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
				t.Errorf("%s/%s: no JSON error", mode, c.name)
			}
		}
		if resp := post(t, srv.URL+"/v1/callers/bad%20name/records", "application/json", body(1)); resp.StatusCode != 400 {
			t.Errorf("%s: bad caller name: %d", mode, resp.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body(1)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST" {
			t.Errorf("%s: PUT on upload: %d allow=%q", mode, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if ids := recordIDs(t, srv.URL, "acme"); len(ids) != 0 {
			t.Errorf("%s: bad input stored records %v", mode, ids)
		}
		if l := list(t, srv.URL, "acme"); len(l) != 0 {
			t.Errorf("%s: bad input stored %d uploads", mode, len(l))
		}
	}
}

func TestAsyncAcceptAndIdempotency(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeAsync, Workers: 1})
	url := srv.URL + "/v1/callers/acme/records"
	r1 := post(t, url, "application/json", body(10), "Idempotency-Key", "k1")
	r2 := post(t, url, "application/json", body(10), "Idempotency-Key", "k1")
	if r1.StatusCode != 202 || r2.StatusCode != 202 {
		t.Fatalf("status %d %d", r1.StatusCode, r2.StatusCode)
	}
	loc := r1.Header.Get("Location")
	if loc == "" || loc != r2.Header.Get("Location") {
		t.Fatalf("Location %q vs %q: a repeated key must name the same upload", loc, r2.Header.Get("Location"))
	}
	if l := list(t, srv.URL, "acme"); len(l) != 1 {
		t.Fatalf("listed %d uploads, want 1", len(l))
	}
	up := waitDone(t, srv.URL, loc)
	if up.Records != 10 || up.Processed != 1 || up.CompletedAt == nil || up.Caller != "acme" {
		t.Fatalf("upload %+v", up)
	}
}

func TestScheduledJobProcessesBacklog(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeAsync, Schedule: 300 * time.Millisecond, Workers: 1})
	var locs []string
	for i := 0; i < 5; i++ {
		locs = append(locs, post(t, srv.URL+"/v1/callers/c/records", "application/json", body(3)).Header.Get("Location"))
	}
	if up := getUpload(t, srv.URL, locs[0]); up.Status != StatusQueued {
		t.Fatalf("before the job ran: %s", up.Status)
	}
	for _, l := range locs {
		waitDone(t, srv.URL, l)
	}
}

func TestRateLimit(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeSync, RateLimit: 2})
	var limited int
	for i := 0; i < 6; i++ {
		resp := post(t, srv.URL+"/v1/callers/c/records", "application/json", body(1))
		if resp.StatusCode == 429 {
			limited++
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited < 3 {
		t.Fatalf("only %d of 6 quick uploads were limited at 2/s", limited)
	}
}

func TestSyncQueryDelay(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeSync, QueryDelay: 300 * time.Millisecond})
	t0 := time.Now()
	resp := post(t, srv.URL+"/v1/callers/c/records", "application/json", body(5))
	if resp.StatusCode != 200 || time.Since(t0) < 300*time.Millisecond {
		t.Fatalf("status %d after %s", resp.StatusCode, time.Since(t0))
	}
	var up Upload
	_ = json.NewDecoder(resp.Body).Decode(&up)
	if up.Status != StatusDone {
		t.Fatalf("sync answer status %q", up.Status)
	}
}

func TestShedding(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeSync, MaxInflight: 1, QueryDelay: 300 * time.Millisecond})
	done := make(chan int)
	go func() {
		resp, err := http.Post(srv.URL+"/v1/callers/c/records", "application/json", bytes.NewReader(body(1)))
		if err == nil {
			resp.Body.Close()
			done <- resp.StatusCode
		}
	}()
	time.Sleep(100 * time.Millisecond)
	if resp := post(t, srv.URL+"/v1/callers/c/records", "application/json", body(1)); resp.StatusCode != 503 {
		t.Fatalf("second concurrent upload: %d, want 503", resp.StatusCode)
	}
	if c := <-done; c != 200 {
		t.Fatalf("first upload: %d", c)
	}
}

func TestCostModelSuperlinear(t *testing.T) {
	if r := float64(workUnits(7000)) / float64(workUnits(700)); r <= 10 {
		t.Fatalf("7000 records cost %.1fx of 700, want > 10x", r)
	}
	if workUnits(0) != 0 || workUnits(1) != 1 {
		t.Fatal("edge cases")
	}
}

func TestMetrics(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeAsync, Schedule: time.Hour})
	post(t, srv.URL+"/v1/callers/c/records", "application/json", body(2))
	resp, _ := http.Get(srv.URL + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"uploadsvc_queue_depth 1", `uploadsvc_requests_total{code="202"} 1`, "uploadsvc_inflight_requests", "uploadsvc_processed_total 0", "uploadsvc_heap_bytes"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestBalancerRoutesToOwner(t *testing.T) {
	_, a := newServer(t, Config{Mode: ModeAsync, Node: "r1", Workers: 1})
	_, b := newServer(t, Config{Mode: ModeAsync, Node: "r2", Workers: 1})
	// A backend that refuses connections: a closed server's address.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, lb := newServer(t, Config{Mode: ModeLB, Backends: []string{a.URL, dead.URL, b.URL}})
	nodes := map[string]int{}
	var locs []string
	for i := 0; i < 6; i++ {
		resp := post(t, lb.URL+"/v1/callers/acme/records", "application/json", body(2))
		if resp.StatusCode != 202 {
			t.Fatalf("upload through lb: %d", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		locs = append(locs, loc)
		nodes[strings.SplitN(strings.TrimPrefix(loc, "/v1/uploads/"), "-", 2)[0]]++
	}
	if nodes["r1"] == 0 || nodes["r2"] == 0 {
		t.Fatalf("round robin skipped a live replica: %v", nodes)
	}
	for _, l := range locs {
		waitDone(t, lb.URL, l) // status polls reach the owner through the lb
	}
	if l := list(t, lb.URL, "acme"); len(l) != 6 {
		t.Fatalf("merged listing has %d uploads, want 6", len(l))
	}
}

func FuzzDecodeUpload(f *testing.F) {
	f.Add(body(3))
	f.Add([]byte(`{"records":[]}`))
	f.Add([]byte(`{"records":[{"id":"a","payload":{"x":[1,2]}}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := DecodeUpload(b)
		if err == nil && n < 1 {
			t.Fatalf("accepted an upload of %d records", n)
		}
	})
}

func BenchmarkAsyncAccept(b *testing.B) {
	for _, n := range []int{100, 7000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			svc, err := New(Config{Mode: ModeAsync, DataDir: b.TempDir(), Schedule: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close(b.Context())
			h, payload := svc.Handler(), body(n)
			lat := make([]time.Duration, 0, b.N)
			b.SetBytes(int64(len(payload)))
			b.SetParallelism(16) // 32 concurrent uploads on 2 cores: group commit at work
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var local []time.Duration
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/v1/callers/bench/records", bytes.NewReader(payload))
					req.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					t0 := time.Now()
					h.ServeHTTP(w, req)
					local = append(local, time.Since(t0))
					if w.Code != 202 {
						b.Fatalf("status %d", w.Code)
					}
				}
				benchMu.Lock()
				lat = append(lat, local...)
				benchMu.Unlock()
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "uploads/s")
			b.ReportMetric(float64(p99(lat).Microseconds())/1000, "p99_ms")
		})
	}
}

// TestOversizedBodyGets413NotReset: a client that sends its whole body
// before reading (as curl and urllib do) must read the 413, not a reset.
func TestOversizedBodyGets413NotReset(t *testing.T) {
	_, srv := newServer(t, Config{Mode: ModeAsync, MaxBody: 1 << 20})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	size := 8 << 20
	fmt.Fprintf(conn, "POST /v1/callers/acme/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)
	chunk := bytes.Repeat([]byte(" "), 64<<10)
	for sent := 0; sent < size; sent += len(chunk) {
		if _, err := conn.Write(chunk); err != nil {
			t.Fatalf("server reset the connection after %d bytes: %v", sent, err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 413 {
		t.Fatalf("response %v, %v; want 413", resp, err)
	}
	if l := list(t, srv.URL, "acme"); len(l) != 0 {
		t.Fatalf("stored %d uploads", len(l))
	}
}
