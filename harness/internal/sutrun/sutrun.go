// Package sutrun starts the service under test for a rehearsal — the
// reference services of sut/ or a team's image, in Docker containers with
// resource limits (testcontainers-go), or uploadsvc as local processes — and
// watches it: deaths, OOM kills, restarts, downtime, memory and CPU. It
// injects faults and performs upgrades, and removes everything it started.
// Every Docker object it creates carries the label rehearse.run=<run id>.
//
// The files by job: deployment.go (Start, plan, Close, the crash ledger),
// docker.go and process.go (the two backends), client.go (connecting to
// Docker), watch.go, logs.go, stats.go, queue.go and health.go (what is
// observed), fault.go, upgrade.go, image.go, sweep.go, ports.go.
package sutrun

// Label is the Docker label every object of a run carries; its value is the
// run id.
const Label = "rehearse.run"
