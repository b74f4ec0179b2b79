package storm

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
)

// jars are the callers' cookie jars under api.cookies: true, one per
// caller, made when its first cookie comes (a storm of callers that get
// none holds none). net/http/cookiejar keeps RFC 6265's rules: domain,
// path, expiry, Secure.
type jars struct {
	mu       sync.Mutex
	byCaller map[int]*cookiejar.Jar
}

func newJars(on bool) *jars {
	if !on {
		return nil
	}
	return &jars{byCaller: map[int]*cookiejar.Jar{}}
}

// header is the Cookie header caller sends to u, "" when none (or no
// jars).
func (j *jars) header(caller int, u *url.URL) string {
	if j == nil {
		return ""
	}
	j.mu.Lock()
	jar := j.byCaller[caller]
	j.mu.Unlock()
	if jar == nil {
		return ""
	}
	var b strings.Builder
	for i, c := range jar.Cookies(u) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name + "=" + c.Value)
	}
	return b.String()
}

// keep takes in the Set-Cookie lines of an answer from u to caller.
func (j *jars) keep(caller int, u *url.URL, lines []string) {
	if j == nil || len(lines) == 0 {
		return
	}
	var cookies []*http.Cookie
	for _, l := range lines {
		if c, err := http.ParseSetCookie(l); err == nil {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) == 0 {
		return
	}
	j.mu.Lock()
	jar := j.byCaller[caller]
	if jar == nil {
		jar, _ = cookiejar.New(nil) // never fails without options
		j.byCaller[caller] = jar
	}
	j.mu.Unlock()
	jar.SetCookies(u, cookies)
}
