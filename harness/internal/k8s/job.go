package k8s

import (
	"strconv"
	"time"
)

// Names and paths the manifests, the README and the tests share.
const (
	// RunLabel labels both objects and every pod with the run id.
	RunLabel = "rehearse.run"
	// ScenarioAnnotation names the scenario on both objects.
	ScenarioAnnotation = "rehearse.scenario"
	// IndexEnv is the shard index inside the pod, from IndexAnnotation;
	// the container's args expand it as $(JOB_COMPLETION_INDEX).
	IndexEnv = "JOB_COMPLETION_INDEX"
	// IndexAnnotation is the annotation the Job controller sets on pod i
	// of an Indexed Job to i.
	IndexAnnotation = "batch.kubernetes.io/job-completion-index"
	// ScenarioKey is the ConfigMap key of the scenario file.
	ScenarioKey = "scenario.yaml"
	// ScenarioDir is where the ConfigMap is mounted, read-only.
	ScenarioDir = "/scenario"
	// ResultsDir is the shard's --out: an emptyDir, the image's root file
	// system being read-only.
	ResultsDir = "/results"
	// UID is the user and group the shards run as: the image's USER
	// 65532:65532 (nonroot), never root.
	UID = 65532
	// ContainerName is the shard's container in each pod.
	ContainerName = "shard"
)

// The volumes of the pod.
const (
	scenarioVolume = "scenario"
	resultsVolume  = "results"
)

// jobName and configMapName name the objects of run id.
func jobName(runID string) string       { return runID }
func configMapName(runID string) string { return runID + "-scenario" }

// meta is the metadata of a top-level object of o: meta, in o.Namespace.
func (o Options) meta(name, scenario string) objectMeta {
	m := meta(name, o.RunID, scenario)
	m.Namespace = o.Namespace
	return m
}

// meta is the metadata both objects and the pods carry.
func meta(name, runID, scenario string) objectMeta {
	return objectMeta{
		Name:        name,
		Labels:      map[string]string{RunLabel: runID},
		Annotations: map[string]string{ScenarioAnnotation: scenario},
	}
}

// newJob is the Indexed Job of o (with defaults): N pods, pod i running
// shard i/N, none retried.
func newJob(sc Scenario, o Options, files volume) job {
	no := false
	pod := meta("", o.RunID, sc.Name)
	if o.MetricsPort > 0 {
		// Prometheus's pod discovery (the common relabelling) scrapes these.
		pod.Annotations["prometheus.io/scrape"] = "true"
		pod.Annotations["prometheus.io/port"] = strconv.Itoa(o.MetricsPort)
		pod.Annotations["prometheus.io/path"] = "/metrics"
	}
	return job{
		APIVersion: "batch/v1",
		Kind:       "Job",
		Metadata:   o.meta(jobName(o.RunID), sc.Name),
		Spec: jobSpec{
			CompletionMode:          "Indexed",
			Completions:             o.Shards,
			Parallelism:             o.Shards,
			BackoffLimit:            0,
			ActiveDeadlineSeconds:   int64(o.Deadline / time.Second),
			TTLSecondsAfterFinished: int32(o.TTL / time.Second),
			Template: podTemplate{
				Metadata: pod,
				Spec: podSpec{
					RestartPolicy:                "Never",
					AutomountServiceAccountToken: &no, // a shard never talks to the API server
					SecurityContext:              podSecurityContext{SeccompProfile: seccompProfile{Type: "RuntimeDefault"}},
					Containers:                   []container{shardContainer(sc, o)},
					Volumes:                      []volume{files, {Name: resultsVolume, EmptyDir: &struct{}{}}},
				},
			},
		},
	}
}

// shardContainer runs `rehearse attack` as shard $(JOB_COMPLETION_INDEX)
// of N, as a non-root user with nothing it does not need.
func shardContainer(sc Scenario, o Options) container {
	res := map[string]string{"cpu": o.CPU, "memory": o.Memory}
	var ports []containerPort
	if o.MetricsPort > 0 {
		ports = []containerPort{{Name: "metrics", ContainerPort: o.MetricsPort}}
	}
	return container{
		Name:            ContainerName,
		Image:           o.Image,
		ImagePullPolicy: "IfNotPresent",
		Args:            ShardArgs(sc, o),
		Env: []envVar{{
			Name:      IndexEnv,
			ValueFrom: envVarSource{FieldRef: &fieldRef{FieldPath: "metadata.annotations['" + IndexAnnotation + "']"}},
		}, {
			Name:      StartEnv,
			ValueFrom: envVarSource{ConfigMapKeyRef: &configMapKeyRef{Name: StartConfigMapName(o.RunID), Key: StartKey}},
		}},
		Ports:     ports,
		Resources: resources{Requests: res, Limits: res},
		VolumeMounts: []volumeMount{
			{Name: scenarioVolume, MountPath: ScenarioDir, ReadOnly: true},
			{Name: resultsVolume, MountPath: ResultsDir},
		},
		SecurityContext: containerSecurity{
			RunAsNonRoot:             true,
			RunAsUser:                UID,
			RunAsGroup:               UID,
			ReadOnlyRootFilesystem:   true,
			AllowPrivilegeEscalation: false,
			Capabilities:             capabilities{Drop: []string{"ALL"}},
		},
	}
}

// EmitResultFlag is attack's flag that prints the shard's result to stdout,
// framed, so `kubectl logs` can carry it out of a finished pod.
const EmitResultFlag = "--emit-result"

// ShardArgs is the command line of every shard (the image's entrypoint is
// rehearse): attack the target as shard $(JOB_COMPLETION_INDEX)/N from
// the instant in the start ConfigMap, write the result under ResultsDir
// and print it to the log.
func ShardArgs(sc Scenario, o Options) []string {
	args := []string{"attack", "--target", o.Target}
	if o.AllowRemote || o.MetricsPort > 0 {
		args = append(args, "--allow-remote") // the metrics listen on the pod's IP
	}
	args = append(args,
		"--shard", "$("+IndexEnv+")/"+strconv.Itoa(o.Shards),
		"--start-at", "$("+StartEnv+")",
		"--out", ResultsDir,
		EmitResultFlag)
	if o.PrometheusRW != "" {
		args = append(args, "--prometheus-rw", o.PrometheusRW)
	}
	if o.MetricsPort > 0 {
		args = append(args, "--metrics-addr", ":"+strconv.Itoa(o.MetricsPort), "--metrics-linger", "0s")
	}
	return append(args, ScenarioArg(sc))
}
