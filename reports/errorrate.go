package reports

import "fmt"

// ErrorRateText is the share of r's requests that were not ok — errors and
// timeouts alike, the error_rate gate variable — as every headline shows it
// beside the verdict, so that a run whose requests all failed never reads
// as fine: "error rate 12.5% (15 of 120 requests)", or "no requests sent".
func ErrorRateText(r *Report) string {
	if r.Requests.Total == 0 {
		return "no requests sent"
	}
	failed := r.Requests.Total - r.Requests.OK
	return fmt.Sprintf("error rate %s (%d of %d requests)", Percent(ErrorRate(r)), failed, r.Requests.Total)
}

// ErrorRate is error_rate of r; 0 when nothing was sent.
func ErrorRate(r *Report) float64 {
	if r.Requests.Total == 0 {
		return 0
	}
	return float64(r.Requests.Total-r.Requests.OK) / float64(r.Requests.Total)
}

// HeadlineErrors is the error rate beside the Headline of several reports:
// ErrorRateText of one; of several, the highest rate and the scenario that
// had it ("error rate up to 100% (seed-1-sync)"), "error rate 0% in every
// scenario", or "no requests sent". Zero reports give "".
func HeadlineErrors(rs ...*Report) string {
	switch len(rs) {
	case 0:
		return ""
	case 1:
		return ErrorRateText(rs[0])
	}
	var worst *Report
	for _, r := range rs {
		if r.Requests.Total > 0 && (worst == nil || ErrorRate(r) > ErrorRate(worst)) {
			worst = r
		}
	}
	switch {
	case worst == nil:
		return "no requests sent"
	case ErrorRate(worst) == 0:
		return "error rate 0% in every scenario"
	}
	return fmt.Sprintf("error rate up to %s (%s)", Percent(ErrorRate(worst)), worst.Scenario.Name)
}

// ErrorsAlarm reports whether the error rate beside a headline is to be
// shown as an alarm: some scenario's requests mostly failed.
func ErrorsAlarm(rs ...*Report) bool {
	for _, r := range rs {
		if ErrorRate(r) >= 0.5 {
			return true
		}
	}
	return false
}
