package teamapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// form builds a multipart upload of tenant with the given CSV.
func form(t *testing.T, tenant, csv string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.WriteField("tenant", tenant); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", tenant+".csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, csv)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

func post(t *testing.T, srv *httptest.Server, tenant, token, csv string) *http.Response {
	t.Helper()
	body, ct := form(t, tenant, csv)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+UploadPath+"?tenant="+tenant, body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestUploadJobRecords(t *testing.T) {
	svc := New(Config{Token: "s3cret", JobDelay: 10 * time.Millisecond})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()

	resp := post(t, srv, "acme", "s3cret", "id,value\na1,x\na2,y\n")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	var ans struct{ Job struct{ ID, State string } }
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || ans.Job.ID == "" {
		t.Fatalf("answer: %v %+v", err, ans)
	}
	deadline := time.Now().Add(5 * time.Second)
	for state := ""; state != StateFinished; {
		if time.Now().After(deadline) {
			t.Fatal("job never finished")
		}
		r, err := srv.Client().Get(srv.URL + JobsPath + ans.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Data struct{ State string } }
		_ = json.NewDecoder(r.Body).Decode(&st)
		r.Body.Close()
		state = st.Data.State
		time.Sleep(5 * time.Millisecond)
	}
	r, err := srv.Client().Get(srv.URL + TenantsPath + "acme/records")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if got := strings.TrimSpace(string(b)); got != `{"records":[{"id":"a1"},{"id":"a2"}]}` {
		t.Fatalf("records: %s", got)
	}
	if tr := svc.Truth(); tr.Requests != 1 || tr.Accepted != 1 || tr.Rows != 2 || tr.Finished != 1 || tr.PerTenant["acme"] != 1 {
		t.Fatalf("truth: %+v", tr)
	}
}

// A bad body is a 4xx that stores nothing; a bad token is a 401.
func TestUploadRejects(t *testing.T) {
	svc := New(Config{Token: "s3cret"})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	cases := []struct {
		name, tenant, token, csv string
		want                     int
	}{
		{"bad token", "acme", "nope", "id,value\na,b\n", http.StatusUnauthorized},
		{"no header", "acme", "s3cret", "a,b\n", http.StatusBadRequest},
		{"no rows", "acme", "s3cret", "id,value\n", http.StatusBadRequest},
		{"short row", "acme", "s3cret", "id,value\na\n", http.StatusBadRequest},
	}
	for _, c := range cases {
		if got := post(t, srv, c.tenant, c.token, c.csv).StatusCode; got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+UploadPath+"?tenant=acme", strings.NewReader(`{"records":[]}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("json body: got %d, want 400", resp.StatusCode)
	}
	if tr := svc.Truth(); tr.Accepted != 0 || tr.Rows != 0 || tr.Rejected != 4 || tr.Unauthorized != 1 {
		t.Fatalf("truth: %+v", tr)
	}
}

// Over the rate a tenant is told to come back after Retry-After seconds;
// coming back sooner is counted as an early retry.
func TestRateLimitRetryAfter(t *testing.T) {
	now := time.Unix(1000, 0)
	svc := New(Config{RateLimit: 1})
	svc.now = func() time.Time { return now }
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	if got := post(t, srv, "a", "", "id,value\n1,x\n").StatusCode; got != http.StatusCreated {
		t.Fatalf("first: %d", got)
	}
	resp := post(t, srv, "b", "", "id,value\n1,x\n")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("second: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	now = now.Add(500 * time.Millisecond)
	post(t, srv, "b", "", "id,value\n1,x\n") // early
	now = now.Add(2 * time.Second)
	if got := post(t, srv, "b", "", "id,value\n1,x\n").StatusCode; got != http.StatusCreated {
		t.Fatalf("after the wait: %d", got)
	}
	if tr := svc.Truth(); tr.EarlyRetries != 1 || tr.RateLimited != 2 || tr.Accepted != 2 {
		t.Fatalf("truth: %+v", tr)
	}
}
