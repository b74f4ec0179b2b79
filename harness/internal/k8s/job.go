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
func newJob(sc Scenario, o Options) job {
	no := false
	pod := meta("", o.RunID, sc.Name)
	return job{
		APIVersion: "batch/v1",
		Kind:       "Job",
		Metadata:   meta(jobName(o.RunID), o.RunID, sc.Name),
		Spec: jobSpec{
			CompletionMode: "Indexed",
			Completions:    o.Shards,
			Parallelism:    o.Shards,
			BackoffLimit:   0,
			Template: podTemplate{
				Metadata: pod,
				Spec: podSpec{
					RestartPolicy:                "Never",
					AutomountServiceAccountToken: &no, // a shard never talks to the API server
					SecurityContext:              podSecurityContext{SeccompProfile: seccompProfile{Type: "RuntimeDefault"}},
					Containers:                   []container{shardContainer(o)},
					Volumes: []volume{
						{Name: scenarioVolume, ConfigMap: &configMapVolume{Name: configMapName(o.RunID)}},
						{Name: resultsVolume, EmptyDir: &struct{}{}},
					},
				},
			},
		},
	}
}

// shardContainer runs `rehearse attack` as shard $(JOB_COMPLETION_INDEX)
// of N, as a non-root user with nothing it does not need.
func shardContainer(o Options) container {
	res := map[string]string{"cpu": o.CPU, "memory": o.Memory}
	return container{
		Name:            ContainerName,
		Image:           o.Image,
		ImagePullPolicy: "IfNotPresent",
		Args:            ShardArgs(o),
		Env: []envVar{{
			Name:      IndexEnv,
			ValueFrom: envVarSource{FieldRef: fieldRef{FieldPath: "metadata.annotations['" + IndexAnnotation + "']"}},
		}},
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
// StartAt, write the result under ResultsDir and print it to the log.
func ShardArgs(o Options) []string {
	args := []string{"attack", "--target", o.Target}
	if o.AllowRemote {
		args = append(args, "--allow-remote")
	}
	return append(args,
		"--shard", "$("+IndexEnv+")/"+strconv.Itoa(o.Shards),
		"--start-at", o.StartAt.UTC().Format(time.RFC3339),
		"--out", ResultsDir,
		EmitResultFlag,
		ScenarioDir+"/"+ScenarioKey,
	)
}
