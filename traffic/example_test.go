package traffic_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/rehearse-dev/rehearse/traffic"
)

// A replay reads a trace and sends each caller's uploads at their offsets
// divided by the speed.
func ExampleRead() {
	var buf bytes.Buffer
	w, _ := traffic.NewWriter(&buf, traffic.Header{Format: traffic.FormatNginx, Callers: 1, Uploads: 2,
		Start: time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC), SpanMS: 1500})
	_ = w.Write(traffic.CallerTrace{Name: "acme", Uploads: []traffic.Upload{
		{Offset: 0, Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: 5120, Status: 503},
		{Offset: 1500 * time.Millisecond, Method: "POST", Path: "/v1/callers/{caller}/records", Bytes: 5120, Status: 201, Retry: true},
	}})
	_ = w.Close()

	tr, err := traffic.Read(&buf, "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range tr.Callers() {
		for _, u := range c.Uploads {
			fmt.Printf("%s at %s: %s %s, %d bytes, logged %d, retry %v\n", c.Name, u.At(10), u.Method, u.Path, u.Bytes, u.Status, u.Retry)
		}
	}
	// Output:
	// acme at 0s: POST /v1/callers/{caller}/records, 5120 bytes, logged 503, retry false
	// acme at 150ms: POST /v1/callers/{caller}/records, 5120 bytes, logged 201, retry true
}
