package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/scenarios"
	"github.com/rehearse-dev/rehearse/traffic"
)

// hashKeyEnv names the environment variable that holds the key of
// --hash-callers, so that two imports name the same caller alike.
const hashKeyEnv = "REHEARSE_HASH_KEY"

const importLong = `import reads access logs and writes what your callers really sent: a trace
(NAME.trace.jsonl.gz: per caller, each upload's arrival offset, method, path,
size and logged status) and a scenario that replays it (NAME.yaml:
traffic: {replay: NAME.trace.jsonl.gz, speed: 1}). With --fit it writes a
synthetic scenario fitted to the log instead (NAME-fit.yaml: the log's callers
with their uploads each, log-normal sizes, all uploads on the per-second curve
as step arrivals, its bursts kept), and says how close it came, for when the
trace may not leave the building.

Logs are read as they come: several files are merged in time order, .gz or
plain (told by content). Each line's caller is found by --caller:
  path:REGEX     the first capture group of REGEX over the path (default
                 ` + traffic.DefaultCallerRule + `)
  header:NAME    a logged header (nginx: User-Agent, Referer; ALB: User-Agent;
                 nginx-json: $http_NAME; jsonl: the key NAME)
  field:NAME     a JSON key, dotted for nested objects (tenant.id)
  ip             the client address
The caller in a path becomes {caller}; query strings are dropped unless
--keep-query. --hash-callers replaces each identity by a keyed hash (key from
$` + hashKeyEnv + `, else random), so no customer name enters the trace.

Formats:
  nginx        combined, optionally + $request_length $request_time (the size
               of an upload is known only with $request_length, or with
               $content_length in its place and --size-from content_length)
  nginx-json   log_format ... escape=json; keys named like the variables
               (time_iso8601|msec, request or request_method+request_uri,
               status, content_length, request_length, request_time,
               remote_addr)
  alb          AWS Application Load Balancer access logs (received_bytes)
  jsonl        one JSON object per line; keys mapped with --map
--map SLOT=KEY points a slot (time, method, path, request, status, bytes,
duration, addr) at a key of a JSON format.

Sizes: each upload is replayed with a body of its logged size. Request-body
fields come first ($content_length), then those that count the headers too
($request_length, ALB received_bytes); a response's size ($body_bytes_sent)
is never read. The summary says which field each size came from. A log that
records no size (nginx's combined) is refused unless you choose: --size-from
FIELD, or --assume-size 20KB for every upload that logs none; every report of
such a replay then says that sizes were not logged.

Retries: an upload with the same caller, method, path and size within
--retry-window after one that failed (4xx, 5xx, no answer) is marked as its
retry and left out of the replay (the scenario retries instead); an upload
without a logged size is never taken for one.

Existing files are not overwritten: --force does, --name picks another name.

A line that does not parse is counted and skipped; the first few are shown
with their line numbers, and the import fails only when more than --max-bad
of the lines are bad.`

const importExample = `  # the reference services' path names the caller
  rehearse import --format nginx --out traces/ /var/log/nginx/access.log*

  # the hour after last night's upgrade, from ALB logs, callers by User-Agent, hashed
  rehearse import --format alb --caller header:User-Agent --hash-callers \
      --since 2024-05-01T02:00:00Z --until 2024-05-01T03:00:00Z alb/*.log.gz

  # JSON lines from the app, tenant in a nested field, only uploads, 500 tenants
  rehearse import --format jsonl --map time=ts,path=http.path,method=http.method \
      --caller field:tenant.id --method POST --callers 500 app.jsonl

  # a model instead of a trace
  rehearse import --format nginx --fit --record-bytes 180 access.log

  # then rehearse with it
  rehearse validate traces/access.yaml && rehearse run traces/access.yaml`

// importCmd is `rehearse import`.
func (a *app) importCmd() *cobra.Command {
	var f importFlags
	c := &cobra.Command{
		Use:     "import --format nginx|nginx-json|alb|jsonl [flags] LOG...",
		Short:   "Turn access logs into a trace of your callers' traffic and a scenario that replays it",
		Long:    importLong,
		Example: importExample,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runImport(cmd, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.format, "format", string(traffic.DefaultFormat), "log format: nginx | nginx-json | alb | jsonl")
	fl.StringVar(&f.caller, "caller", traffic.DefaultCallerRule, "where a line names its caller: path:REGEX | header:NAME | field:NAME | ip")
	fl.StringArrayVar(&f.maps, "map", nil, "JSON formats: slot=key[,slot=key] (slots: time, method, path, request, status, bytes, duration, addr)")
	fl.BoolVar(&f.hash, "hash-callers", false, "name callers by a keyed hash of their identity (key: $"+hashKeyEnv+", else random)")
	fl.BoolVar(&f.keepQuery, "keep-query", false, "keep query strings in paths (dropped by default: they often hold tokens)")
	fl.StringVar(&f.since, "since", "", "keep uploads from this time: 2024-05-01T14:00:00Z, 2024-05-01 14:00:00 (UTC), or +30m after the first line")
	fl.StringVar(&f.until, "until", "", "keep uploads before this time (same forms as --since)")
	fl.StringVar(&f.path, "path", "", "keep uploads whose path matches this regular expression")
	fl.StringSliceVar(&f.methods, "method", nil, "keep uploads of these methods (repeat or comma-separate: POST,PUT)")
	fl.IntVar(&f.callers, "callers", 0, "keep N callers, the same N on every import (sampled by a hash of their identity); 0 keeps all")
	fl.StringVar(&f.maxBad, "max-bad", fmt.Sprintf("%g%%", 100*traffic.DefaultMaxBad), "fail when more than this share of lines does not parse (1% or 0.01)")
	fl.DurationVar(&f.retryWindow, "retry-window", traffic.DefaultRetryWindow, "an upload this soon after the caller's failed one (same method, path and size) counts as its retry")
	fl.StringVar(&f.sizeFrom, "size-from", "", "read every upload's size from this field (JSON key; nginx: request_length | content_length; default: body fields first, then request_length)")
	fl.StringVar(&f.assumeSize, "assume-size", "", "the size of every upload whose line logs none, e.g. 20KB (default: none; a log without any size is refused)")
	fl.BoolVar(&f.force, "force", false, "overwrite the trace and scenario if they exist (default: refuse)")
	fl.BoolVar(&f.fit, "fit", false, "write a synthetic scenario fitted to the log instead of a trace")
	fl.IntVar(&f.recordBytes, "record-bytes", scenarios.DefaultRecordBytes, "with --fit: bytes per record, to turn sizes into record counts")
	fl.Float64Var(&f.speed, "speed", scenarios.DefaultSpeed, "the replay speed written in the scenario (10: ten times faster than logged)")
	fl.StringVar(&f.out, "out", ".", "folder to write the trace and the scenario in")
	fl.StringVar(&f.name, "name", "", "name of the scenario and the files (default: the first log's name)")
	return c
}

// runImport imports, prints what it found, and writes the files.
func (a *app) runImport(cmd *cobra.Command, f *importFlags, logs []string) error {
	opts, notes, err := f.options()
	if err != nil {
		return usage(cmd, err)
	}
	name := f.name
	if name == "" {
		name = scenarioName(logs[0])
	}
	if !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(name) {
		return usage(cmd, fmt.Errorf("--name must be lowercase letters, digits and dashes, got %q", name))
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return errext.WithExitCodeIfNone(fmt.Errorf("create output folder: %w", err), errext.Usage)
	}
	outputs := []string{filepath.Join(f.out, name+traffic.Ext), filepath.Join(f.out, name+".yaml")}
	if f.fit {
		outputs = []string{filepath.Join(f.out, name+"-fit.yaml")}
	}
	if err := refuseExisting(f.force, outputs...); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(a.stderr, "note: "+n)
	}
	if f.fit {
		return a.importFit(cmd.Context(), f, name, logs, opts)
	}
	return a.importTrace(cmd.Context(), f, name, logs, opts)
}

// importTrace writes NAME.trace.jsonl.gz (through a temporary file, so a
// failed import leaves nothing) and NAME.yaml.
func (a *app) importTrace(ctx context.Context, f *importFlags, name string, logs []string, opts []traffic.Option) error {
	tracePath := filepath.Join(f.out, name+traffic.Ext)
	tmp, err := os.CreateTemp(f.out, "."+name+"-*.tmp")
	if err != nil {
		return fmt.Errorf("create trace: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename; else a leftover to remove
	sum, err := traffic.Import(ctx, tmp, logs, opts...)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write trace: %w", cerr)
	}
	if err != nil {
		return a.importError(err)
	}
	if sum.Uploads == 0 {
		a.printSummary(sum)
		return errext.WithExitCodeIfNone(errext.WithHint(errors.New("nothing to replay: no upload passed the filters"),
			"loosen --since/--until, --path, --method"), errext.Usage)
	}
	if err := placeFile(tmp.Name(), tracePath, f.force); err != nil {
		if _, ok := errext.Code(err); ok {
			return err
		}
		return fmt.Errorf("write trace: %w", err)
	}
	a.printSummary(sum)
	yamlPath := filepath.Join(f.out, name+".yaml")
	if err := writeImportedScenario(yamlPath, replayScenario(name, filepath.Base(tracePath), f.speed, sum, commandLine()), f.force); err != nil {
		return err
	}
	size := "size unknown"
	if st, err := os.Stat(tracePath); err == nil {
		size = humanBytes(st.Size())
	}
	fmt.Fprintf(a.stdout, "\nwrote     %s (%s)\n          %s, which replays it at speed %g\n", tracePath, size, yamlPath, f.speed)
	fmt.Fprintf(a.stdout, "next      edit its sut: to point at your candidate, then: rehearse run %s\n", yamlPath)
	return nil
}

// importFit writes NAME-fit.yaml and no trace.
func (a *app) importFit(ctx context.Context, f *importFlags, name string, logs []string, opts []traffic.Option) error {
	sum, err := traffic.Import(ctx, nil, logs, opts...)
	if err != nil {
		return a.importError(err)
	}
	a.printSummary(sum)
	fit, err := sum.Fit(f.recordBytes)
	if err != nil {
		return errext.WithExitCodeIfNone(err, errext.Usage)
	}
	path := filepath.Join(f.out, name+"-fit.yaml")
	if err := writeImportedScenario(path, fitScenario(name+"-fit", fit, sum, commandLine()), f.force); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nfitted    %d callers making %d uploads (%d lines of uploads per caller), records median %d p99 %d max %d of %d bytes",
		fit.Count, fit.Uploads, len(fit.PerCaller), fit.RecordsMedian, fit.RecordsP99, fit.RecordsMax, fit.RecordBytes)
	switch {
	case fit.Steps != nil:
		fmt.Fprintf(a.stdout, ", arrival in %d steps (seconds within %.0f%% of one another merged)", len(fit.Steps), fit.StepTolerance*100)
	case fit.Profile == vocab.ProfilePoisson:
		fmt.Fprintf(a.stdout, ", arrival %s over %s at %.4g/s", fit.Profile, fit.Window, fit.Rate)
	default:
		fmt.Fprintf(a.stdout, ", arrival %s over %s", fit.Profile, fit.Window)
	}
	a.printFitCloseness(fit, sum)
	fmt.Fprintf(a.stdout, "\nwrote     %s\n", path)
	return nil
}

// importError adds the advice an import error calls for; every one is a
// usage or input error (exit 2) but a failure to write.
func (a *app) importError(err error) error {
	var bad *traffic.BadLinesError
	var nc *traffic.NoCallerError
	var ns *traffic.NoSizesError
	switch {
	case errors.As(err, &ns):
		err = errext.WithHint(err, ns.Hint())
	case errors.As(err, &bad):
		fmt.Fprintln(a.stderr, "the first lines that did not parse:")
		for _, b := range bad.First {
			fmt.Fprintf(a.stderr, "  %s\n", b)
		}
		err = errext.WithHint(err, "check --format; if the lines are what you expect, raise --max-bad")
	case errors.As(err, &nc):
		err = errext.WithHint(err, nc.Hint())
	}
	if errors.Is(err, traffic.ErrUsage) || errors.Is(err, traffic.ErrInput) {
		return errext.WithExitCodeIfNone(err, errext.Usage)
	}
	return err
}

// scenarioName makes a scenario name of a log's file name:
// /var/log/nginx/access.log.1.gz -> access.
func scenarioName(log string) string {
	base := strings.ToLower(filepath.Base(log))
	base, _, _ = strings.Cut(base, ".")
	base = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(base, "-")
	if base = strings.Trim(base, "-"); base == "" {
		return "imported"
	}
	return base
}

// commandLine is this invocation, for the comment atop a written scenario.
func commandLine() string {
	return "rehearse " + strings.Join(os.Args[1:], " ")
}
