package livemetrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"
)

// Federation serves at one address the series of several exporters —
// local shards' (`--shards N --metrics-addr`) — each sample with its
// shard's label (a shard's own series carry it already), from their last
// scrape: a shard that ended keeps its final
// counts for as long as the federation is up. Scraping it scrapes the
// shards; Watch keeps the last scrape fresh between scrapes, so a shard's
// final counts are caught before it exits.
type Federation struct {
	targets []string // each shard's http://host:port/metrics
	client  *http.Client
	srv     *http.Server
	ln      net.Listener

	mu   sync.Mutex
	last []map[string]*dto.MetricFamily // by shard: its last scrape that parsed
}

// NewFederation listens on addr (checked as CheckAddr does) and serves
// the union of targets' series at /metrics.
func NewFederation(addr string, allowRemote bool, targets []string) (*Federation, error) {
	if err := CheckAddr(addr, allowRemote); err != nil {
		return nil, err
	}
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	f := &Federation{targets: targets, client: &http.Client{Timeout: 2 * time.Second}, ln: ln,
		last: make([]map[string]*dto.MetricFamily, len(targets))}
	mux := http.NewServeMux()
	mux.Handle("/metrics", f)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// Observed reports whether any shard's series were scraped.
func (f *Federation) Observed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.last {
		if l != nil {
			return true
		}
	}
	return false
}

// Addr is the address the federation listens on.
func (f *Federation) Addr() string { return f.ln.Addr().String() }

// Watch scrapes every shard each interval until ctx ends.
func (f *Federation) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		f.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh scrapes every shard at once; a shard that does not answer (not
// up yet, or gone) keeps its last scrape.
func (f *Federation) refresh(ctx context.Context) {
	var wg sync.WaitGroup
	for i, u := range f.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if fams, err := f.scrape(ctx, u); err == nil {
				f.mu.Lock()
				f.last[i] = fams
				f.mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// scrape reads one shard's series in the text format.
func (f *Federation) scrape(ctx context.Context, u string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", u, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// ServeHTTP scrapes the shards and writes their union, families by name,
// each sample with its shard's label.
func (f *Federation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.refresh(r.Context())
	f.mu.Lock()
	merged := map[string]*dto.MetricFamily{}
	for shard, fams := range f.last {
		for name, fam := range fams {
			m := merged[name]
			if m == nil {
				m = &dto.MetricFamily{Name: fam.Name, Help: fam.Help, Type: fam.Type, Unit: fam.Unit}
				merged[name] = m
			}
			for _, s := range fam.Metric {
				if !hasLabel(s, LabelShard) {
					s = proto.Clone(s).(*dto.Metric)
					s.Label = append(s.Label, &dto.LabelPair{Name: proto.String(LabelShard), Value: proto.String(strconv.Itoa(shard))})
				}
				m.Metric = append(m.Metric, s)
			}
		}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	names := make([]string, 0, len(merged))
	for n := range merged {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := enc.Encode(merged[n]); err != nil {
			return
		}
	}
}

func hasLabel(m *dto.Metric, name string) bool {
	for _, l := range m.Label {
		if l.GetName() == name {
			return true
		}
	}
	return false
}

// Close stops serving after linger (cut short when ctx ends).
func (f *Federation) Close(ctx context.Context, linger time.Duration) error {
	if linger > 0 {
		t := time.NewTimer(linger)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
