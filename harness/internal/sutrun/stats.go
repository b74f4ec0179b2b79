package sutrun

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// stats samples a container's working-set memory and CPU every second,
// re-opening the stream after the container restarts. It ends when the
// deployment closes or the container is gone; any other failure is a loss
// the report notes.
func (b *dockerBackend) stats(u *dockerUnit) {
	ctx := b.d.ctx
	for ctx.Err() == nil {
		res, err := b.cli.ContainerStats(ctx, u.id, client.ContainerStatsOptions{Stream: true})
		if err != nil {
			if !b.gone(ctx, u, err) {
				b.d.lost(lossStats, fmt.Errorf("stats of %s: %w", u.s.name, err))
			}
			return
		}
		b.sampleStream(u, json.NewDecoder(res.Body))
		res.Body.Close()
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		if _, err := b.cli.ContainerInspect(ctx, u.id, client.ContainerInspectOptions{}); err != nil {
			if !b.gone(ctx, u, err) {
				b.d.lost(lossStats, fmt.Errorf("inspect %s: %w", u.s.name, err))
			}
			return
		}
	}
}

// gone reports whether err only says the container or the deployment is
// gone, which ends sampling normally.
func (b *dockerBackend) gone(ctx context.Context, u *dockerUnit, err error) bool {
	return ctx.Err() != nil || cerrdefs.IsNotFound(err) || u.removed.Load()
}

// cpuCounter is the previous CPU reading of one stats stream.
type cpuCounter struct {
	total, system uint64
	ok            bool
}

// cores turns two readings into cores in use. A counter that went
// backwards means a new container process (a restart): the delta is
// meaningless, so no value, and the next reading starts afresh — CPU is
// never negative.
func (c *cpuCounter) cores(st *container.StatsResponse) (float64, bool) {
	total, system := st.CPUStats.CPUUsage.TotalUsage, st.CPUStats.SystemUsage
	prev := *c
	*c = cpuCounter{total: total, system: system, ok: true}
	if !prev.ok || total < prev.total || system <= prev.system {
		return 0, false
	}
	n := float64(st.CPUStats.OnlineCPUs)
	if n == 0 {
		n = 1
	}
	return float64(total-prev.total) / float64(system-prev.system) * n, true
}

// sampleStream turns one stats stream into samples until it ends.
func (b *dockerBackend) sampleStream(u *dockerUnit, dec *json.Decoder) {
	var cpu cpuCounter
	for {
		var st container.StatsResponse
		if err := dec.Decode(&st); err != nil {
			return
		}
		if st.Read.IsZero() || st.MemoryStats.Usage == 0 {
			cpu = cpuCounter{} // not running
			continue
		}
		mem := int64(st.MemoryStats.Usage)
		for _, k := range []string{"total_inactive_file", "inactive_file"} {
			if v, ok := st.MemoryStats.Stats[k]; ok && int64(v) < mem {
				mem -= int64(v)
				break
			}
		}
		cores, ok := cpu.cores(&st)
		if !ok {
			cores = -1 // unknown: the aggregator leaves this second's CPU out
		}
		b.d.opts.OnSample(reportsSample(b.d, u.s.name, mem, cores))
	}
}
