// Package views renders reports (package reports) for people and tools:
// the terminal table, Markdown for a pull request, the self-contained
// HTML page with its charts, JUnit for CI, and the pages of a summary, a
// comparison, a history and a capacity search. A view reads the model and
// computes nothing the report does not hold; every value that was not
// measured reads reports.NotMeasured, never 0.
package views
