package sut

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bodyOf is an upload of the given record ids.
func bodyOf(ids ...string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"records":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%q,"payload":{"v":%d}}`, id, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// ids names n records of caller c as the harness's population does.
func ids(c, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%07d-r%07d", c, from+i)
	}
	return out
}

// startAt serves cfg (on dir when set) and returns its URL and a stop that
// closes it, so a test can restart the service on the same data folder.
func startAt(t *testing.T, cfg Config) (string, func()) {
	t.Helper()
	if cfg.QueryDelay == 0 {
		cfg.QueryDelay = -1
	}
	if cfg.RecordCost == 0 {
		cfg.RecordCost = 1
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			if err := svc.Close(context.Background()); err != nil { // t.Context() is done in Cleanup
				t.Errorf("close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return srv.URL, stop
}

// upload posts ids for caller and waits until the upload is done (async
// polls it), so its records are stored when it returns.
func upload(t *testing.T, base, caller string, ids []string) {
	t.Helper()
	if err := tryUpload(base, caller, ids); err != nil {
		t.Fatal(err)
	}
}

// tryUpload is upload for goroutines other than the test's.
func tryUpload(base, caller string, ids []string) error {
	resp, err := http.Post(base+"/v1/callers/"+caller+"/records", "application/json", bytes.NewReader(bodyOf(ids...)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusAccepted:
	default:
		return fmt.Errorf("upload: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		r, err := http.Get(base + loc)
		if err != nil {
			return err
		}
		var up Upload
		err = json.NewDecoder(r.Body).Decode(&up)
		r.Body.Close()
		if err == nil && up.Status == StatusDone {
			return nil
		}
	}
	return errors.New("upload " + loc + " not done in time")
}

// recordIDs lists caller's records through the API (200 required).
func recordIDs(t *testing.T, base, caller string) []string {
	t.Helper()
	resp, err := http.Get(base + "/v1/callers/" + caller + "/records")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("list records of %s: %d %s", caller, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var l struct {
		Records *[]Record `json:"records"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || l.Records == nil {
		t.Fatalf("list records: %v (records: %v)", err, l.Records)
	}
	out := []string{}
	for _, r := range *l.Records {
		out = append(out, r.ID)
	}
	return out
}

func metricValue(t *testing.T, base, name string) string {
	t.Helper()
	resp, err := http.Get(base + MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("no metric %s", name)
	return ""
}

func TestRecordsListedAfterUpload(t *testing.T) {
	for _, mode := range []string{ModeSync, ModeAsync} {
		t.Run(mode, func(t *testing.T) {
			base, _ := startAt(t, Config{Mode: mode, DataDir: t.TempDir(), Workers: 1})
			if got := recordIDs(t, base, "c0000001"); len(got) != 0 {
				t.Fatalf("a new caller has records %v", got)
			}
			upload(t, base, "c0000001", ids(1, 3, 3))
			upload(t, base, "c0000001", ids(1, 0, 4)) // r3 again: overwritten, listed once
			upload(t, base, "c0000002", ids(2, 0, 1))
			if got, want := recordIDs(t, base, "c0000001"), ids(1, 0, 6); !slices.Equal(got, want) {
				t.Fatalf("records %v, want %v in id order", got, want)
			}
			if got := recordIDs(t, base, "c0000002"); len(got) != 1 {
				t.Fatalf("caller 2: %v", got)
			}
			if v := metricValue(t, base, MetricRecordsVisible); v != "7" {
				t.Fatalf("%s = %s, want 7", MetricRecordsVisible, v)
			}
			resp, _ := http.Get(base + "/v1/callers/bad%20name/records")
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("bad caller name: %d", resp.StatusCode)
			}
		})
	}
}

// TestUpgradeHidesRecordsUnlessMigrated is the seed's upgrade: v1 stores
// the data, v2 without --migrate shows none of it (200, empty), v2 with
// --migrate shows all of it again. The data folder is the one a volume
// keeps across the upgrade; the mode may change with it.
func TestUpgradeHidesRecordsUnlessMigrated(t *testing.T) {
	for _, modes := range [][2]string{{ModeSync, ModeSync}, {ModeAsync, ModeAsync}, {ModeSync, ModeAsync}} {
		t.Run(modes[0]+"-to-"+modes[1], func(t *testing.T) {
			dir := t.TempDir()
			v1, stop := startAt(t, Config{Mode: modes[0], DataDir: dir, Workers: 1})
			upload(t, v1, "acme", ids(1, 0, 5))
			stop()

			v2, stop := startAt(t, Config{Mode: modes[1], DataDir: dir, SchemaVersion: 2})
			if got := recordIDs(t, v2, "acme"); len(got) != 0 {
				t.Fatalf("v2 without --migrate sees %v", got)
			}
			if vis, st := metricValue(t, v2, MetricRecordsVisible), metricValue(t, v2, MetricRecordsStored); vis != "0" || st != "5" {
				t.Fatalf("visible %s stored %s, want 0 and 5 (hidden, not deleted)", vis, st)
			}
			upload(t, v2, "acme", ids(1, 4, 2)) // the re-upload storm: r4 rewritten as v2, r5 new
			if got := recordIDs(t, v2, "acme"); !slices.Equal(got, ids(1, 4, 2)) {
				t.Fatalf("v2 after re-upload: %v", got)
			}
			stop()

			v2m, _ := startAt(t, Config{Mode: modes[1], DataDir: dir, SchemaVersion: 2, Migrate: true})
			if got := recordIDs(t, v2m, "acme"); !slices.Equal(got, ids(1, 0, 6)) {
				t.Fatalf("v2 --migrate sees %v, want all 6", got)
			}
		})
	}
}

// TestNewerSchemaStaysInvisible: --migrate never downgrades a record a
// newer version wrote; that version still sees it afterwards.
func TestNewerSchemaStaysInvisible(t *testing.T) {
	dir := t.TempDir()
	v3, stop := startAt(t, Config{Mode: ModeSync, DataDir: dir, SchemaVersion: 3})
	upload(t, v3, "acme", ids(1, 0, 2))
	stop()
	v2, stop := startAt(t, Config{Mode: ModeSync, DataDir: dir, SchemaVersion: 2, Migrate: true})
	if got := recordIDs(t, v2, "acme"); len(got) != 0 {
		t.Fatalf("v2 sees schema-3 records %v", got)
	}
	stop()
	v3, _ = startAt(t, Config{Mode: ModeSync, DataDir: dir, SchemaVersion: 3})
	if got := recordIDs(t, v3, "acme"); len(got) != 2 {
		t.Fatalf("v3 after a v2 --migrate sees %v, want its 2 records", got)
	}
}

// TestMigrateInBatches rewrites more records than one batch holds, over
// several commits, and counts what it left alone.
func TestMigrateInBatches(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), RecordsFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 2*migrateBatch + 7
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bRecords)
		for i := 0; err == nil && i < n; i++ {
			v := []int{1, 2, 3, 0}[i%4] // 0: an unreadable value counts as the oldest
			val := encodeVersion(v)
			if v == 0 {
				val = []byte("?")
			}
			err = b.Put(recordKey("c", fmt.Sprintf("r%07d", i)), val)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate(db, 2)
	if err != nil {
		t.Fatal(err)
	}
	older, newer := (n+3)/4+(n+0)/4, (n+1)/4 // versions 1 and 0; version 3
	if m.migrated != older || m.newer != newer {
		t.Fatalf("migrated %d newer %d, want %d and %d", m.migrated, m.newer, older, newer)
	}
	if m2, _ := migrate(db, 2); m2.migrated != 0 {
		t.Fatalf("a second pass migrated %d", m2.migrated)
	}
}

func TestBadSchemaVersion(t *testing.T) {
	for _, v := range []int{-1, maxSchemaVersion + 1} {
		if _, err := New(Config{Mode: ModeSync, DataDir: t.TempDir(), SchemaVersion: v}); err == nil {
			t.Errorf("schema version %d accepted", v)
		}
	}
}

// TestConcurrentUploadsKeepEveryRecord: concurrent uploads share bbolt
// commits (db.Batch); none of their records may be lost.
func TestConcurrentUploadsKeepEveryRecord(t *testing.T) {
	for _, mode := range []string{ModeSync, ModeAsync} {
		t.Run(mode, func(t *testing.T) {
			base, _ := startAt(t, Config{Mode: mode, DataDir: t.TempDir(), Workers: 4})
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for c := 1; c <= 4; c++ {
				for u := 0; u < 5; u++ {
					wg.Add(1)
					go func() { defer wg.Done(); errs <- tryUpload(base, fmt.Sprintf("c%07d", c), ids(c, u*10, 10)) }()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for c := 1; c <= 4; c++ {
				if got := recordIDs(t, base, fmt.Sprintf("c%07d", c)); !slices.Equal(got, ids(c, 0, 50)) {
					t.Fatalf("caller %d has %d records, want 50", c, len(got))
				}
			}
			if v := metricValue(t, base, MetricRecordsStored); v != "200" {
				t.Fatalf("stored %s, want 200", v)
			}
		})
	}
}

// TestRecordsSurviveCrash copies the record file of a running service, as
// a kill -9 would leave it, the moment the upload is answered: a 200 (or a
// done async upload) promises the records are on disk.
func TestRecordsSurviveCrash(t *testing.T) {
	for _, mode := range []string{ModeSync, ModeAsync} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base, _ := startAt(t, Config{Mode: mode, DataDir: dir, Workers: 1})
			upload(t, base, "acme", ids(1, 0, 3))
			b, err := os.ReadFile(filepath.Join(dir, RecordsFile)) // still open: not closed cleanly
			if err != nil {
				t.Fatal(err)
			}
			crashed := t.TempDir()
			if err := os.WriteFile(filepath.Join(crashed, RecordsFile), b, 0o600); err != nil {
				t.Fatal(err)
			}
			after, _ := startAt(t, Config{Mode: ModeSync, DataDir: crashed})
			if got := recordIDs(t, after, "acme"); !slices.Equal(got, ids(1, 0, 3)) {
				t.Fatalf("after the crash: %v", got)
			}
		})
	}
}

// TestBalancerMergesRecords: round-robin spreads a caller's uploads over
// the replicas; the lb lists their union once each, in id order, and
// answers 503 rather than a short list when a replica is down.
func TestBalancerMergesRecords(t *testing.T) {
	a, _ := startAt(t, Config{Mode: ModeSync, DataDir: t.TempDir(), Node: "r1"})
	b, stopB := startAt(t, Config{Mode: ModeSync, DataDir: t.TempDir(), Node: "r2"})
	lb, _ := startAt(t, Config{Mode: ModeLB, Backends: []string{a, b}})
	for u := 0; u < 4; u++ {
		upload(t, lb, "acme", ids(1, u*2, 3)) // overlapping: r2, r4, r6 twice
	}
	if got := recordIDs(t, lb, "acme"); !slices.Equal(got, ids(1, 0, 9)) {
		t.Fatalf("merged records %v", got)
	}
	if len(recordIDs(t, a, "acme")) == 0 || len(recordIDs(t, b, "acme")) == 0 {
		t.Fatal("round robin left a replica without records")
	}
	stopB()
	resp, err := http.Get(lb + "/v1/callers/acme/records")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("with a replica down: %d, want 503 with Retry-After", resp.StatusCode)
	}
}

func TestArgsRenderSchemaFlags(t *testing.T) {
	got := strings.Join(Args{Mode: ModeSync, SchemaVersion: 2, Migrate: true, Extra: []string{"--x"}}.Strings(), " ")
	if got != "--mode=sync --schema-version=2 --migrate --x" {
		t.Fatalf("args %q", got)
	}
	if strings.Contains(strings.Join(Args{Mode: ModeSync}.Strings(), " "), "schema") {
		t.Fatal("schema flag rendered without a version")
	}
}

// TestMainLogsHiddenRecords: uploadsvc's own flags reach the store, and
// the startup log says what an upgrade hid and what --migrate brought back.
func TestMainLogsHiddenRecords(t *testing.T) {
	dir := t.TempDir()
	base, stop := startAt(t, Config{Mode: ModeSync, DataDir: dir})
	upload(t, base, "acme", ids(1, 0, 4))
	stop()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--schema-version", "2"}, "older_invisible=4"},
		{[]string{"--schema-version=2", "--migrate"}, `msg="migrated records" records=4`},
	} {
		var out syncBuffer
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		args := append([]string{"--mode=sync", "--addr=127.0.0.1:0", "--data=" + dir}, c.args...)
		go func() { done <- Main(ctx, "test", args, &out) }()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), "listening") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if !strings.Contains(out.String(), c.want) {
			t.Fatalf("%v: log lacks %q:\n%s", c.args, c.want, out.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
