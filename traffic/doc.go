// Package traffic turns access logs into traces of real callers' traffic
// and reads those traces back for replay (docs/traffic.md).
//
// Import streams one or more logs (nginx combined, nginx JSON, AWS ALB,
// JSON lines; plain or gzip) merged in time order, names each line's caller
// by a CallerRule, filters, and writes a trace: a gzip'd JSON-lines file
// (*.trace.jsonl.gz) whose first line is a Header and every further line
// one caller's uploads (CallerTrace). Memory is bounded by the number of
// callers, not lines: uploads are spilled to temporary files grouped by
// caller and read back one group at a time. Import also returns a Summary
// (callers, uploads, span, peak per second, sizes, retries) and can fit a
// synthetic model to the log instead (Summary.Fit).
//
// Open and NewReader read a trace back, checking its version; the replay
// in the storm engine uses Trace.Callers.
//
// The package prints nothing and imports neither the harness nor any load
// generator or container library: it is a leaf, like scenarios and reports.
package traffic
