package sutrun

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// probe measures downtime: time during which no upstream answers its health
// path with 2xx (the entry point, and behind an lb at least one replica),
// probed every 100 ms.
func (d *Deployment) probe(ctx context.Context) {
	client := &http.Client{Timeout: 1 * time.Second}
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

func waitHealthy(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
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

// WaitHealthy waits until url answers 2xx, for at most timeout.
func WaitHealthy(ctx context.Context, url string, timeout time.Duration) error {
	return waitHealthy(ctx, url, timeout)
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
// is the readiness of a service whose health path nobody named.
func WaitAnswering(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
