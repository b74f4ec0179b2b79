package storm

import (
	"container/heap"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// sessions are the callers' flows' saved values (scenarios.Session), one
// per caller, and their logins (api.login): a caller logs in before its
// first request, again when LoginRefreshAt of its token's ttl has passed,
// and again when a request is refused with a refresh_on status — after
// which that request is sent once more with the new credentials.
type sessions struct {
	sess    []atomic.Pointer[scenarios.Session]
	expires []atomic.Int64 // unix ns after which the caller logs in again; 0: never
	mu      []sync.Mutex   // one login per caller at a time
	login   bool           // api.login is set
	refresh []int          // api.login.refresh_on
}

// newSessions is the sessions of n callers; nil when the callers neither
// log in nor upload in steps (nothing to save).
func newSessions(sc *scenarios.Scenario, n int) *sessions {
	l := sc.API.Login
	if l == nil && !sc.API.Upload.HasSteps() {
		return nil
	}
	s := &sessions{sess: make([]atomic.Pointer[scenarios.Session], n), expires: make([]atomic.Int64, n),
		mu: make([]sync.Mutex, n), login: l != nil}
	if l != nil {
		s.refresh = l.RefreshOn
	}
	return s
}

// of is caller's session, nil before anything was saved (or no sessions).
func (s *sessions) of(caller int) *scenarios.Session {
	if s == nil {
		return nil
	}
	return s.sess[caller].Load()
}

// save adds what a step saved to caller's session.
func (s *sessions) save(caller int, saved map[string]string) {
	s.mu[caller].Lock()
	defer s.mu[caller].Unlock()
	s.sess[caller].Store(s.sess[caller].Load().With(false, saved))
}

// refuses reports whether an answer with code asks its caller to log in
// again.
func (s *sessions) refuses(code int) bool {
	return s != nil && s.login && slices.Contains(s.refresh, code)
}

// loginError is a login that failed: the class its failure has (as an
// upload's would), for the caller's retry policy.
type loginError struct {
	class reports.Class
	msg   string
}

func (e *loginError) Error() string { return "login: " + e.msg }

// ensureLogin logs caller in when it has not yet, or when its login's ttl
// is running out; with stale set (a request using that session was
// refused), when the caller's session is still stale — another request
// of the caller may have logged in again meanwhile.
func (e *engine) ensureLogin(caller int, stale *scenarios.Session) error {
	s := e.sessions
	if s == nil || !s.login {
		return nil
	}
	s.mu[caller].Lock()
	defer s.mu[caller].Unlock()
	cur := s.sess[caller].Load()
	had := cur != nil && cur.Login != nil
	switch {
	case stale != nil && cur != stale:
		return nil
	case stale == nil && had && (s.expires[caller].Load() == 0 || time.Now().UnixNano() < s.expires[caller].Load()):
		return nil
	}
	saved, err := e.loginOnce(caller, had)
	if err != nil {
		return err
	}
	var exp int64
	if ttl, err := strconv.ParseFloat(saved[scenarios.LoginTTL], 64); err == nil && ttl > 0 {
		exp = time.Now().Add(time.Duration(ttl * scenarios.LoginRefreshAt * float64(time.Second))).UnixNano()
	}
	s.expires[caller].Store(exp)
	s.sess[caller].Store(cur.With(true, saved))
	return nil
}

// loginOnce sends caller's login and reads what it saves; every login is
// recorded in the report's login section, never as an upload attempt.
func (e *engine) loginOnce(caller int, refresh bool) (map[string]string, error) {
	call := e.req.LoginCall(caller)
	began := time.Now()
	x := e.callExchange(caller, 0, &call, e.req.LoginSaves(), true)
	o := e.sendCall(x, caller)
	var saved map[string]string
	le := e.callFailure(&o)
	if le == nil {
		var msg string
		if saved, msg = scenarios.Extract(e.req.LoginSaves(), x.Answer, x.Header); msg != "" {
			le = &loginError{class: reports.ClassBadAnswer, msg: fmt.Sprintf("%s answered %d, %s", call.Path, x.Code, msg)}
		}
	}
	la := reports.LoginAttempt{At: time.Since(e.start), Latency: time.Since(began), OK: le == nil, Refresh: refresh, Caller: int32(caller)}
	if le != nil {
		la.Error = e.redact(le.msg)
		e.opts.Aggregator.AddLogin(la)
		return nil, le
	}
	e.opts.Aggregator.AddLogin(la)
	return saved, nil
}

// callFailure is the loginError of a login's outcome, nil for a 2xx.
func (e *engine) callFailure(o *outcome) *loginError {
	class := e.classOf(o)
	switch {
	case o.err != nil:
		return &loginError{class: class, msg: o.err.Error()}
	case class != reports.ClassNone:
		return &loginError{class: class, msg: fmt.Sprintf("%s %s answered %d", o.x.Method, o.x.Path, o.x.Code)}
	}
	return nil
}

// absorbLogin ends attempt id, whose caller could not log in, without an
// upload: the caller retries (logging in first) as its policy says for
// the login's failure, or ends as login_failed — not as an upload that
// failed, since none was sent.
func (e *engine) absorbLogin(id attemptID, err error) {
	class := reports.ClassOther
	if le, ok := err.(*loginError); ok {
		class = le.class
	}
	end := time.Since(e.start)
	e.mu.Lock()
	c := &e.callers[id.caller]
	finished := false
	switch {
	case class == reports.ClassAborted || class.Generator():
		c.state, finished = stateHalted, true
	default:
		if next, ok := e.retry(id, class, end, -1); ok {
			heap.Push(&e.sched, next)
			wake := e.sched[0] == next
			e.mu.Unlock()
			if wake {
				e.signal()
			}
			return
		}
		c.state, finished = stateLoginFailed, true
		if e.periodic != nil && e.again(id.caller, end) {
			wake := int(e.sched[0].caller) == id.caller
			e.mu.Unlock()
			if wake {
				e.signal()
			}
			return
		}
	}
	e.waiting--
	wake := e.waiting == 0
	how := e.endOf(id.caller)
	out, ended := e.reportEnded(id.caller, finished)
	e.mu.Unlock()
	if wake {
		e.signal()
	}
	if finished {
		e.opts.Aggregator.CallerFinished(how)
	}
	if ended {
		e.addOutcome(out)
	}
}
