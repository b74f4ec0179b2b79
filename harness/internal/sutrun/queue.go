package sutrun

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rehearse-dev/rehearse/sut"
)

// scrape reads each reference replica's queue depth (sut.MetricQueueDepth)
// from its metrics (sut.MetricsPath).
func (d *Deployment) scrape(ctx context.Context) {
	if d.info.Kind != "reference" {
		return
	}
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		d.mu.Lock()
		units := append([]unit{}, d.replicas...)
		d.mu.Unlock()
		for _, u := range units {
			q := queueDepth(client, fmt.Sprintf("http://127.0.0.1:%d%s", u.port(), sut.MetricsPath))
			d.setQueue(u.name(), q)
		}
	}
}

func (d *Deployment) setQueue(name string, q int64) {
	d.mu.Lock()
	d.queues[name] = q
	d.mu.Unlock()
}

// queueOf is the last queue depth scraped from unit name, -1 when unknown.
func (d *Deployment) queueOf(name string) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[name]; ok {
		return q
	}
	return -1
}

func queueDepth(c *http.Client, url string) int64 {
	resp, err := c.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sut.MetricQueueDepth+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return int64(f)
			}
		}
	}
	return -1
}
