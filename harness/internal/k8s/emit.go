package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// The files Emit writes. kubectl applies a folder's .yaml files in name
// order, so the ConfigMap exists before the Job's pods look for it.
const (
	ConfigMapFile = "configmap.yaml"
	StartFile     = "configmap-start.yaml" // only with Options.StartAt
	JobFile       = "job.yaml"
	ReadmeFile    = "README.md"
)

// ErrForeignManifests means the folder holds manifests Emit did not write,
// which `kubectl apply -f DIR` would apply along with the shards.
var ErrForeignManifests = errors.New("folder holds other manifests")

// Emitted is what Emit wrote.
type Emitted struct {
	// Files are the paths written: the ConfigMap, the Job, the README.
	Files []string
	// RunID and Shards are Options'.
	RunID  string
	Shards int
	// Job and ConfigMap are the objects' names.
	Job, ConfigMap string
	// Image is the shards' image, StartAt their common start (UTC, to the
	// second) when one was given (zero: set as they are applied).
	Image   string
	StartAt time.Time
	// StartConfigMap is the ConfigMap the shards read their start from;
	// Namespace the objects' namespace ("" when none was written).
	StartConfigMap, Namespace string
}

// Emit writes into dir (created when missing) the ConfigMap holding sc, the
// Indexed Job running its N shards and a README.md with the kubectl
// commands that start, wait for, collect and merge them; a second Emit into
// the same dir replaces these three files. It writes nothing when an option
// is unusable (every problem at once, each matching ErrInvalid) or when dir
// holds other .yaml, .yml or .json files (ErrForeignManifests).
func Emit(dir string, sc Scenario, o Options) (*Emitted, error) {
	o = o.withDefaults()
	if err := o.validate(sc); err != nil {
		return nil, err
	}
	if !utf8.Valid(sc.Source) && sc.Path == "" {
		return nil, fmt.Errorf("%w: scenario %s is not UTF-8 text", ErrInvalid, sc.Name)
	}
	if err := checkFolder(dir); err != nil {
		return nil, err
	}
	header := fmt.Sprintf("# rehearse %s, run %s: scenario %s as %d shards. See %s beside this file.\n",
		o.Version, o.RunID, sc.Name, o.Shards, ReadmeFile)
	cms, files, err := configMaps(sc, o)
	if err != nil {
		return nil, err
	}
	var cm []byte
	for i, c := range cms {
		b, err := manifest(header, c)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append([]byte("---\n"), b[len(header):]...)
		}
		cm = append(cm, b...)
	}
	jb, err := manifest(header, newJob(sc, o, files))
	if err != nil {
		return nil, err
	}
	written := []struct {
		name string
		data []byte
	}{{ConfigMapFile, cm}, {JobFile, jb}}
	if !o.StartAt.IsZero() {
		st, err := manifest(header, newStartConfigMap(sc, o, o.StartAt))
		if err != nil {
			return nil, err
		}
		written = append(written[:1], append([]struct {
			name string
			data []byte
		}{{StartFile, st}}, written[1:]...)...)
	}
	var readme bytes.Buffer
	if err := writeReadme(&readme, dir, sc, o); err != nil {
		return nil, fmt.Errorf("write %s: %w", ReadmeFile, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	out := &Emitted{RunID: o.RunID, Shards: o.Shards, Job: jobName(o.RunID), ConfigMap: configMapName(o.RunID), Image: o.Image, StartAt: o.StartAt,
		StartConfigMap: StartConfigMapName(o.RunID), Namespace: o.Namespace}
	for _, f := range append(written, struct {
		name string
		data []byte
	}{ReadmeFile, readme.Bytes()}) {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return out, fmt.Errorf("write %s: %w", p, err)
		}
		out.Files = append(out.Files, p)
	}
	return out, nil
}

// manifest is obj as YAML after a comment header.
func manifest(header string, obj any) ([]byte, error) {
	y, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	return append([]byte(header), y...), nil
}

// checkFolder refuses a dir holding manifests Emit does not write; a
// missing dir is fine.
func checkFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	var foreign []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if (ext == ".yaml" || ext == ".yml" || ext == ".json") && e.Name() != ConfigMapFile && e.Name() != JobFile && e.Name() != StartFile {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		return fmt.Errorf("%w: %s holds %s, which `kubectl apply -f %s` would apply too", ErrForeignManifests, dir, strings.Join(foreign, ", "), dir)
	}
	return nil
}
