// Command server is the trivial target of bench/vs-vegeta.sh: every POST has
// its body drained and is answered 200 after an optional hold, so a
// generator can be measured on its own or made to keep thousands of
// requests in flight. It listens on loopback only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	addrFile := flag.String("addr-file", "", "write the bound address to this file once listening")
	hold := flag.Duration("hold", 0, "hold each request this long after draining its body")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Fatalf("server: listen address %q is not on loopback", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("server: listen: %v", err)
	}

	var (
		requests, bodyBytes, inFlight, peakInFlight atomic.Int64
		bufs                                        = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peakInFlight.Load()
			if n <= p || peakInFlight.CompareAndSwap(p, n) {
				break
			}
		}
		buf := bufs.Get().(*[]byte)
		got, _ := io.CopyBuffer(io.Discard, r.Body, *buf)
		bufs.Put(buf)
		bodyBytes.Add(got)
		requests.Add(1)
		if *hold > 0 {
			t := time.NewTimer(*hold)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "9")
		_, _ = io.WriteString(w, `{"ok":1}`+"\n")
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}

	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatalf("server: write address: %v", err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatalf("server: write address: %v", err)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("server: serve: %v", err)
	}
	fmt.Fprintf(os.Stderr, "server: requests=%d body_bytes=%d peak_in_flight=%d\n",
		requests.Load(), bodyBytes.Load(), peakInFlight.Load())
}
