package storm

import "syscall"

// Stats describe the generator itself.
type Stats struct {
	CPUSeconds float64
	// Saturated is true when the generator used more than 90% of the CPUs
	// it may use: its own delay is then in the latencies.
	Saturated bool
	Stopped   StopReason
	// Notes are remarks for the report (the harness copies them into
	// Report.Notes), e.g. a file limit the storm may not fit in.
	Notes []string
	// FileLimit is the open-file limit the storm ran under (after raising
	// the soft limit to the hard one); 0 when it could not be read.
	FileLimit uint64
	// Cores is the CPUs the generator may use (GOMAXPROCS).
	Cores int
	// InflightPeak is the most uploads in flight at once, each holding a
	// socket (status polls beside them are at most Options.Pollers).
	InflightPeak int64
	// PortsInUse is this machine's sockets to the target when the storm
	// ended (TIME_WAIT included, every process's), PortRange its
	// ephemeral ports (ports.go); 0 when not measured.
	PortsInUse, PortRange int64
	// Callers is the run's callers before sharding, every shard's (a
	// replay's: its logged callers), so a merge can say what share of
	// them a missing shard held.
	Callers int
}

// StopReason says why Run returned.
type StopReason string

// Stop reasons of Stats.Stopped.
const (
	StopDone        StopReason = "done"         // every caller reached its end
	StopInterrupted StopReason = "interrupted"  // Run's ctx ended
	StopMaxDuration StopReason = "max_duration" // run.max_duration ran out
	// StopAborted: a gate with abort stopped the storm (the harness's
	// hook cancels Run's ctx and names it so).
	StopAborted StopReason = "aborted"
)

// cpuTime is the process's user and system CPU seconds so far.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
