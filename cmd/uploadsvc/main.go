// Command uploadsvc serves the reference upload services of package sut:
// --mode sync (process inside the request), async (store durably, answer
// 202, process from a queue) or lb (round-robin over --backends).
// SIGTERM or SIGINT stops accepting, requeues or finishes in-flight work and
// exits 0.
package main

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
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rehearse-dev/rehearse/sut"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "uploadsvc:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("uploadsvc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg sut.Config
	var addr, backends string
	fs.StringVar(&cfg.Mode, "mode", sut.ModeSync, "sync | async | lb")
	fs.StringVar(&addr, "addr", sut.DefaultAddr, "listen address")
	fs.StringVar(&cfg.DataDir, "data", sut.DefaultDataDir, "async: folder of the durable store")
	fs.DurationVar(&cfg.QueryDelay, "query-delay", sut.DefaultQueryDelay, "cost model: fixed delay per upload (the seed's long query); negative = none")
	fs.IntVar(&cfg.RecordCost, "record-cost", sut.DefaultRecordCost, "cost model: SHA-256 rounds per work unit; an upload of n records costs n*ceil(log2(n+1)) units")
	fs.IntVar(&cfg.RecordMem, "record-mem", sut.DefaultRecordMem, "cost model: bytes held per record while processing; negative = none")
	fs.IntVar(&cfg.Workers, "workers", sut.DefaultWorkers, "async: worker pool size")
	fs.DurationVar(&cfg.Schedule, "schedule", 0, "async: process pending uploads every interval as a scheduled job (0 = as they arrive)")
	fs.Float64Var(&cfg.RateLimit, "rate-limit", 0, "uploads per second before answering 429 with Retry-After (0 = off)")
	fs.IntVar(&cfg.MaxInflight, "max-inflight", 0, "concurrent uploads before shedding with 503 (0 = off)")
	fs.Int64Var(&cfg.MaxBody, "max-body", sut.DefaultMaxBody, "largest request body in bytes (413 above)")
	fs.StringVar(&backends, "backends", "", "lb: comma-separated upstream base URLs")
	fs.StringVar(&cfg.Node, "node", sut.DefaultNode, "this replica's name; prefixes its upload ids")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "uploadsvc %s: the reference upload services of rehearse\n\nusage: uploadsvc [flags]\n\n", version)
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nexamples:\n  uploadsvc --mode sync --addr 127.0.0.1:8080 --query-delay 700ms\n  uploadsvc --mode async --data ./data --workers 1 --schedule 5s\n  uploadsvc --mode lb --backends http://127.0.0.1:8081,http://127.0.0.1:8082")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if backends != "" {
		cfg.Backends = strings.Split(backends, ",")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	svc, err := sut.New(cfg)
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
