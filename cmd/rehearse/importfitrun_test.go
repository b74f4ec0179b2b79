package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestImportFitKeepsCallers: a log of 40 callers — 20 that uploaded
// once, 15 three times, 5 ten times, a burst of 40 in its fourth second
// — fitted and the fit run against a service that counts each caller's
// uploads: the service sees 40 callers making the log's 115 uploads, as
// many callers with each number of uploads as the log had.
func TestImportFitKeepsCallers(t *testing.T) {
	log, want := fitLog(t)
	out := t.TempDir()
	if code, stdout, stderr := cli(t, "import", "--fit", "--out", out, "--name", "shop", log); code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var mu sync.Mutex
	perCaller := map[string]int{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/callers/{caller}/records", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		perCaller[r.PathValue("caller")]++
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	text, err := os.ReadFile(filepath.Join(out, "shop-fit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fitted := regexp.MustCompile(`(?m)^  reference: .*$`).ReplaceAllString(string(text), "  url: "+srv.URL)
	path := filepath.Join(out, "run.yaml")
	if err := os.WriteFile(path, []byte(fitted), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "attack", "--target", srv.URL, "--out", t.TempDir(), "--progress", "none", path)
	if code != exitOK {
		t.Fatalf("attack: exit %d\n%s\n%s\n%s", code, stdout, stderr, fitted)
	}
	mu.Lock()
	defer mu.Unlock()
	var got []int
	for _, n := range perCaller {
		got = append(got, n)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("the service saw callers making %v uploads, the log %v", got, want)
	}
}

// fitLog writes a combined log of 40 callers over 8 seconds, every upload
// 201 (no retry), and returns it with the callers' uploads, sorted.
func fitLog(t *testing.T) (string, []int) {
	t.Helper()
	var uploads, want []int // uploads: the caller of each upload
	for c := range 40 {
		n := 1
		switch {
		case c >= 35:
			n = 10
		case c >= 20:
			n = 3
		}
		for range n {
			uploads = append(uploads, c)
		}
		want = append(want, n)
	}
	slices.Sort(want)
	r := rand.New(rand.NewPCG(7, 7))
	r.Shuffle(len(uploads), func(i, j int) { uploads[i], uploads[j] = uploads[j], uploads[i] })
	start := time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i, c := range uploads {
		sec := 3 // the burst: 40 uploads in one second
		if i >= 40 {
			sec = []int{0, 1, 2, 4, 5, 6, 7}[(i-40)%7]
		}
		at := start.Add(time.Duration(sec) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
		fmt.Fprintf(&b, `10.0.0.%d - - [%s] "POST /v1/callers/acme-%d/records HTTP/1.1" 201 57 "-" "erp/1.0" %d 0.000`+"\n",
			c%250, at, c, 500+37*i)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	slices.SortStableFunc(lines, func(x, y string) int { return strings.Compare(x[strings.Index(x, "["):], y[strings.Index(y, "["):]) })
	p := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, want
}
