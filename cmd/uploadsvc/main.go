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
	"os"
	"os/signal"
	"syscall"

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
	return sut.Main(ctx, version, args, stderr)
}
