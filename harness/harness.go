// Package harness runs a rehearsal: it starts the service under test
// (harness/sutrun), drives the caller storm against it (harness/storm),
// watches it, injects the scenario's faults and upgrade, and turns all of it
// into a reports.Report written to a run folder. It is the only package tree
// that imports testcontainers-go, the Docker client and vegeta; its API
// returns only this repository's own types.
package harness

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// DefaultOutRoot is where run folders go when no --out is given; a UTC
// timestamp folder is created below it.
const DefaultOutRoot = "rehearsals"

// DefaultOut returns the default output folder for a run started at t:
// rehearsals/<UTC timestamp>.
func DefaultOut(t time.Time) string {
	return DefaultOutRoot + "/" + t.UTC().Format("20060102T150405Z")
}

// NewRunID returns a fresh run id: the value of the rehearse.run label on
// every Docker object the run creates. It sorts by start time.
func NewRunID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("rh-%s-%s", t.UTC().Format("20060102-150405"), hex.EncodeToString(b[:]))
}
