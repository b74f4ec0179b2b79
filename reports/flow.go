package reports

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Login is what the callers' logins came to (api.login), apart from
// their uploads: a login is not an upload attempt. Nil in a report whose
// callers do not log in.
type Login struct {
	Attempts int64 `json:"attempts"`
	// Errors are logins that got no answer, an answer other than 2xx,
	// or a 2xx without a field to save.
	Errors int64 `json:"errors"`
	// Refreshes are logins made again by a caller that had logged in:
	// its token's ttl was running out, or a request was refused with a
	// refresh_on status.
	Refreshes int64 `json:"refreshes"`
	// Retried are requests sent once more after a refresh_on answer made
	// their caller log in again (the service saw each twice; the attempt
	// counts once, with the second answer).
	Retried   int64   `json:"retried"`
	LatencyMs Latency `json:"latency_ms"`
	// Example is the first failed login, redacted.
	Example *ErrorExample `json:"error_example"`
}

// LoginAttempt is one login as the storm saw it.
type LoginAttempt struct {
	At      time.Duration // offset of its answer (or failure)
	Latency time.Duration
	OK      bool
	Refresh bool
	Error   string // the failure, redacted; "" when OK
	Caller  int32
}

// StepReport is one step of an upload made in steps: its requests (a
// part each, for a parts step), those that failed, and their latency.
type StepReport struct {
	Name      string  `json:"name"` // METHOD path, as written
	Attempts  int64   `json:"attempts"`
	Errors    int64   `json:"errors"`
	BytesOut  int64   `json:"bytes_out"`
	LatencyMs Latency `json:"latency_ms"`
}

// StepAttempt is one request of a step.
type StepAttempt struct {
	Step     int
	Latency  time.Duration
	OK       bool
	BytesOut int64
}

// flowAgg is the aggregator's part for logins and steps.
type flowAgg struct {
	login              *Login
	loginLat           *hdr.Histogram
	loginSum           float64
	steps              []StepReport
	stepLat            []*hdr.Histogram
	stepSum            []float64
	loginFailedCallers int64
}

// SetSteps names the upload's steps, by index: the report then has a row
// for each.
func (a *Aggregator) SetSteps(names []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flow.steps = make([]StepReport, len(names))
	a.flow.stepLat = make([]*hdr.Histogram, len(names))
	a.flow.stepSum = make([]float64, len(names))
	for i, n := range names {
		a.flow.steps[i].Name = n
		a.flow.stepLat[i] = hdr.New(histMin, histMax, 3)
	}
}

// SetLogin says the callers log in: the report has a login section, its
// counts 0 until logins come.
func (a *Aggregator) SetLogin() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.flow.login == nil {
		a.flow.login = &Login{}
		a.flow.loginLat = hdr.New(histMin, histMax, 3)
	}
}

// AddLogin records one login.
func (a *Aggregator) AddLogin(l LoginAttempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.flow.login == nil {
		a.flow.login = &Login{}
		a.flow.loginLat = hdr.New(histMin, histMax, 3)
	}
	lg := a.flow.login
	lg.Attempts++
	if l.Refresh {
		lg.Refreshes++
	}
	_ = a.flow.loginLat.RecordValue(us(l.Latency))
	a.flow.loginSum += float64(l.Latency) / float64(time.Millisecond)
	if !l.OK {
		lg.Errors++
		if lg.Example == nil {
			lg.Example = &ErrorExample{AtS: l.At.Seconds(), Caller: l.Caller, Message: l.Error}
		}
	}
}

// AddLoginRetried counts a request sent again after its caller's refresh.
func (a *Aggregator) AddLoginRetried() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.flow.login != nil {
		a.flow.login.Retried++
	}
}

// AddStep records one request of a step.
func (a *Aggregator) AddStep(s StepAttempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.Step < 0 || s.Step >= len(a.flow.steps) {
		return
	}
	st := &a.flow.steps[s.Step]
	st.Attempts++
	st.BytesOut += s.BytesOut
	if !s.OK {
		st.Errors++
	}
	_ = a.flow.stepLat[s.Step].RecordValue(us(s.Latency))
	a.flow.stepSum[s.Step] += float64(s.Latency) / float64(time.Millisecond)
}

// loginReport is the login section of the report, nil without logins.
func (a *Aggregator) loginReport() *Login {
	if a.flow.login == nil {
		return nil
	}
	l := *a.flow.login
	l.LatencyMs = latencyOf(a.flow.loginLat, a.flow.loginSum)
	if l.Example != nil {
		e := *l.Example
		l.Example = &e
	}
	return &l
}

// stepReports are the steps' rows, empty for a one-request upload.
func (a *Aggregator) stepReports() []StepReport {
	out := make([]StepReport, len(a.flow.steps))
	for i, s := range a.flow.steps {
		s.LatencyMs = latencyOf(a.flow.stepLat[i], a.flow.stepSum[i])
		out[i] = s
	}
	return out
}

// FlowState is an aggregator's logins and steps whole — counts and
// latency histograms — for a shard's result: AddFlowState merges it into
// another aggregator exactly, as a shard's attempts are.
type FlowState struct {
	Login        *Login          `json:"login,omitempty"`
	LoginLatency *hdr.Snapshot   `json:"login_latency,omitempty"`
	LoginSumMs   float64         `json:"login_sum_ms,omitempty"`
	Steps        []StepReport    `json:"steps,omitempty"`
	StepLatency  []*hdr.Snapshot `json:"step_latency,omitempty"`
	StepSumMs    []float64       `json:"step_sum_ms,omitempty"`
}

// FlowState is a's logins and steps, nil when it has neither.
func (a *Aggregator) FlowState() *FlowState {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.flow
	if f.login == nil && len(f.steps) == 0 {
		return nil
	}
	st := &FlowState{LoginSumMs: f.loginSum, Steps: append([]StepReport(nil), f.steps...), StepSumMs: append([]float64(nil), f.stepSum...)}
	if f.login != nil {
		l := *f.login
		st.Login, st.LoginLatency = &l, f.loginLat.Export()
	}
	for _, h := range f.stepLat {
		st.StepLatency = append(st.StepLatency, h.Export())
	}
	return st
}

// AddFlowState adds a shard's logins and steps to a's; nil adds nothing.
func (a *Aggregator) AddFlowState(s *FlowState) {
	if s == nil {
		return
	}
	if s.Login != nil {
		a.SetLogin()
	}
	if len(s.Steps) > 0 && len(a.flow.steps) == 0 {
		names := make([]string, len(s.Steps))
		for i, st := range s.Steps {
			names[i] = st.Name
		}
		a.SetSteps(names)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := s.Login; l != nil {
		lg := a.flow.login
		lg.Attempts, lg.Errors, lg.Refreshes, lg.Retried = lg.Attempts+l.Attempts, lg.Errors+l.Errors, lg.Refreshes+l.Refreshes, lg.Retried+l.Retried
		if lg.Example == nil || l.Example != nil && l.Example.AtS < lg.Example.AtS {
			lg.Example = l.Example
		}
		if s.LoginLatency != nil {
			a.flow.loginLat.Merge(hdr.Import(s.LoginLatency))
		}
		a.flow.loginSum += s.LoginSumMs
	}
	for i := 0; i < len(s.Steps) && i < len(a.flow.steps); i++ {
		st, in := &a.flow.steps[i], s.Steps[i]
		st.Attempts, st.Errors, st.BytesOut = st.Attempts+in.Attempts, st.Errors+in.Errors, st.BytesOut+in.BytesOut
		if i < len(s.StepLatency) && s.StepLatency[i] != nil {
			a.flow.stepLat[i].Merge(hdr.Import(s.StepLatency[i]))
		}
		if i < len(s.StepSumMs) {
			a.flow.stepSum[i] += s.StepSumMs[i]
		}
	}
}
