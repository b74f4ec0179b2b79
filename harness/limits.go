package harness

import (
	"fmt"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/reports"
)

// nearLimit is the share of a generator limit past which the report says
// to add shards: beyond it the generator's own delay starts to show in
// the latencies, or its sockets run out.
const nearLimit = 0.8

// generatorLimits fills how close the generator came to its own limits —
// its CPU share of the cores it may use, its peak in flight against its
// file limit, the ports held to the target against the port range — and
// notes when it came near one.
func generatorLimits(rep *reports.Report, stats storm.Stats) {
	g := &rep.Generator
	peak := stats.InflightPeak
	g.InflightPeak = &peak
	if stats.Cores > 0 && rep.DurationS > 0 {
		share := stats.CPUSeconds / (rep.DurationS * float64(stats.Cores))
		g.CPUShare = &share
	}
	if stats.FileLimit > 0 {
		limit := int64(stats.FileLimit)
		g.FileLimit = &limit
	}
	if stats.PortRange > 0 {
		ports, span := stats.PortsInUse, stats.PortRange
		g.PortsInUse, g.PortRange = &ports, &span
	}
	switch {
	case g.CPUShare != nil && *g.CPUShare > nearLimit:
		rep.Notes = append(rep.Notes, fmt.Sprintf("the generator used %.0f%% of its %d cores: near its limit, its own delay shows in the latencies; split the callers into shards (--shards, distribute)", *g.CPUShare*100, stats.Cores))
	case g.FileLimit != nil && float64(peak) > nearLimit*float64(*g.FileLimit):
		rep.Notes = append(rep.Notes, fmt.Sprintf("the generator held %d attempts in flight against a limit of %d open files: split the callers into shards (--shards, distribute)", peak, *g.FileLimit))
	case g.PortRange != nil && float64(*g.PortsInUse) > nearLimit*float64(*g.PortRange):
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d of this machine's %d ephemeral ports were held by connections to the target when the storm ended (TIME_WAIT included): near the wall where connecting fails; split the callers into shards on more machines (distribute), or wait a minute between runs", *g.PortsInUse, *g.PortRange))
	}
}
