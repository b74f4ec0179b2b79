// Package analysis reads run folders after the fact, without Docker or a
// service: compare (a baseline's and a candidate's runs, with statistics),
// history (a scenario's runs over time, each judged against the runs
// before it) and the export of a run's attempts as vegeta results.
package analysis
