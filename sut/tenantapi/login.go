package tenantapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// TokenPath is where a tenant trades its key for a bearer token (OAuth2
// client credentials: client_id the tenant, client_secret its key) when
// Config.TokenUses is set.
const TokenPath = "/oauth/token"

// grant is one issued token: its tenant and the requests it is still
// good for.
type grant struct {
	tenant string
	left   int
}

// token answers a client-credentials login with a fresh token good for
// Config.TokenUses requests; it counts logins and each tenant's after its
// first as refreshes.
func (s *Service) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	t, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	key, ok := s.cfg.Keys[t]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(key)) != 1 {
		s.mu.Lock()
		s.j.Unauthorized["login"]++
		s.mu.Unlock()
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.j.Logins++
	if s.loggedIn[t] {
		s.j.Refreshes++
	}
	s.loggedIn[t] = true
	s.grants[tok] = &grant{tenant: t, left: s.cfg.TokenUses}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
}

// bearer is the tenant of the request's live bearer token, "" when it
// has none or it is spent; it spends one use.
func (s *Service) bearer(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.grants[tok]
	if g == nil || g.left <= 0 {
		return ""
	}
	g.left--
	return g.tenant
}
