package sut

import (
	"slices"
	"sync"
	"time"
)

var benchMu sync.Mutex

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)*99/100]
}
