// Package tenantapi is a service shaped like a real team's multi-tenant
// API, unlike the reference ones: the tenant only in an X-Tenant-ID
// header, an X-Api-Key per tenant checked on every request (uploads,
// operation polls and reads alike, 401 otherwise), NDJSON uploads by PUT
// /v2/datasets/{name} answered 202 {"operation": id}, operations polled at
// /v2/operations/{id} as {"done": bool, "error": null|{...}}. It can
// fail operations, forget them (404 after the 202) and lose tenants' data,
// and it keeps a journal of all it did and answered (Journal), so every
// figure a rehearsal reports about it can be checked against its own.
package tenantapi

import (
	"net/http"
	"sync"
	"time"
)

// Paths and headers of the API.
const (
	DatasetsPath   = "/v2/datasets/"   // + name; PUT
	OperationsPath = "/v2/operations/" // + id; GET
	RecordsPath    = "/v2/records"     // GET: the tenant's stored records
	HealthPath     = "/healthz"
	TenantHeader   = "X-Tenant-ID"
	KeyHeader      = "X-Api-Key"
)

// Config configures a Service.
type Config struct {
	// Keys is each tenant's API key; a request of a tenant not in it, or
	// with another key, is answered 401.
	Keys map[string]string
	// OpDelay is how long an operation runs before it is done.
	OpDelay time.Duration
	// FailEvery makes every N-th operation end with an error (nothing
	// stored); 0: none.
	FailEvery int
	// ForgetEvery makes every N-th operation forgotten when it ends: its
	// records are stored, but its status answers 404 from then on; 0: none.
	ForgetEvery int
	// TokenUses, when set, takes bearer tokens from POST /oauth/token
	// (login.go) instead of X-Api-Key, each good for this many requests
	// (then 401, as a token that expired).
	TokenUses int
}

// Service is the API; New makes one.
type Service struct {
	cfg Config

	mu       sync.Mutex
	j        Journal
	ops      map[string]*operation
	records  map[string]map[string]bool // tenant -> stored record ids
	reads    []Read
	grants   map[string]*grant
	loggedIn map[string]bool
}

type operation struct {
	tenant string
	ids    []string
	done   bool
	err    string
}

// New returns a Service with cfg.
func New(cfg Config) *Service {
	return &Service{cfg: cfg, ops: map[string]*operation{}, records: map[string]map[string]bool{},
		j: Journal{Unauthorized: map[string]int64{}}, grants: map[string]*grant{}, loggedIn: map[string]bool{}}
}

// Handler serves the API.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT "+DatasetsPath+"{name}", s.upload)
	mux.HandleFunc("GET "+OperationsPath+"{id}", s.operation)
	mux.HandleFunc("GET "+RecordsPath, s.read)
	mux.HandleFunc("POST "+TokenPath, s.token)
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) })
	return mux
}
