package distribute

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rehearse-dev/rehearse/harness"

	"github.com/rehearse-dev/rehearse/reports"
)

// A shard's result as text, for engines whose only way back is a log
// (Swarm task logs, kubectl logs): its shard.json and attempt log
// (attempts.csv.gz, or attempts.csv) as a base64 tar.gz between these lines.
const (
	frameBegin = "-----BEGIN REHEARSE SHARD-----"
	frameEnd   = "-----END REHEARSE SHARD-----"
)

// EmitShard writes the shard result in the run folder dir to w as a frame
// (rehearse attack --emit-result).
func EmitShard(w io.Writer, dir string) error {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	alog, err := reports.FindAttemptLog(dir)
	if err != nil {
		return fmt.Errorf("emit shard result: %w", err)
	}
	for _, path := range []string{filepath.Join(dir, harness.ShardFile), alog} {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("emit shard result: %w", err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.Base(path), Mode: 0o644, Size: int64(len(b))}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		return fmt.Errorf("emit shard result: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(buf.Bytes())
	var out strings.Builder
	out.WriteString(frameBegin + "\n")
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	out.WriteString(enc + "\n" + frameEnd + "\n")
	_, err = io.WriteString(w, out.String())
	return err
}

// MergeLogs finds every shard frame in logs (a task's log may hold other
// lines around it), unpacks each into a folder below out, and merges them
// like Merge.
func MergeLogs(ctx context.Context, logs []io.Reader, out string, opts MergeOptions) (*harness.Result, error) {
	var dirs []string
	for i, l := range logs {
		frames, err := readFrames(l)
		if err != nil {
			return nil, fmt.Errorf("merge: log %d: %w", i+1, err)
		}
		for j, fr := range frames {
			dir := filepath.Join(out, "shards", fmt.Sprintf("log%d-%d", i+1, j+1))
			if err := unpackFrame(fr, dir); err != nil {
				return nil, fmt.Errorf("merge: log %d: %w", i+1, err)
			}
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		return nil, mergeInputf("merge --from-logs: none of the %d log(s) holds a shard result (a shard run with --emit-result prints one after a %s line)", len(logs), frameBegin)
	}
	return Merge(ctx, dirs, out, opts)
}

// readFrames returns the decoded bytes of every frame in r. Docker may
// prefix each line of a service log (with --details off, it does not);
// text before a frame's first line is ignored.
func readFrames(r io.Reader) ([][]byte, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var frames [][]byte
	var cur *strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.Contains(line, frameBegin) {
			cur = &strings.Builder{}
			continue
		}
		if cur == nil {
			continue
		}
		if strings.Contains(line, frameEnd) {
			b, err := base64.StdEncoding.DecodeString(cur.String())
			if err != nil {
				return nil, fmt.Errorf("a shard frame that does not decode: %w", err)
			}
			frames, cur = append(frames, b), nil
			continue
		}
		if f := strings.Fields(line); len(f) > 0 {
			cur.WriteString(f[len(f)-1]) // the base64 is the line's last field
		}
	}
	if cur != nil {
		return nil, errors.New("a shard frame without its end line: the log was cut short")
	}
	return frames, sc.Err()
}

// unpackFrame writes a frame's files into dir.
func unpackFrame(b []byte, dir string) error {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Base(h.Name)
		if name != harness.ShardFile && name != reports.AttemptLogFile && name != reports.AttemptLogGzFile {
			continue // only what a shard emits
		}
		data, err := io.ReadAll(io.LimitReader(tr, 4<<30))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
}
