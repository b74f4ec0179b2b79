package reports

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// AttemptLogGzFile is the attempt log compressed with gzip, what a run
// writes by default (about a third of attempts.csv's bytes); every reader
// reads either form, by content, so a log decompressed by hand
// (gunzip) or renamed still reads.
const AttemptLogGzFile = AttemptLogFile + ".gz"

// gzipLevel trades a little size for speed: the storm's goroutines wait
// on the log's lock while a buffer is compressed.
const gzipLevel = gzip.BestSpeed

// gzipCommentPrefix starts the gzip header comment of a log rehearse
// wrote: "rehearse attempts mode=sample percent=1 seed=42". It is how a
// report rebuilt from the log alone knows the log is a sample.
const gzipCommentPrefix = "rehearse attempts"

// AttemptLogOptions say what CreateAttemptLog writes.
type AttemptLogOptions struct {
	// Mode is what is kept (--attempts); a sample needs the compressed
	// form, whose header records it.
	Mode AttemptsMode
	// Seed chooses a sample's callers: the run's seed.
	Seed int64
	// Plain writes attempts.csv instead of attempts.csv.gz
	// (--attempts-format csv).
	Plain bool
}

// CreateAttemptLog creates the attempt log of the run folder dir as o says
// and returns it, or nil (and no file) when o.Mode is none. A log an
// earlier run left in dir, in either form, is removed first: the folder's
// log is this run's or none. Close it at the end: the compressed form's
// trailer is written then.
func CreateAttemptLog(dir string, o AttemptLogOptions) (*AttemptLog, error) {
	if o.Plain && o.Mode.Sampled() {
		return nil, errors.New("create attempt log: a sample is written compressed only (its gzip header records the sample, so that a report rebuilt from the log says so): use --attempts-format csv.gz")
	}
	for _, stale := range []string{AttemptLogGzFile, AttemptLogFile} {
		if err := os.Remove(filepath.Join(dir, stale)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("create attempt log: %w", err)
		}
	}
	if o.Mode.Kind == AttemptsNone {
		return nil, nil
	}
	name := AttemptLogGzFile
	if o.Plain {
		name = AttemptLogFile
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("create attempt log: %w", err)
	}
	info := AttemptsLog{Mode: AttemptsAll, File: name}
	var w io.Writer = f
	var gz *gzip.Writer
	if !o.Plain {
		if gz, err = gzip.NewWriterLevel(f, gzipLevel); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("create attempt log: %w", err)
		}
		info = sampleInfo(info, o)
		gz.Header = gzip.Header{Name: AttemptLogFile, ModTime: time.Now(), OS: 255, Comment: gzipComment(info)}
		w = gz
	}
	l := NewAttemptLog(w)
	l.info, l.gz, l.file = info, gz, f
	if info.Sampled() {
		l.sample = newCallerSampler(o.Seed, o.Mode.Percent)
		l.sampled = true
	}
	return l, nil
}

// sampleInfo records a sample's share and seed in info.
func sampleInfo(info AttemptsLog, o AttemptLogOptions) AttemptsLog {
	if o.Mode.Sampled() {
		p, s := o.Mode.Percent, o.Seed
		info.Mode, info.SamplePercent, info.SampleSeed = AttemptsSample, &p, &s
	}
	return info
}

// gzipComment is the header comment that records what the log holds.
func gzipComment(info AttemptsLog) string {
	c := gzipCommentPrefix + " mode=" + info.Mode
	if info.Sampled() {
		c += " percent=" + strconv.FormatFloat(*info.SamplePercent, 'f', -1, 64) + " seed=" + strconv.FormatInt(*info.SampleSeed, 10)
	}
	return c
}

// parseGzipComment reads what gzipComment wrote; a log without it (not
// written by rehearse, or recompressed by hand) holds every attempt as far
// as anyone can tell.
func parseGzipComment(c string) AttemptsLog {
	info := AttemptsLog{Mode: AttemptsAll}
	rest, ok := strings.CutPrefix(c, gzipCommentPrefix+" ")
	if !ok {
		return info
	}
	kv := map[string]string{}
	for _, f := range strings.Fields(rest) {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = v
		}
	}
	p, perr := strconv.ParseFloat(kv["percent"], 64)
	s, serr := strconv.ParseInt(kv["seed"], 10, 64)
	if kv["mode"] == AttemptsSample && perr == nil {
		info.Mode, info.SamplePercent = AttemptsSample, &p
		if serr == nil {
			info.SampleSeed = &s
		}
	}
	return info
}

// FindAttemptLog returns the path of the attempt log in the run folder
// dir: attempts.csv.gz, else attempts.csv. When both are there (one
// decompressed by hand with gunzip -k) the compressed one is read: it is
// the one rehearse wrote, checked by its CRC. Neither: an error that
// wraps fs.ErrNotExist.
func FindAttemptLog(dir string) (string, error) {
	for _, name := range []string{AttemptLogGzFile, AttemptLogFile} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("find attempt log: %w", err)
		}
	}
	return "", fmt.Errorf("%s has neither %s nor %s: %w", dir, AttemptLogGzFile, AttemptLogFile, fs.ErrNotExist)
}

// OpenAttemptLog opens the attempt log of the run folder dir, compressed
// or not (FindAttemptLog); ReadAttemptLog and ScanAttemptLog read either.
func OpenAttemptLog(dir string) (*os.File, error) {
	p, err := FindAttemptLog(dir)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// HasAttemptLog reports whether the run folder dir has an attempt log.
func HasAttemptLog(dir string) bool {
	_, err := FindAttemptLog(dir)
	return err == nil
}

// DescribeAttemptLog is the attempts_log of the run folder dir as its log
// says, for a report that did not record it (a merge): none without a
// log, else its file and what its gzip header records; its attempts are
// not counted (nil), which would take a read of the whole log.
func DescribeAttemptLog(dir string) (*AttemptsLog, error) {
	f, err := OpenAttemptLog(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return &AttemptsLog{Mode: AttemptsNone}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var scan AttemptLogScan
	_, closeGz, err := decompressed(f, &scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	closeGz()
	info := scan.Log
	info.File = filepath.Base(f.Name())
	return &info, nil
}
