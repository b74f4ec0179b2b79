package sutrun

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"time"
)

// probe measures downtime: time during which no upstream answers its health
// path with 2xx (the entry point, and behind an lb at least one replica),
// probed every 100 ms.
func (d *Deployment) probe(ctx context.Context) {
	client := probeClient(d.opts.TLS, time.Second)
	defer closeIdle(client)
	healthy := func(url string) bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode < 300
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			d.mu.Lock()
			health := d.health // an upgrade may change it
			behind := d.lb != nil
			units := append([]unit{}, d.replicas...)
			d.mu.Unlock()
			ok := healthy(d.target + health)
			if ok && behind {
				ok = false
				for _, u := range units {
					if healthy(fmt.Sprintf("http://127.0.0.1:%d%s", u.port(), health)) {
						ok = true
						break
					}
				}
			}
			if !ok {
				d.mu.Lock()
				d.down += now.Sub(last)
				d.mu.Unlock()
			}
			last = now
		}
	}
}

// probeClient is the client of health checks: over tc (the scenario's
// TLS, sut.tls) for an https target, so a service behind an internal CA
// or asking for a client certificate is checked the way it is stormed;
// nil is net/http's default TLS.
func probeClient(tc *tls.Config, timeout time.Duration) *http.Client {
	if tc == nil {
		return &http.Client{Timeout: timeout}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Timeout: timeout, Transport: tr}
}

// closeIdle closes the idle connections of a client probeClient made
// its own transport for; net/http's shared one is left alone.
func closeIdle(c *http.Client) {
	if c.Transport != nil {
		c.CloseIdleConnections()
	}
}

func waitHealthy(ctx context.Context, url string, timeout time.Duration) error {
	return waitHealthyOver(ctx, probeClient(nil, time.Second), url, timeout)
}

func waitHealthyOver(ctx context.Context, client *http.Client, url string, timeout time.Duration) error {
	defer closeIdle(client)
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("no healthy answer in %s: %v", timeout, last)
}

// WaitHealthy waits until url answers 2xx, for at most timeout; an
// https url is reached over tc (nil: net/http's default TLS).
func WaitHealthy(ctx context.Context, url string, timeout time.Duration, tc *tls.Config) error {
	return waitHealthyOver(ctx, probeClient(tc, time.Second), url, timeout)
}

// HealthPath is the path probed for the SUT's health and downtime ("" for
// a service at sut.url without a watch health).
func (d *Deployment) HealthPath() string {
	if d == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.health
}

// WaitAnswering waits until url gives any HTTP answer (whatever its
// status: the service listens and speaks HTTP), for at most timeout. It
// is the readiness of a service whose health path nobody named. An
// https url is reached over tc (nil: net/http's default TLS).
func WaitAnswering(ctx context.Context, url string, timeout time.Duration, tc *tls.Config) error {
	client := probeClient(tc, time.Second)
	defer closeIdle(client)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("no answer in %s: %v", timeout, last)
}
