package k8s

import (
	_ "embed"
	"io"
	"text/template"
	"time"
)

// IndexLabel is the label the Job controller sets on pod i of an Indexed
// Job to i (Kubernetes 1.28 and later), to pick a shard's pod.
const IndexLabel = "batch.kubernetes.io/job-completion-index"

//go:embed readme.md.tmpl
var readmeText string

// readmeTemplate is the README written beside the manifests.
var readmeTemplate = template.Must(template.New("README.md").Parse(readmeText))

// readmeData is what the README names.
type readmeData struct {
	Scenario, Version, RunID, Job, ConfigMap, Image, Target, StartAt, Dir string
	Shards, LastIndex                                                     int
	RunLabel, IndexLabel, ResultsDir                                      string
	StartConfigMap, Namespace, NS, Deadline, TTL                          string
	Parts                                                                 bool
}

// writeReadme writes the README of the manifests in dir: what they hold,
// and the kubectl commands that start, wait for, collect and remove the
// shards, with `rehearse merge` between.
func writeReadme(w io.Writer, dir string, sc Scenario, o Options) error {
	d := readmeData{
		Scenario: sc.Name, Version: o.Version, RunID: o.RunID,
		Job: jobName(o.RunID), ConfigMap: configMapName(o.RunID),
		Image: o.Image, Target: o.Target, Dir: dir,
		StartConfigMap: StartConfigMapName(o.RunID), Namespace: o.Namespace,
		Deadline: o.Deadline.String(), TTL: o.TTL.String(), Parts: sc.Parts != nil,
		Shards: o.Shards, LastIndex: o.Shards - 1,
		RunLabel: RunLabel, IndexLabel: IndexLabel, ResultsDir: ResultsDir,
	}
	if !o.StartAt.IsZero() {
		d.StartAt = o.StartAt.UTC().Format(time.RFC3339)
	}
	if o.Namespace != "" {
		d.NS = " -n " + o.Namespace
	}
	return readmeTemplate.Execute(w, d)
}
