package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// importFlags are the flags of `rehearse import`.
type importFlags struct {
	format, caller, since, until, path, maxBad, out, name string
	maps, methods                                         []string
	sizeFrom, assumeSize                                  string
	hash, keepQuery, fit, force                           bool
	callers, recordBytes                                  int
	speed                                                 float64
	retryWindow                                           time.Duration
}

// options turns the flags into traffic options, with notes for the user
// (the random hash key).
func (f *importFlags) options() ([]traffic.Option, []string, error) {
	format, err := traffic.ParseFormat(f.format)
	if err != nil {
		return nil, nil, err
	}
	rule, err := traffic.ParseCallerRule(f.caller)
	if err != nil {
		return nil, nil, err
	}
	m, err := traffic.ParseFieldMap(format, f.maps)
	if err != nil {
		return nil, nil, err
	}
	since, err := traffic.ParseTimeBound(f.since)
	if err != nil {
		return nil, nil, err
	}
	until, err := traffic.ParseTimeBound(f.until)
	if err != nil {
		return nil, nil, err
	}
	maxBad, err := parseShare(f.maxBad)
	if err != nil {
		return nil, nil, err
	}
	if !(f.speed > 0 && f.speed <= scenarios.MaxSpeed) {
		return nil, nil, fmt.Errorf("--speed must be > 0 and at most %g, got %g", scenarios.MaxSpeed, f.speed)
	}
	sizeOpts, err := f.sizeOptions()
	if err != nil {
		return nil, nil, err
	}
	opts := []traffic.Option{traffic.WithFormat(format), traffic.WithCaller(rule), traffic.WithFieldMap(m),
		traffic.WithQuery(f.keepQuery), traffic.WithSince(since), traffic.WithUntil(until), traffic.WithMethods(f.methods...),
		traffic.WithCallers(f.callers), traffic.WithMaxBad(maxBad), traffic.WithRetryWindow(f.retryWindow)}
	opts = append(opts, sizeOpts...)
	if f.path != "" {
		re, err := regexp.Compile(f.path)
		if err != nil {
			return nil, nil, fmt.Errorf("--path: %w", err)
		}
		opts = append(opts, traffic.WithPath(re))
	}
	var notes []string
	if f.hash {
		key := []byte(os.Getenv(hashKeyEnv))
		if len(key) == 0 {
			key = make([]byte, 32)
			_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
			notes = append(notes, "callers hashed with a random key: set "+hashKeyEnv+" to get the same names on every import")
		}
		opts = append(opts, traffic.WithHashKey(key))
	}
	return opts, notes, nil
}

// sizeOptions reads --size-from and --assume-size. --map bytes=KEY says
// the same as --size-from KEY: one of them is enough.
func (f *importFlags) sizeOptions() ([]traffic.Option, error) {
	var opts []traffic.Option
	if f.sizeFrom != "" {
		for _, m := range f.maps {
			for kv := range strings.SplitSeq(m, ",") {
				if strings.HasPrefix(strings.TrimSpace(kv), string(traffic.SlotBytes)+"=") {
					return nil, fmt.Errorf("--size-from %s and --map %s both say where sizes are: give one", f.sizeFrom, kv)
				}
			}
		}
		opts = append(opts, traffic.WithSizeFrom(f.sizeFrom))
	}
	if f.assumeSize != "" {
		n, err := scenarios.ParseByteSize(f.assumeSize)
		if err != nil || n < 1 || n > traffic.MaxAssumeSize {
			return nil, fmt.Errorf("--assume-size must be a size from 1 B to 1GB such as 20KB, got %q", f.assumeSize)
		}
		opts = append(opts, traffic.WithAssumeSize(n))
	}
	return opts, nil
}

// parseShare reads 1% or 0.01 as 0.01.
func parseShare(s string) (float64, error) {
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	x, err := strconv.ParseFloat(v, 64)
	if pct {
		x /= 100
	}
	if err != nil || !(x >= 0 && x <= 1) {
		return 0, fmt.Errorf("--max-bad must be a share such as 1%% or 0.01, got %q", s)
	}
	return x, nil
}
