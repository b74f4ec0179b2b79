package storm

import (
	"strings"

	"github.com/rehearse-dev/rehearse/reports"
)

// classify maps a vegeta result (status code and error text) to an error
// class of reports.
func classify(code int, errText string) reports.Class {
	switch {
	case code >= 200 && code < 400:
		return reports.ClassNone
	case code == 429:
		return reports.ClassHTTP429
	case code >= 500:
		return reports.ClassHTTP5xx
	case code >= 400:
		return reports.ClassHTTP4xx
	}
	e := strings.ToLower(errText)
	switch {
	case strings.Contains(e, "deadline exceeded"), strings.Contains(e, "timeout"):
		return reports.ClassTimeout
	case strings.Contains(e, "connection refused"):
		return reports.ClassConnRefused
	case strings.Contains(e, "connection reset"), strings.Contains(e, "broken pipe"):
		return reports.ClassConnReset
	case strings.Contains(e, "eof"), strings.Contains(e, "server closed"):
		return reports.ClassEOF
	}
	return reports.ClassOther
}
