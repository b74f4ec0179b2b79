package storm

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// multipartService is an upload API shaped like S3's multipart uploads
// behind an OAuth2 client-credentials login, which counts its own truth:
// tokens are issued per client and honoured for uses requests each (then
// 401, as a token that expired), an upload is created, its parts PUT,
// then completed — stored only when its parts cover it without a gap.
type multipartService struct {
	uses     int           // requests a token is good for
	ttl      time.Duration // how long a token is good for; 0: no limit
	expires  string        // the expires_in it answers
	slowPart time.Duration // how long the first part of an upload takes

	mu                  sync.Mutex
	logins, refused     int
	tokens              map[string]*token
	issued              map[string]int // per client
	uploads             map[string]*mpUpload
	parts, partBytes    int64
	completed, creators int
	stored              int64
	refusedBytes        int64
}

type token struct {
	client string
	left   int
	until  time.Time
}

type mpUpload struct {
	client string
	parts  map[int]int64
}

func (s *multipartService) handler() http.Handler {
	s.tokens, s.issued, s.uploads = map[string]*token{}, map[string]int{}, map[string]*mpUpload{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("POST /uploads", s.auth(s.create))
	mux.HandleFunc("PUT /uploads/{id}/parts/{n}", s.auth(s.part))
	mux.HandleFunc("POST /uploads/{id}/complete", s.auth(s.complete))
	return mux
}

func (s *multipartService) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_secret") != "s3cr3t-"+r.PostForm.Get("client_id") {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	client := r.PostForm.Get("client_id")
	s.mu.Lock()
	s.logins++
	s.issued[client]++
	tok := fmt.Sprintf("t-%s-%d", client, s.issued[client])
	t := &token{client: client, left: s.uses}
	if s.ttl > 0 {
		t.until = time.Now().Add(s.ttl)
	}
	s.tokens[tok] = t
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%s}`, tok, s.expires)
}

// auth lets a request with a live token through, naming its client.
func (s *multipartService) auth(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		t := s.tokens[tok]
		ok := t != nil && t.left > 0 && (t.until.IsZero() || time.Now().Before(t.until))
		if ok {
			t.left--
		} else {
			s.refused++
		}
		s.mu.Unlock()
		if !ok {
			n, _ := io.Copy(io.Discard, r.Body)
			s.mu.Lock()
			s.refusedBytes += n
			s.mu.Unlock()
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		h(w, r, t.client)
	}
}

func (s *multipartService) create(w http.ResponseWriter, _ *http.Request, client string) {
	s.mu.Lock()
	s.creators++
	id := fmt.Sprintf("u%d", s.creators)
	s.uploads[id] = &mpUpload{client: client, parts: map[int]int64{}}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"uploadId":%q}`, id)
}

func (s *multipartService) part(w http.ResponseWriter, r *http.Request, _ string) {
	n, _ := strconv.Atoi(r.PathValue("n"))
	if n == 1 && s.slowPart > 0 {
		time.Sleep(s.slowPart)
	}
	got, err := io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[r.PathValue("id")]
	if err != nil || u == nil || n < 1 || got != r.ContentLength {
		http.Error(w, "bad part", http.StatusBadRequest)
		return
	}
	u.parts[n] = got
	s.parts++
	s.partBytes += got
	w.Header().Set("ETag", fmt.Sprintf(`"%d-%d"`, n, got))
}

func (s *multipartService) complete(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[r.PathValue("id")]
	if u == nil || len(u.parts) == 0 {
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	}
	var total int64
	for i := 1; i <= len(u.parts); i++ {
		n, ok := u.parts[i]
		if !ok {
			http.Error(w, "a part is missing", http.StatusBadRequest)
			return
		}
		total += n
	}
	s.completed++
	s.stored += total
	w.WriteHeader(http.StatusCreated)
}

// multipartFlow is the scenario of a caller of multipartService: 30
// callers, each 50 records of 1,000 raw bytes (50,000 bytes: parts of
// 16 KiB make 4, the last 848 bytes).
const multipartFlow = `callers:
  count: 30
  records: 50
  record_bytes: 1000
  vars: {client_secret: s3cr3t}
  retry: {attempts: 2, backoff: constant, base: 10ms, jitter: none, on: [4xx, 5xx]}
arrival: {profile: poisson, rate: 300}
api:
  login:
    path: /oauth/token
    body: {format: form, fields: {grant_type: client_credentials, client_id: "{caller}", client_secret: "{var.client_secret}-{caller}"}}
    save: {token: access_token, ttl: expires_in}
  headers: {Authorization: "Bearer {login.token}"}
  upload:
    body: {format: raw}
    steps:
      - {method: POST, path: /uploads, save: {id: uploadId}}
      - {method: PUT, path: "/uploads/{step.id}/parts/{part.n}", parts: {size: 16KiB, concurrency: %d}}
      - {method: POST, path: "/uploads/{step.id}/complete"}
`

// TestFlowLoginAndParts: every caller logs in, creates its upload, sends
// its 4 parts and completes it; tokens good for 3 requests make each
// caller's 4th request a 401, after which it logs in again and sends
// that request once more. Every count of the report — logins, refreshes,
// requests sent again, parts, bytes, completions — equals the service's.
func TestFlowLoginAndParts(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			svc := &multipartService{uses: 3, expires: "3600"}
			var j journal
			srv := j.serve(t, svc.handler().ServeHTTP, nil)
			sc := scenario(t, srv.URL, fmt.Sprintf(multipartFlow, conc))
			rep, _ := run(t.Context(), t, sc, srv.URL)
			lg := rep.Login
			if lg == nil || len(rep.Steps) != 3 {
				t.Fatalf("login %+v steps %+v", lg, rep.Steps)
			}
			if svc.completed != 30 || rep.Callers.Succeeded != 30 || rep.Requests.OK != 30 || svc.stored != 30*50_000 {
				t.Fatalf("service completed %d (%d bytes); report callers %+v requests %+v", svc.completed, svc.stored, rep.Callers, rep.Requests)
			}
			if lg.Attempts != int64(svc.logins) || lg.Errors != 0 || lg.Refreshes != int64(svc.logins-30) || lg.Retried != int64(svc.refused) || svc.refused == 0 {
				t.Fatalf("login %+v; service: %d logins, %d refused", lg, svc.logins, svc.refused)
			}
			var sent, failed, bytes int64
			for _, st := range rep.Steps {
				sent, failed, bytes = sent+st.Attempts, failed+st.Errors, bytes+st.BytesOut
			}
			if seen := int64(svc.creators+svc.completed+svc.refused) + svc.parts; sent != seen || failed != int64(svc.refused) ||
				bytes != svc.partBytes+svc.refusedBytes || rep.Steps[1].Name != "PUT /uploads/{step.id}/parts/{part.n}" {
				t.Fatalf("steps %+v; service saw %d requests (%d refused), %d part bytes (+%d refused)", rep.Steps, seen, svc.refused, svc.partBytes, svc.refusedBytes)
			}
		})
	}
}

// TestFlowLoginRefreshesBeforeTTL: a token good for 1 s (expires_in 1),
// and a first part that takes 1.1 s: the caller logs in again before its
// next request (at 90% of the ttl) instead of sending a dead token — no
// request is refused.
func TestFlowLoginRefreshesBeforeTTL(t *testing.T) {
	svc := &multipartService{uses: 1000, ttl: time.Second, expires: "1", slowPart: 1100 * time.Millisecond}
	var j journal
	srv := j.serve(t, svc.handler().ServeHTTP, nil)
	sc := scenario(t, srv.URL, strings.Replace(fmt.Sprintf(multipartFlow, 1), "count: 30", "count: 5", 1))
	rep, _ := run(t.Context(), t, sc, srv.URL)
	if svc.refused != 0 || svc.completed != 5 || rep.Login.Refreshes != 5 || rep.Login.Attempts != 10 {
		t.Fatalf("service: %d refused, %d completed, %d logins; report login %+v", svc.refused, svc.completed, svc.logins, rep.Login)
	}
}

// TestFlowLoginFails: callers whose login is refused end as login_failed
// — no upload sent, not counted as gave up — and the storm goes on for
// the others; a login that never answers is counted as a login error
// (its timeout) the same way.
func TestFlowLoginFails(t *testing.T) {
	svc := &multipartService{uses: 1000, expires: "3600"}
	inner := svc.handler()
	var j journal
	srv := j.serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			_ = r.ParseForm()
			switch id := r.PostForm.Get("client_id"); {
			case strings.HasSuffix(id, "3"):
				http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
				return
			case strings.HasSuffix(id, "7"):
				<-r.Context().Done() // never answers
				return
			}
		}
		inner.ServeHTTP(w, r)
	}, nil)
	sc := scenario(t, srv.URL, strings.NewReplacer("count: 30", "count: 20", "on: [4xx, 5xx]", "on: [5xx]",
		"retry:", "timeout: 500ms\n  retry:").Replace(fmt.Sprintf(multipartFlow, 1)))
	rep, _ := run(t.Context(), t, sc, srv.URL)
	// callers 3, 7, 13, 17: two refused, two timed out (tried twice? no:
	// a timeout is not in retry.on here) — four callers, four logins.
	if rep.Callers.LoginFailed != 4 || rep.Callers.Succeeded != 16 || rep.Callers.GaveUp != 0 || svc.completed != 16 {
		t.Fatalf("callers %+v; service completed %d", rep.Callers, svc.completed)
	}
	if rep.Login.Errors != 4 || rep.Login.Attempts != 20 || rep.Login.Example == nil || rep.Requests.Total != 16 {
		t.Fatalf("login %+v requests %+v", rep.Login, rep.Requests)
	}
}
