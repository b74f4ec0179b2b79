// Package sut holds the reference upload services that rehearse runs as the
// service under test: the synchronous upload that collapsed under the seed's
// re-upload storm, the asynchronous split that fixed it (a durable bbolt
// queue processed by workers or by a scheduled job), and the round-robin
// balancer tried in between. Each is an http.Handler; cmd/uploadsvc serves
// the same handlers in a container.
//
// # Cost model
//
// A rehearsal compresses the seed's hours into seconds. Each upload of n
// records costs:
//   - QueryDelay once (the seed's 200 s query; default 100ms);
//   - n*ceil(log2(n+1)) work units of real CPU, each RecordCost SHA-256
//     rounds (the seed's nested loops whose count grows with the data). A
//     round measured ~85 ns on this project's machines, so with the default
//     40 rounds 700 records take ~23 ms and 7,000 records ~300 ms (13x for
//     10x the records);
//   - RecordMem bytes per record, allocated and touched while the upload is
//     processed, so memory grows with concurrent uploads and an unbounded storm
//     under a container memory limit is OOM-killed, as the seed's service was.
//
// The seed replay (scenarios/seed) maps the seed's hours onto seconds with
// --query-delay=300ms (the seed's 200 s query) and --record-cost=170 (one
// caller's 7,000 records: about an hour in the seed, ~1.3 s here), about
// 2,700 times faster than the original.
package sut

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// Modes of the reference service.
const (
	ModeSync  = vocab.ModeSync
	ModeAsync = vocab.ModeAsync
	ModeLB    = "lb"
	// ModeProxy is a plain round-robin reverse proxy over --backends, for
	// replicas of a team's own image: every path, header and answer.
	ModeProxy = "proxy"
	// ModeTeam serves the team-shaped API of package sut/teamapi (bearer
	// token, multipart CSV, job polling, Retry-After): the SUT of the
	// built-in scenario team-api.
	ModeTeam = vocab.ModeTeam
	// ModeFlow serves the multipart upload API behind an OAuth2 login of
	// package sut/flowapi: the SUT of the built-in scenario flow-upload.
	ModeFlow = vocab.ModeFlow
)

// Defaults of Config; cmd/uploadsvc uses them for its flags.
const (
	DefaultAddr       = ":8080" // all interfaces, at Port
	DefaultDataDir    = "/data"
	DefaultQueryDelay = 100 * time.Millisecond
	DefaultRecordCost = 40       // SHA-256 rounds per work unit
	DefaultRecordMem  = 4 << 10  // bytes held per record while processing
	DefaultWorkers    = 2        // async worker pool
	DefaultMaxBody    = 64 << 20 // bytes
	DefaultNode       = "n0"
)

// Config configures a Service. The zero value of each field means its
// Default constant, except RateLimit, MaxInflight and Schedule (0 = off).
type Config struct {
	Mode        string
	DataDir     string        // sync and async: bbolt folder (async queue, records)
	QueryDelay  time.Duration // fixed delay per upload; negative = none
	RecordCost  int           // SHA-256 rounds per work unit
	RecordMem   int           // bytes held per record while processing; negative = none
	Workers     int           // async worker count
	Schedule    time.Duration // async: >0 processes pending uploads every interval (a scheduled job)
	RateLimit   float64       // uploads per second; 0 = off
	MaxInflight int           // concurrent uploads before shedding with 503; 0 = off
	MaxBody     int64         // request body limit in bytes
	Node        string        // names this replica in upload ids
	Backends    []string      // lb: upstream base URLs
	// SchemaVersion is the schema records are stored and listed under
	// (0 = DefaultSchemaVersion); records of another version are invisible.
	SchemaVersion int
	// Migrate rewrites records of an older schema to SchemaVersion at
	// startup, before the service answers.
	Migrate bool
	Log     *slog.Logger // startup and worker logs; nil = discarded
}

func (c *Config) defaults() error {
	if c.Mode == "" {
		c.Mode = ModeSync
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.QueryDelay == 0 {
		c.QueryDelay = DefaultQueryDelay
	}
	if c.RecordCost == 0 {
		c.RecordCost = DefaultRecordCost
	}
	if c.RecordMem == 0 {
		c.RecordMem = DefaultRecordMem
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Node == "" {
		c.Node = DefaultNode
	}
	if c.SchemaVersion == 0 {
		c.SchemaVersion = DefaultSchemaVersion
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if err := checkSchemaVersion(c.SchemaVersion); err != nil {
		return err
	}
	switch c.Mode {
	case ModeSync, ModeAsync:
	case ModeLB, ModeProxy:
		if len(c.Backends) == 0 {
			return fmt.Errorf("mode %s needs --backends", c.Mode)
		}
	default:
		return fmt.Errorf("unknown mode %q (want sync, async, lb or proxy)", c.Mode)
	}
	if !validName(c.Node) {
		return fmt.Errorf("invalid node name %q", c.Node)
	}
	return nil
}

// Service is one reference service. Close it to stop its workers and
// release its store.
type Service struct {
	cfg     Config
	handler http.Handler
	metrics *metrics
	limiter *bucket
	store   store        // sync and async
	records *recordStore // sync and async: the callers' data
	queue   *worker      // async only
	lb      *balancer    // lb only
	proxy   *proxy       // proxy only
	slots   chan struct{}
	ready   chan struct{} // closed when shutting down
}

// New builds a Service from cfg. For sync and async it opens (or creates)
// the record store in cfg.DataDir, migrating it first with cfg.Migrate; for
// async also the upload queue there, requeueing uploads that were being
// processed when the last process died; workers start at once.
func New(cfg Config) (*Service, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, metrics: newMetrics(), ready: make(chan struct{})}
	if cfg.RateLimit > 0 {
		s.limiter = newBucket(cfg.RateLimit, time.Now)
	}
	if cfg.MaxInflight > 0 {
		s.slots = make(chan struct{}, cfg.MaxInflight)
	}
	if cfg.Mode == ModeSync || cfg.Mode == ModeAsync {
		rs, err := openRecordStore(cfg.DataDir, cfg.SchemaVersion, cfg.Migrate, cfg.Log)
		if err != nil {
			return nil, err
		}
		s.records = rs
		s.metrics.recordGauges(rs)
	}
	switch cfg.Mode {
	case ModeSync:
		s.store = newMemStore()
	case ModeAsync:
		st, err := openBoltStore(cfg.DataDir)
		if err != nil {
			_ = s.records.close()
			return nil, err
		}
		s.store = st
		s.queue = startWorkers(st, s.records, cfg, s.metrics)
	case ModeLB:
		s.lb = newBalancer(cfg.Backends, cfg.MaxBody)
	case ModeProxy:
		s.proxy = newProxy(cfg.Backends, cfg.MaxBody)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the service's HTTP handler.
func (s *Service) Handler() http.Handler { return s.handler }

// Close stops accepting work (readyz answers 503), lets workers finish or
// requeue what they hold, and closes the store. It is safe to call once.
func (s *Service) Close(ctx context.Context) error {
	close(s.ready)
	var err error
	if s.queue != nil {
		err = s.queue.stop(ctx)
	}
	if s.store != nil {
		err = errors.Join(err, s.store.close())
	}
	if s.records != nil {
		err = errors.Join(err, s.records.close())
	}
	return err
}

func (s *Service) shuttingDown() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}
