package storm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/rehearse-dev/rehearse/scenarios"
)

// readLogins log the callers of a read-back in (api.login), once each,
// so that {login.NAME} in api.verify's path and headers holds the
// caller's own credentials: a read-back runs after the storm, or after an
// upgrade, with no session of the storm's left to use.
type readLogins struct {
	req    *scenarios.Requests
	base   string
	client *http.Client

	mu   sync.Mutex
	sess map[int]*scenarios.Session
}

// newReadLogins sets req's sessions to the read-back's logins; nil when
// the callers do not log in.
func newReadLogins(req *scenarios.Requests, base string, client *http.Client) *readLogins {
	if !req.HasLogin() {
		return nil
	}
	l := &readLogins{req: req, base: base, client: client, sess: map[int]*scenarios.Session{}}
	req.SetSessions(func(c int) *scenarios.Session {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.sess[c]
	})
	return l
}

// ensure logs caller c in unless it has; why says, in user words, why it
// could not.
func (l *readLogins) ensure(ctx context.Context, c int) (why string) {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	done := l.sess[c] != nil
	l.mu.Unlock()
	if done {
		return ""
	}
	call := l.req.LoginCall(c)
	var body io.Reader = http.NoBody
	if call.Body != nil {
		body = call.Body()
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, l.base+call.Path, body)
	if err != nil {
		return fmt.Sprintf("caller %d: login: %v", c, err)
	}
	req.ContentLength = call.BodyLen
	for line := range strings.SplitSeq(strings.TrimSuffix(string(call.Header), "\r\n"), "\r\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			req.Header.Add(name, value)
		}
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Sprintf("caller %d: login: %v", c, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBody))
	if resp.StatusCode/100 != 2 {
		return fmt.Sprintf("caller %d: login %s %s answered %d", c, call.Method, call.Path, resp.StatusCode)
	}
	saved, msg := scenarios.Extract(l.req.LoginSaves(), bytes.TrimSpace(answer), resp.Header.Get)
	if msg != "" {
		return fmt.Sprintf("caller %d: login: %s", c, msg)
	}
	l.mu.Lock()
	l.sess[c] = (*scenarios.Session)(nil).With(true, saved)
	l.mu.Unlock()
	return ""
}
