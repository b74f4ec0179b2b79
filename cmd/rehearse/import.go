package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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

// importFlags are the flags of `rehearse import`.
type importFlags struct {
	format, caller, since, until, path, maxBad, out, name string
	maps, methods                                         []string
	sizeFrom, assumeSize                                  string
	hash, keepQuery, fit, force                           bool
	callers, recordBytes                                  int
	speed                                                 float64
	retryWindow                                           time.Duration
}

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

// printFitCloseness says how close the fit came to the log: its peak
// uploads a second, and its median and p99 size (records × record bytes).
func (a *app) printFitCloseness(fit traffic.Fit, sum *traffic.Summary) {
	pct := func(got, want float64) string {
		if want == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%+.1f%%", 100*(got-want)/want)
	}
	peak := int(fit.Uploads)
	if fit.Steps != nil {
		peak = traffic.Peak(fit.Steps)
	} else if fit.Profile == vocab.ProfilePoisson {
		peak = int(fit.Rate + 0.5)
	}
	med, p99 := fit.RecordsMedian*fit.RecordBytes, fit.RecordsP99*fit.RecordBytes
	fmt.Fprintf(a.stdout, "\nclose to  peak %d/s (log %d/s, %s), size median %d B (log %d, %s), p99 %d B (log %d, %s)",
		peak, sum.PeakPerSecond, pct(float64(peak), float64(sum.PeakPerSecond)),
		med, sum.BytesMedian, pct(float64(med), float64(sum.BytesMedian)), p99, sum.BytesP99, pct(float64(p99), float64(sum.BytesP99)))
	fmt.Fprintf(a.stdout, "\nleft out  when each caller uploaded: a caller's n uploads fall one in each n-th of the curve's traffic (a replay keeps the instants)")
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

// options turns the flags into traffic options, with notes for the user
// (the random hash key).
func (f *importFlags) options() ([]traffic.Option, []string, error) {
	format, err := traffic.ParseFormat(f.format)
	if err != nil {
		return nil, nil, err
	}
	rule, err := traffic.ParseCallerRule(f.caller)
	if err != nil {
		return nil, nil, err
	}
	m, err := traffic.ParseFieldMap(format, f.maps)
	if err != nil {
		return nil, nil, err
	}
	since, err := traffic.ParseTimeBound(f.since)
	if err != nil {
		return nil, nil, err
	}
	until, err := traffic.ParseTimeBound(f.until)
	if err != nil {
		return nil, nil, err
	}
	maxBad, err := parseShare(f.maxBad)
	if err != nil {
		return nil, nil, err
	}
	if !(f.speed > 0 && f.speed <= scenarios.MaxSpeed) {
		return nil, nil, fmt.Errorf("--speed must be > 0 and at most %g, got %g", scenarios.MaxSpeed, f.speed)
	}
	sizeOpts, err := f.sizeOptions()
	if err != nil {
		return nil, nil, err
	}
	opts := []traffic.Option{traffic.WithFormat(format), traffic.WithCaller(rule), traffic.WithFieldMap(m),
		traffic.WithQuery(f.keepQuery), traffic.WithSince(since), traffic.WithUntil(until), traffic.WithMethods(f.methods...),
		traffic.WithCallers(f.callers), traffic.WithMaxBad(maxBad), traffic.WithRetryWindow(f.retryWindow)}
	opts = append(opts, sizeOpts...)
	if f.path != "" {
		re, err := regexp.Compile(f.path)
		if err != nil {
			return nil, nil, fmt.Errorf("--path: %w", err)
		}
		opts = append(opts, traffic.WithPath(re))
	}
	var notes []string
	if f.hash {
		key := []byte(os.Getenv(hashKeyEnv))
		if len(key) == 0 {
			key = make([]byte, 32)
			_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
			notes = append(notes, "callers hashed with a random key: set "+hashKeyEnv+" to get the same names on every import")
		}
		opts = append(opts, traffic.WithHashKey(key))
	}
	return opts, notes, nil
}

// sizeOptions reads --size-from and --assume-size. --map bytes=KEY says
// the same as --size-from KEY: one of them is enough.
func (f *importFlags) sizeOptions() ([]traffic.Option, error) {
	var opts []traffic.Option
	if f.sizeFrom != "" {
		for _, m := range f.maps {
			for kv := range strings.SplitSeq(m, ",") {
				if strings.HasPrefix(strings.TrimSpace(kv), string(traffic.SlotBytes)+"=") {
					return nil, fmt.Errorf("--size-from %s and --map %s both say where sizes are: give one", f.sizeFrom, kv)
				}
			}
		}
		opts = append(opts, traffic.WithSizeFrom(f.sizeFrom))
	}
	if f.assumeSize != "" {
		n, err := scenarios.ParseByteSize(f.assumeSize)
		if err != nil || n < 1 || n > traffic.MaxAssumeSize {
			return nil, fmt.Errorf("--assume-size must be a size from 1 B to 1GB such as 20KB, got %q", f.assumeSize)
		}
		opts = append(opts, traffic.WithAssumeSize(n))
	}
	return opts, nil
}

// parseShare reads 1% or 0.01 as 0.01.
func parseShare(s string) (float64, error) {
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	x, err := strconv.ParseFloat(v, 64)
	if pct {
		x /= 100
	}
	if err != nil || !(x >= 0 && x <= 1) {
		return 0, fmt.Errorf("--max-bad must be a share such as 1%% or 0.01, got %q", s)
	}
	return x, nil
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

// printSummary prints what the import found.
func (a *app) printSummary(s *traffic.Summary) {
	w := a.stdout
	fmt.Fprintf(w, "read      %s lines of %d log(s) as %s in %s\n", commas(s.Lines), len(s.Sources), s.Format, s.Took.Round(time.Millisecond))
	if s.Bad > 0 {
		fmt.Fprintf(w, "skipped   %s bad lines (%.3f%%); the first:\n", commas(s.Bad), 100*float64(s.Bad)/float64(max(s.Lines, 1)))
		for _, b := range s.FirstBad {
			fmt.Fprintf(w, "            %s\n", b)
		}
	}
	if s.NoCaller > 0 {
		fmt.Fprintf(w, "skipped   %s lines without a caller under --caller %s\n", commas(s.NoCaller), s.Caller)
	}
	if s.Filtered > 0 {
		fmt.Fprintf(w, "skipped   %s uploads outside --since/--until/--path/--method\n", commas(s.Filtered))
	}
	hashed := ""
	if s.Hashed {
		hashed = ", names hashed"
	}
	if s.Sampled > 0 {
		fmt.Fprintf(w, "callers   %s of %s seen (--callers)%s; %s uploads of the others left out\n", commas(int64(s.Callers)), commas(int64(s.CallersSeen)), hashed, commas(s.Sampled))
	} else {
		fmt.Fprintf(w, "callers   %s%s\n", commas(int64(s.Callers)), hashed)
	}
	var methods []string
	for _, m := range slices.Sorted(maps.Keys(s.Methods)) {
		methods = append(methods, m+" "+commas(s.Methods[m]))
	}
	fmt.Fprintf(w, "uploads   %s (%s); most: %s\n", commas(s.Uploads), strings.Join(methods, ", "), s.TopRequest)
	if s.Uploads == 0 {
		return
	}
	fmt.Fprintf(w, "span      %s from %s\n", s.Span.Round(time.Millisecond), s.Start.Format(time.RFC3339))
	fmt.Fprintf(w, "peak      %s uploads in one second, at +%s\n", commas(int64(s.PeakPerSecond)), s.PeakAt)
	printSizes(w, s)
	fmt.Fprintf(w, "retries   %s uploads look like retries of a failed one (same caller, method, path and size within %s of a 4xx, 5xx or no answer)\n",
		commas(s.Retries), s.RetryWindow)
	if s.Unsized > 0 {
		fmt.Fprintf(w, "          %s uploads without a logged size were not looked at: a retry is told by its size\n", commas(s.Unsized))
	}
}

// printSizes prints where the sizes came from: each field and its
// uploads, and what the uploads that logged none will replay with.
func printSizes(w io.Writer, s *traffic.Summary) {
	if len(s.SizeFrom) == 0 {
		fmt.Fprintf(w, "sizes     not logged: every upload replays at %s (--assume-size); every report of the replay says so\n", humanBytes(s.AssumedBytes))
		return
	}
	approx := ""
	if s.SizesApprox {
		approx = ", within 0.1%"
	}
	fmt.Fprintf(w, "sizes     median %s, p99 %s, max %s%s\n", humanBytes(s.BytesMedian), humanBytes(s.BytesP99), humanBytes(s.BytesMax), approx)
	var from []string
	for _, src := range s.SizeFrom {
		from = append(from, fmt.Sprintf("%s (%s) for %s uploads", src.Field, traffic.SizeMeaning(src.Field), commas(src.Uploads)))
	}
	fmt.Fprintf(w, "          from %s\n", strings.Join(from, ", "))
	switch {
	case s.Unsized > 0 && s.AssumedBytes > 0:
		fmt.Fprintf(w, "          %s uploads logged no size: they replay at %s (--assume-size); every report of the replay says so\n", commas(s.Unsized), humanBytes(s.AssumedBytes))
	case s.Unsized > 0:
		fmt.Fprintf(w, "          %s uploads logged no size: they replay with the smallest body (choose theirs with --assume-size); every report of the replay says so\n", commas(s.Unsized))
	}
}

// commas writes n with thousands separators: 1,204,332.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// humanBytes writes a size as 512 B, 12.3 KB, 4.5 MB (powers of 1000).
func humanBytes(n int64) string { return traffic.SizeText(n) }
