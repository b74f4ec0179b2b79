package traffic

import (
	"strings"
	"time"
)

// TimeBound is one end of a time window: an absolute time, or a duration
// after the log's first line (+10m). The zero TimeBound is no bound.
type TimeBound struct {
	At    time.Time
	After time.Duration
	// Relative is true for a bound written as +DURATION.
	Relative bool
}

// IsZero reports whether b is no bound.
func (b TimeBound) IsZero() bool { return !b.Relative && b.At.IsZero() }

// ParseTimeBound reads 2024-05-01T14:00:00Z (any RFC 3339 time),
// 2024-05-01 14:00:00 or 2024-05-01 (UTC), or +1h30m (after the first
// line of the logs). "" is no bound. ErrUsage for anything else.
func ParseTimeBound(s string) (TimeBound, error) {
	if s == "" {
		return TimeBound{}, nil
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return TimeBound{}, usagef("time %q: want +DURATION such as +90m", s)
		}
		return TimeBound{After: d, Relative: true}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return TimeBound{At: t}, nil
		}
	}
	return TimeBound{}, usagef("time %q: want 2024-05-01T14:00:00Z, 2024-05-01 14:00:00 (UTC), 2024-05-01 or +90m (after the first line)", s)
}

// resolve is the bound in Unix nanoseconds given the first line's time;
// ok false for no bound.
func (b TimeBound) resolve(first int64) (int64, bool) {
	switch {
	case b.Relative:
		return first + int64(b.After), true
	case b.At.IsZero():
		return 0, false
	}
	return b.At.UnixNano(), true
}
