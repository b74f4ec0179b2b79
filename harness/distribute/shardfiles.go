package distribute

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// What a shard on another machine reads besides the program (docs/shards.md,
// "Replays on Swarm and Kubernetes"): the scenario file, verbatim, and the
// files it names relative to itself — a replay's trace, cut so that each
// shard gets only its own callers' part (storm.WriteReplayParts), and the
// same sut.tls and callers.from files for every shard. Shard i finds them
// below its own folder at the paths the scenario names, so the scenario
// is shipped unchanged.

// shardFile is one file at its path below a shard's folder.
type shardFile struct {
	rel  string // slash-separated, relative to the shard's folder
	data []byte
}

// shardFiles are the files of every shard of a distributed run.
type shardFiles struct {
	// scenario is the scenario file's path below a shard's folder.
	scenario string
	// each[i] are shard i's files, its scenario first.
	each [][]shardFile
	// replay is the part's path below a shard's folder; "" when the
	// scenario replays no trace. parts[i] is shard i's part's uploads.
	replay string
	parts  []int64
	// shared is how many of each shard's files are the same for all.
	shared int
}

// newShardFiles reads sc's files for n shards. A file named by an absolute
// path is refused: it would be this machine's path in every shard.
func newShardFiles(sc *scenarios.Scenario, n int) (*shardFiles, error) {
	named := namedFiles(sc)
	up := 0
	for key, p := range named {
		if filepath.IsAbs(p) {
			return nil, fmt.Errorf("%w: distribute: %s %s is an absolute path, which the shards would not find: give it relative to the scenario file, which is shipped with the files beside it",
				scenarios.ErrInvalid, key, p)
		}
		up = max(up, ups(p))
	}
	// The scenario sits deep enough that ../ in its paths stays in the
	// shard's folder.
	dir := strings.Repeat("up/", up)
	sf := &shardFiles{scenario: dir + sc.Name + ".yaml", each: make([][]shardFile, n)}
	common := []shardFile{{rel: sf.scenario, data: sc.Source}}
	for _, key := range slices.Sorted(maps.Keys(named)) {
		p := named[key]
		if key == "traffic.replay" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(sc.Dir(), p))
		if err != nil {
			return nil, fmt.Errorf("distribute: %s: %w", key, err)
		}
		common = append(common, shardFile{rel: path.Join(dir, filepath.ToSlash(p)), data: b})
	}
	for i := range sf.each {
		sf.each[i] = append([]shardFile(nil), common...)
	}
	sf.shared = len(common)
	if p, ok := named["traffic.replay"]; ok {
		sf.replay = path.Join(dir, filepath.ToSlash(p))
		if err := sf.cutReplay(sc, n); err != nil {
			return nil, err
		}
	}
	return sf, nil
}

// cutReplay adds each shard's part of sc's trace (the whole trace for one
// shard).
func (sf *shardFiles) cutReplay(sc *scenarios.Scenario, n int) error {
	if n == 1 {
		b, err := os.ReadFile(sc.ReplayPath())
		if err != nil {
			return fmt.Errorf("distribute: traffic.replay: %w", err)
		}
		sf.each[0] = append(sf.each[0], shardFile{rel: sf.replay, data: b})
		return nil
	}
	bufs := make([]*closingBuffer, n)
	parts, err := storm.WriteReplayParts(sc, n, func(i int) (io.WriteCloser, error) {
		bufs[i] = &closingBuffer{}
		return bufs[i], nil
	})
	if err != nil {
		return fmt.Errorf("%w: distribute: %w", scenarios.ErrInvalid, err)
	}
	for i, b := range bufs {
		sf.each[i] = append(sf.each[i], shardFile{rel: sf.replay, data: b.Bytes()})
	}
	sf.parts = parts
	return nil
}

// largest is the size of the largest file of any shard.
func (sf *shardFiles) largest() int {
	m := 0
	for _, fs := range sf.each {
		for _, f := range fs {
			m = max(m, len(f.data))
		}
	}
	return m
}

// namedFiles are the files sc names relative to itself, by key.
func namedFiles(sc *scenarios.Scenario) map[string]string {
	m := map[string]string{}
	if sc.Traffic != nil && sc.Traffic.Replay != "" {
		m["traffic.replay"] = sc.Traffic.Replay
	}
	if f := sc.Callers.From; f != nil && f.File != "" {
		m["callers.from.file"] = f.File
	}
	if t := sc.SUT.TLS; t != nil {
		for key, p := range map[string]string{"sut.tls.ca": t.CA, "sut.tls.client_cert": t.ClientCert, "sut.tls.client_key": t.ClientKey} {
			if p != "" {
				m[key] = p
			}
		}
	}
	return m
}

// ups counts the leading ../ of a relative path.
func ups(p string) int {
	n := 0
	for _, part := range strings.Split(filepath.ToSlash(filepath.Clean(p)), "/") {
		if part != ".." {
			break
		}
		n++
	}
	return n
}

// closingBuffer is a bytes.Buffer that can be closed.
type closingBuffer struct{ bytes.Buffer }

func (*closingBuffer) Close() error { return nil }
