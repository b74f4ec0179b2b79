// Command teamsvc stands in for "a team's own service" in the Docker tests:
// its own port (9000), health path (/health) and upload API
// (POST /api/upload?caller=), an endpoint that exits with a code, and
// `teamsvc -check` for a Docker HEALTHCHECK in a FROM scratch image.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-check" {
		resp, err := http.Get("http://127.0.0.1:9000/health")
		if err != nil || resp.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		os.Exit(0)
	}
	var n atomic.Int64
	http.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("POST /api/upload", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, `{"n":%d}`, n.Add(1))
	})
	http.HandleFunc("POST /exit", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		os.Exit(code)
	})
	if err := http.ListenAndServe(":9000", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
