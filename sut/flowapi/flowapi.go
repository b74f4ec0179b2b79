// Package flowapi is an upload API shaped like S3's multipart uploads
// behind an OAuth2 client-credentials login, unlike the reference
// services: a client trades its id and secret for a bearer token at
// POST /oauth/token, creates an upload (POST /uploads, answered
// {"uploadId": ...}), PUTs its parts (/uploads/{id}/parts/{n}) and
// completes it (POST /uploads/{id}/complete), which stores it only when
// its parts cover it without a gap. Tokens run out after a number of
// requests or a time, as real ones expire. It keeps a journal of all it
// did and answered (Journal), so every figure a rehearsal reports about
// a caller's flow can be checked against its own.
package flowapi

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths of the API.
const (
	TokenPath   = "/oauth/token"
	UploadsPath = "/uploads"
	HealthPath  = "/healthz"
)

// Config configures a Service.
type Config struct {
	// Secret is what every client's client_secret must be, its id
	// appended ("s3cret" takes "s3cret-caller-00001" from caller-00001);
	// empty takes any.
	Secret string
	// TokenUses is how many requests a token is good for (0: any number);
	// TokenTTL how long (0: for ever). Either spent, the token gets 401.
	TokenUses int
	TokenTTL  time.Duration
	// PartDelay is how long each part takes to store.
	PartDelay time.Duration
}

// Journal is what the service did and answered, exactly.
type Journal struct {
	Logins, Refreshes   int64 // tokens issued, of which to a client that had one
	LoginsRefused       int64 // logins answered 401
	Refused             int64 // requests answered 401: a spent or unknown token
	RefusedBytes        int64 // body bytes of those
	Created, Completed  int64 // uploads created, completed (stored whole)
	Parts, PartBytes    int64 // parts stored, and their bytes
	StoredBytes         int64 // bytes of the completed uploads
	Incomplete, Unknown int64 // completes refused: a gap in the parts, no such upload
}

// Requests is every request the service answered past the login: what
// a rehearsal's steps sent.
func (j Journal) Requests() int64 {
	return j.Created + j.Parts + j.Completed + j.Refused + j.Incomplete + j.Unknown
}

// Service is the API; New makes one.
type Service struct {
	cfg Config

	mu       sync.Mutex
	j        Journal
	tokens   map[string]*token
	issued   map[string]int // per client
	uploads  map[string]*upload
	creators int
}

type token struct {
	client string
	left   int
	until  time.Time
}

type upload struct {
	parts map[int]int64
}

// New returns a Service with cfg.
func New(cfg Config) *Service {
	return &Service{cfg: cfg, tokens: map[string]*token{}, issued: map[string]int{}, uploads: map[string]*upload{}}
}

// Journal returns a copy of the journal.
func (s *Service) Journal() Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.j
}

// Handler serves the API.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenPath, s.token)
	mux.HandleFunc("POST "+UploadsPath, s.auth(s.create))
	mux.HandleFunc("PUT "+UploadsPath+"/{id}/parts/{n}", s.auth(s.part))
	mux.HandleFunc("POST "+UploadsPath+"/{id}/complete", s.auth(s.complete))
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"status":"ok","mode":"flow"}`)) })
	return mux
}

// token answers a client-credentials login with a token good for
// TokenUses requests and TokenTTL (its expires_in).
func (s *Service) token(w http.ResponseWriter, r *http.Request) {
	client, secret := "", ""
	if err := r.ParseForm(); err == nil && r.PostForm.Get("grant_type") == "client_credentials" {
		client, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if client == "" || s.cfg.Secret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.Secret+"-"+client)) != 1 {
		s.mu.Lock()
		s.j.LoginsRefused++
		s.mu.Unlock()
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	s.j.Logins++
	if s.issued[client] > 0 {
		s.j.Refreshes++
	}
	s.issued[client]++
	tok := fmt.Sprintf("t-%s-%d", client, s.issued[client])
	t := &token{client: client, left: s.cfg.TokenUses}
	if s.cfg.TokenTTL > 0 {
		t.until = time.Now().Add(s.cfg.TokenTTL)
	}
	s.tokens[tok] = t
	s.mu.Unlock()
	expires := "3600"
	if s.cfg.TokenTTL > 0 {
		expires = strconv.FormatFloat(s.cfg.TokenTTL.Seconds(), 'f', -1, 64)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%s}`, tok, expires)
}

// auth lets a request with a live token through and spends one of its
// uses; any other gets 401, its body read and counted.
func (s *Service) auth(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		t := s.tokens[tok]
		ok := t != nil && (s.cfg.TokenUses == 0 || t.left > 0) && (t.until.IsZero() || time.Now().Before(t.until))
		if ok {
			t.left--
		}
		s.mu.Unlock()
		if !ok {
			n, _ := io.Copy(io.Discard, r.Body)
			s.mu.Lock()
			s.j.Refused++
			s.j.RefusedBytes += n
			s.mu.Unlock()
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}
