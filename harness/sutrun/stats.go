package sutrun

import (
	"encoding/json"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// stats samples a container's working-set memory and CPU every second.
func (b *dockerBackend) stats(u *dockerUnit) {
	ctx := b.d.ctx
	for ctx.Err() == nil {
		res, err := b.cli.ContainerStats(ctx, u.id, client.ContainerStatsOptions{Stream: true})
		if err != nil {
			return // removed
		}
		dec := json.NewDecoder(res.Body)
		for {
			var st container.StatsResponse
			if err := dec.Decode(&st); err != nil {
				break
			}
			if st.Read.IsZero() || st.MemoryStats.Usage == 0 {
				continue // not running
			}
			mem := int64(st.MemoryStats.Usage)
			for _, k := range []string{"total_inactive_file", "inactive_file"} {
				if v, ok := st.MemoryStats.Stats[k]; ok && int64(v) < mem {
					mem -= int64(v)
					break
				}
			}
			cpu := 0.0
			if d := float64(st.CPUStats.SystemUsage) - float64(st.PreCPUStats.SystemUsage); d > 0 && st.PreCPUStats.SystemUsage > 0 {
				n := float64(st.CPUStats.OnlineCPUs)
				if n == 0 {
					n = 1
				}
				cpu = (float64(st.CPUStats.CPUUsage.TotalUsage) - float64(st.PreCPUStats.CPUUsage.TotalUsage)) / d * n
			}
			b.d.opts.OnSample(reportsSample(b.d, u.s.name, mem, cpu))
		}
		res.Body.Close()
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		if _, err := b.cli.ContainerInspect(ctx, u.id, client.ContainerInspectOptions{}); err != nil {
			return
		}
	}
}
