// Package stats holds the statistics rehearse compare judges with: one
// rank implementation (midranks) behind the Mann-Whitney test, exact for
// small samples (RankTest) and by the normal approximation for large ones
// (MannWhitney); the Hodges-Lehmann shift and its interval; Welch's t for
// samples too small for ranks; and Holm's correction across metrics. It
// knows nothing of reports: samples are float64, +Inf a value not reached.
package stats
