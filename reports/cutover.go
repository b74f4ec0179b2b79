package reports

import "time"

// maxCutSeen bounds what an open cutover window keeps.
const maxCutSeen = 1 << 20

func (a *Aggregator) countCutover(at Attempt) {
	a.cutover.Requests++
	if at.Class == ClassNone {
		a.cutover.OK++
	} else {
		a.cutover.Errors[at.Class]++
	}
}

// BeginCutover opens the upgrade window at from. Attempts sent inside the
// window are counted in the report's cutover section once EndCutover closes
// it (attempts are absorbed when they end, which can be after the window).
func (a *Aggregator) BeginCutover(strategy string, from time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cutover = &Cutover{Strategy: strategy, StartS: from.Seconds(), EndS: from.Seconds(), Errors: map[Class]int64{}}
	a.cutFrom, a.cutOpen, a.cutSeen = from, true, nil
}

// EndCutover closes the upgrade window at to, with the downtime measured
// during it.
func (a *Aggregator) EndCutover(to time.Duration, downtimeS float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cutover == nil {
		return
	}
	a.cutTo, a.cutOpen = to, false
	a.cutover.EndS, a.cutover.DowntimeS = to.Seconds(), downtimeS
	for _, at := range a.cutSeen {
		if at.Sent <= to {
			a.countCutover(at)
		}
	}
	a.cutSeen = nil
}

// SetCutoverCommand records the team's deploy command in the cutover: its
// exit code (-1 when it never exited: not started, or timed out) and how
// long it ran.
func (a *Aggregator) SetCutoverCommand(command string, exitCode int, took time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cutover == nil {
		return
	}
	secs := took.Seconds()
	a.cutover.Command, a.cutover.ExitCode, a.cutover.CommandS = command, &exitCode, &secs
}
