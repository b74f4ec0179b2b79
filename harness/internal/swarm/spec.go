package swarm

import (
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/swarm"
)

// hostNetwork is Swarm's predefined network that puts a task on the
// node's own network stack: shards reach a target on the node's loopback.
const hostNetwork = "host"

// slotTemplate renders a task's slot, 0..n-1. Swarm's {{.Task.Slot}}
// alone renders slot 0 as the node's id (its fallback for tasks without a
// slot, as in global services), hence the comparison.
const slotTemplate = "{{if eq .Task.Slot .Node.ID}}0{{else}}{{.Task.Slot}}{{end}}"

// serviceSpec is the service of job: a replicated job of job.Tasks tasks,
// all running at once, none restarted, on the host network, with
// SlotEnv=<slot> and each file's config (configIDs, in job.files' order)
// mounted read-only at its path, a tmpfs at job.Scratch. The service, its task containers and the
// config carry Label=job.RunID.
func serviceSpec(job Job, configIDs []string) swarm.ServiceSpec {
	n := uint64(job.Tasks)
	labels := map[string]string{Label: job.RunID}
	cs := &swarm.ContainerSpec{
		Image:  job.Image,
		Labels: labels,
		Args:   job.Args,
		Env:    append([]string{SlotEnv + "=" + slotTemplate}, job.Env...),
	}
	for i, f := range job.files() {
		if i >= len(configIDs) {
			break
		}
		cs.Configs = append(cs.Configs, &swarm.ConfigReference{
			ConfigID: configIDs[i], ConfigName: configName(job.RunID, i),
			File: &swarm.ConfigReferenceFileTarget{Name: f.Path, UID: "0", GID: "0", Mode: 0o444},
		})
	}
	if job.Scratch != "" {
		cs.Mounts = []mount.Mount{{Type: mount.TypeTmpfs, Target: job.Scratch, TmpfsOptions: &mount.TmpfsOptions{Mode: 0o1777}}}
	}
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: job.RunID, Labels: labels},
		Mode:        swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: &n, TotalCompletions: &n}},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: cs,
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
			Networks:      []swarm.NetworkAttachmentConfig{{Target: hostNetwork}},
		},
	}
	if job.NanoCPUs > 0 || job.MemoryBytes > 0 {
		spec.TaskTemplate.Resources = &swarm.ResourceRequirements{
			Limits:       &swarm.Limit{NanoCPUs: job.NanoCPUs, MemoryBytes: job.MemoryBytes},
			Reservations: &swarm.Resources{NanoCPUs: job.NanoCPUs, MemoryBytes: job.MemoryBytes},
		}
	}
	return spec
}
