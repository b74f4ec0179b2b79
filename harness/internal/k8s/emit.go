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
	// Job and ConfigMap are the objects' names.
	Job, ConfigMap string
	// Image is the shards' image, StartAt their common start (UTC, to the
	// second).
	Image   string
	StartAt time.Time
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
	if !utf8.Valid(sc.Source) {
		return nil, fmt.Errorf("%w: scenario %s is not UTF-8 text", ErrInvalid, sc.Name)
	}
	if err := checkFolder(dir); err != nil {
		return nil, err
	}
	header := fmt.Sprintf("# rehearse %s, run %s: scenario %s as %d shards from %s. See %s beside this file.\n",
		o.Version, o.RunID, sc.Name, o.Shards, o.StartAt.Format(time.RFC3339), ReadmeFile)
	cm, err := manifest(header, newConfigMap(sc, o))
	if err != nil {
		return nil, err
	}
	jb, err := manifest(header, newJob(sc, o))
	if err != nil {
		return nil, err
	}
	var readme bytes.Buffer
	if err := writeReadme(&readme, dir, sc, o); err != nil {
		return nil, fmt.Errorf("write %s: %w", ReadmeFile, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	out := &Emitted{Job: jobName(o.RunID), ConfigMap: configMapName(o.RunID), Image: o.Image, StartAt: o.StartAt}
	for _, f := range []struct {
		name string
		data []byte
	}{{ConfigMapFile, cm}, {JobFile, jb}, {ReadmeFile, readme.Bytes()}} {
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
		if (ext == ".yaml" || ext == ".yml" || ext == ".json") && e.Name() != ConfigMapFile && e.Name() != JobFile {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		return fmt.Errorf("%w: %s holds %s, which `kubectl apply -f %s` would apply too", ErrForeignManifests, dir, strings.Join(foreign, ", "), dir)
	}
	return nil
}
