package sut

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/sut/flowapi"
	"github.com/rehearse-dev/rehearse/sut/teamapi"
)

// Main is uploadsvc's whole life as a process: parse args (its flags are
// sut/README.md), listen, serve until ctx ends (SIGTERM/SIGINT in a real
// process), then stop accepting, requeue or finish in-flight work and
// return. Human output goes to stderr. Both cmd/uploadsvc and the rehearse
// binary (which serves as the reference image's uploadsvc, so it needs no
// Go toolchain at run time) call it. flag.ErrHelp is returned for -h.
func Main(ctx context.Context, version string, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("uploadsvc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	var addr, backends string
	var team teamapi.Config
	var flow flowapi.Config
	fs.StringVar(&cfg.Mode, "mode", ModeSync, "sync | async | lb | proxy (round-robin over a team image's replicas) | team (the team-shaped API of package sut/teamapi) | flow (multipart uploads behind an OAuth2 login, package sut/flowapi)")
	fs.StringVar(&flow.Secret, "client-secret", "", "flow: every client's secret is this, a dash and its id (empty = any)")
	fs.IntVar(&flow.TokenUses, "token-uses", 0, "flow: requests a token is good for before 401 (0 = any number)")
	fs.DurationVar(&flow.TokenTTL, "token-ttl", 0, "flow: how long a token is good for, its expires_in (0 = an hour, never enforced)")
	fs.DurationVar(&flow.PartDelay, "part-delay", 0, "flow: how long storing a part takes")
	fs.StringVar(&team.Token, "token", os.Getenv("TEAM_TOKEN"), "team: the bearer token uploads must carry (default $TEAM_TOKEN; empty = any)")
	fs.DurationVar(&team.JobDelay, "job-delay", 200*time.Millisecond, "team: how long a job stays queued before it is finished")
	fs.StringVar(&addr, "addr", DefaultAddr, "listen address")
	fs.StringVar(&cfg.DataDir, "data", DefaultDataDir, "sync and async: folder of the durable stores (callers' records; async: the upload queue)")
	fs.IntVar(&cfg.SchemaVersion, "schema-version", DefaultSchemaVersion, "schema version records are stored and listed under; records of another version are invisible (the seed's upgrade)")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "at startup, rewrite records of an older schema version to --schema-version (fsync'd in batches) so they stay visible")
	fs.DurationVar(&cfg.QueryDelay, "query-delay", DefaultQueryDelay, "cost model: fixed delay per upload (the seed's long query); negative = none")
	fs.IntVar(&cfg.RecordCost, "record-cost", DefaultRecordCost, "cost model: SHA-256 rounds per work unit; an upload of n records costs n*ceil(log2(n+1)) units")
	fs.IntVar(&cfg.RecordMem, "record-mem", DefaultRecordMem, "cost model: bytes held per record while processing; negative = none")
	fs.IntVar(&cfg.Workers, "workers", DefaultWorkers, "async: worker pool size")
	fs.DurationVar(&cfg.Schedule, "schedule", 0, "async: process pending uploads every interval as a scheduled job (0 = as they arrive)")
	fs.Float64Var(&cfg.RateLimit, "rate-limit", 0, "uploads per second before answering 429 with Retry-After (0 = off)")
	fs.IntVar(&cfg.MaxInflight, "max-inflight", 0, "concurrent uploads before shedding with 503 (0 = off)")
	fs.Int64Var(&cfg.MaxBody, "max-body", DefaultMaxBody, "largest request body in bytes (413 above)")
	fs.StringVar(&backends, "backends", "", "lb: comma-separated upstream base URLs")
	fs.StringVar(&cfg.Node, "node", DefaultNode, "this replica's name; prefixes its upload ids")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "uploadsvc %s: the reference upload services of rehearse\n\nusage: uploadsvc [flags]\n\n", version)
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nexamples:\n  uploadsvc --mode sync --addr 127.0.0.1:8080 --data ./data --query-delay 700ms\n  uploadsvc --mode sync --data ./data --schema-version 2 --migrate\n  uploadsvc --mode async --data ./data --workers 1 --schedule 5s\n  uploadsvc --mode lb --backends http://127.0.0.1:8081,http://127.0.0.1:8082")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if backends != "" {
		cfg.Backends = strings.Split(backends, ",")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg.Log = log
	team.RateLimit, team.MaxBody = cfg.RateLimit, cfg.MaxBody
	svc, err := newMainServer(cfg, team, flow)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = svc.Close(context.Background())
		return err
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("listening", "addr", ln.Addr().String(), "mode", cfg.Mode, "node", cfg.Node, "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = svc.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = errors.Join(srv.Shutdown(sctx), svc.Close(sctx))
	log.Info("stopped", "err", err)
	return err
}

// server is what Main serves: a reference Service or the team API.
type server interface {
	Handler() http.Handler
	Close(ctx context.Context) error
}

// newMainServer builds the service of cfg.Mode.
func newMainServer(cfg Config, team teamapi.Config, flow flowapi.Config) (server, error) {
	switch cfg.Mode {
	case ModeTeam:
		return teamServer{teamapi.New(team)}, nil
	case ModeFlow:
		return flowServer{flowapi.New(flow)}, nil
	}
	return New(cfg)
}

// flowServer is the flow API as a server: it holds nothing to close.
type flowServer struct{ *flowapi.Service }

func (flowServer) Close(context.Context) error { return nil }

// teamServer is the team API as a server: it holds nothing to close.
type teamServer struct{ *teamapi.Service }

func (teamServer) Close(context.Context) error { return nil }
