// Package teamapi is a team-shaped upload API, the kind rehearse's request
// templates exist for (docs/scenarios-api.md): a bearer token, a multipart form with
// a CSV file, 201 {"job":{"id":…}}, job progress at /api/v3/jobs/{id} as
// {"data":{"state":…}}, 429 with Retry-After when over its rate. It is the
// SUT of the built-in scenario team-api and of the storm's tests, and it
// knows its own truth (GET /debug/truth): every count a rehearsal reports
// about it can be checked exactly against what it saw.
package teamapi

import (
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Paths of the API. Upload takes ?tenant=NAME; the others name a job or a
// tenant in the path.
const (
	UploadPath  = "/api/v3/batches"
	JobsPath    = "/api/v3/jobs/"    // + job id
	TenantsPath = "/api/v3/tenants/" // + tenant + "/records"
	TruthPath   = "/debug/truth"
	HealthPath  = "/healthz"
	ReadyPath   = "/readyz"
	// CSVHeader is the header line the file part must start with.
	CSVHeader = "id,value"
)

// Job states as /api/v3/jobs/{id} reports them.
const (
	StateQueued   = "queued"
	StateFinished = "finished"
)

// Config configures a Service. The zero value serves without a token
// check and without a rate limit.
type Config struct {
	// Token is the bearer token every upload must carry; "" accepts any.
	Token string
	// RateLimit is uploads per second (a token bucket holding one
	// second's worth, at least one); above it the answer is 429 with Retry-After. 0: no limit.
	RateLimit float64
	// JobDelay is how long a job stays queued before it is finished.
	JobDelay time.Duration
	// MaxBody is the largest upload in bytes (413 above); 0 = 64 MiB.
	MaxBody int64
}

// Truth is what the service saw, exactly (GET /debug/truth).
type Truth struct {
	Requests     int64 `json:"requests"`      // upload requests, whatever their answer
	Accepted     int64 `json:"accepted"`      // uploads answered 201
	Rows         int64 `json:"rows"`          // CSV rows in accepted uploads
	Finished     int64 `json:"finished"`      // jobs finished
	Rejected     int64 `json:"rejected"`      // bodies answered 400 (nothing stored)
	Unauthorized int64 `json:"unauthorized"`  // answered 401
	RateLimited  int64 `json:"rate_limited"`  // answered 429
	EarlyRetries int64 `json:"early_retries"` // uploads of a tenant before its Retry-After was over
	// PerTenant counts accepted uploads per tenant.
	PerTenant map[string]int64 `json:"per_tenant"`
	// EarlyTenants counts early retries per tenant.
	EarlyTenants map[string]int64 `json:"early_tenants"`
	// LostTenants and LostRecords are what the last POST /debug/lose
	// dropped; AfterLoss counts accepted uploads per tenant since.
	LostTenants []string         `json:"lost_tenants"`
	LostRecords int64            `json:"lost_records"`
	AfterLoss   map[string]int64 `json:"after_loss"`
}

// Service is the team API; its zero value is not usable, call New.
type Service struct {
	cfg Config

	mu      sync.Mutex
	truth   Truth
	jobs    map[string]*job
	tenants map[string][]string // finished record ids per tenant
	notTill map[string]time.Time
	bucket  float64
	filled  time.Time
	now     func() time.Time
}

type job struct {
	tenant string
	ids    []string
	state  string
}

// New returns a Service with cfg.
func New(cfg Config) *Service {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 20
	}
	return &Service{cfg: cfg, jobs: map[string]*job{}, tenants: map[string][]string{},
		notTill: map[string]time.Time{}, bucket: max(1, cfg.RateLimit), now: time.Now,
		truth: Truth{PerTenant: map[string]int64{}, EarlyTenants: map[string]int64{}}}
}

// Handler serves the API.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+UploadPath, s.upload)
	mux.HandleFunc("GET "+JobsPath+"{id}", s.jobState)
	mux.HandleFunc("GET "+TenantsPath+"{tenant}/records", s.records)
	mux.HandleFunc("GET "+TruthPath, s.truthHandler)
	mux.HandleFunc("POST "+LosePath, s.lose)
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"status":"ok","mode":"team"}`)) }
	mux.HandleFunc("GET "+HealthPath, ok)
	mux.HandleFunc("GET "+ReadyPath, ok)
	return mux
}

// Truth returns a copy of what the service saw.
func (s *Service) Truth() Truth {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.truth
	t.PerTenant = maps.Clone(s.truth.PerTenant)
	t.EarlyTenants = maps.Clone(s.truth.EarlyTenants)
	t.AfterLoss = maps.Clone(s.truth.AfterLoss)
	t.LostTenants = slices.Clone(s.truth.LostTenants)
	return t
}
