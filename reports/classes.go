package reports

import (
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// DefaultClass names the one caller class of a scenario that declares none
// (callers.classes absent): every caller is in it.
const DefaultClass = vocab.DefaultClass

// classAgg is one caller class's running counts. Attempt counts follow the
// run-wide rules: an attempt of a generator class or one the run's own stop
// aborted is no request of the service's, so it is in neither attempts,
// first nor retries (their sums over classes are Requests.Total, Load.Offered
// and the service's retries).
type classAgg struct {
	callers, succeeded, gaveUp                  int64
	attempts, first, retries, timeouts, resent  int64
	budgetDenied, breakerOpens, retryAfterWaits int64
	// lat holds the latencies of the class's successful attempts, latAll
	// of all that reached the service; each is nil until its first.
	lat, latAll *hdr.Histogram
}

// maxBadAnswerBody is how much of a bad answer's body Report.BadAnswer keeps.
const maxBadAnswerBody = 512

// SetClasses names the caller classes, in the order of callers.classes:
// names[i] is the class of Attempt.CallerClass and CallerOutcome.CallerClass
// i. Call it before the storm. Without it (or with no names) there is one
// class, DefaultClass. Every named class appears in Report.Classes, also
// one that sent nothing. An empty or repeated name, and an index beyond
// names, is named "class<i>" so that no count is merged or dropped.
func (a *Aggregator) SetClasses(names []string) {
	a.mu.Lock()
	a.classNames = append([]string(nil), names...)
	if a.obs != nil {
		a.obs.Classes(a.classNamesLocked())
	}
	a.mu.Unlock()
}

// AddBreakerOpen counts a circuit breaker that opened at offset at, in that
// second's Bucket.BreakerOpens (the chart's markers). class is the
// caller's class; the per-class count (ClassReport.BreakerOpens) comes from
// CallerOutcome.BreakerOpens, so it is not counted again here.
func (a *Aggregator) AddBreakerOpen(at time.Duration, class uint8) {
	a.mu.Lock()
	a.bucketAt(at).breakerOpens++
	if a.obs != nil {
		a.obs.BreakerOpen(at, class)
	}
	a.mu.Unlock()
}

// AddBadAnswer keeps b as Report.BadAnswer when it is the first one; later
// ones are dropped (AddAttempt counts them all, under ClassBadAnswer). Its
// body is cut to its first 512 bytes, and bytes that are not UTF-8 are
// replaced, so that the report reads back as it was written.
func (a *Aggregator) AddBadAnswer(b BadAnswer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.badAnswer != nil {
		return
	}
	if len(b.Body) > maxBadAnswerBody {
		b.Body = b.Body[:maxBadAnswerBody]
	}
	b.Body = strings.ToValidUTF8(b.Body, "\uFFFD")
	a.badAnswer = &b
}

// class is the running counts of class i, grown on first use.
func (a *Aggregator) class(i uint8) *classAgg {
	for len(a.byClass) <= int(i) {
		a.byClass = append(a.byClass, classAgg{})
	}
	return &a.byClass[i]
}

// addClassAttempt counts an attempt that reached the service in its class.
func (a *Aggregator) addClassAttempt(at Attempt) {
	c := a.class(at.CallerClass)
	c.attempts++
	if at.Try > 1 {
		c.retries++
	} else {
		c.first++
	}
	if at.Resent {
		c.resent++
	}
	if at.Class == ClassTimeout {
		c.timeouts++
	}
	record := func(h **hdr.Histogram) {
		if *h == nil {
			*h = hdr.New(histMin, histMax, 3)
		}
		_ = (*h).RecordValue(us(at.Latency))
	}
	record(&c.latAll)
	if at.Class == ClassNone {
		record(&c.lat)
	}
}

// addClassCaller counts a caller's outcome in its class.
func (a *Aggregator) addClassCaller(o CallerOutcome) {
	c := a.class(o.CallerClass)
	if !o.UploadOnly {
		c.callers++
		if o.Succeeded {
			c.succeeded++
		}
		if o.GaveUp {
			c.gaveUp++
		}
	}
	if o.BudgetDenied {
		c.budgetDenied++
	}
	c.breakerOpens += int64(o.BreakerOpens)
	c.retryAfterWaits += int64(o.RetryAfterWaits)
}

// classNamesLocked are the names of classes 0..n-1, where n covers both the
// declared classes and any index seen: DefaultClass alone when none was
// declared; "class<i>" for an index without a usable name.
func (a *Aggregator) classNamesLocked() []string {
	declared := a.classNames
	if len(declared) == 0 {
		declared = []string{DefaultClass}
	}
	names := make([]string, max(len(declared), len(a.byClass)))
	seen := map[string]bool{}
	for i := range names {
		name := ""
		if i < len(declared) {
			name = declared[i]
		}
		if name == "" || seen[name] {
			name = "class" + strconv.Itoa(i)
		}
		seen[name] = true
		names[i] = name
	}
	return names
}

// classReports is Report.Classes: every class, by name.
func (a *Aggregator) classReports() map[string]*ClassReport {
	names := a.classNamesLocked()
	out := make(map[string]*ClassReport, len(names))
	for i, name := range names {
		var c classAgg
		if i < len(a.byClass) {
			c = a.byClass[i]
		}
		cr := &ClassReport{
			Callers: c.callers, Succeeded: c.succeeded, GaveUp: c.gaveUp,
			Attempts: c.attempts, FirstAttempts: c.first, Retries: c.retries, Timeouts: c.timeouts,
			Resent: c.resent, BudgetDenied: c.budgetDenied, BreakerOpens: c.breakerOpens, RetryAfterWaits: c.retryAfterWaits,
			Amplification: ratio(c.attempts, c.first),
		}
		cr.P50Ms, cr.P99Ms = quantile(c.lat, 50), quantile(c.lat, 99)
		cr.P50AllMs, cr.P99AllMs = quantile(c.latAll, 50), quantile(c.latAll, 99)
		out[name] = cr
	}
	return out
}

// loadSummary is Report.Load: first attempts and attempts that reached the
// service, and the callers who succeeded.
func (a *Aggregator) loadSummary() LoadSummary {
	var offered int64
	for _, c := range a.byClass {
		offered += c.first
	}
	return LoadSummary{Offered: offered, Attempts: a.total, Goodput: a.succeeded, Amplification: ratio(a.total, offered)}
}

// ratio is num/den rounded to 3 decimals, nil when den is 0: an
// amplification of nothing offered is not measured, not 0 or +Inf.
func ratio(num, den int64) *float64 {
	if den <= 0 {
		return nil
	}
	v := round3(float64(num) / float64(den))
	return &v
}
