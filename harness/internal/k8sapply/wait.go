package k8sapply

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/rehearse-dev/rehearse/harness/internal/k8s"
)

// waitJob looks at job name every o.Poll until it is Complete or Failed
// (a shard that failed fails it: backoffLimit 0), o.Wait passed or ctx
// ended. It polls rather than watches: a watch can end without a word
// and must be made again, a Get cannot.
func waitJob(ctx context.Context, cl *Client, ns, name string, o Options) error {
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	for {
		job, err := cl.getJob(ctx, ns, name)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("job/%s: %w", name, err)
		}
		if err == nil {
			if c, ok := ended(job); ok {
				o.Logf("job/%s %s: %d succeeded, %d failed", name, c, job.Status.Succeeded, job.Status.Failed)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("job/%s did not end within %s", name, o.Wait)
			}
			return fmt.Errorf("job/%s: %w", name, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// ended says whether job reached a terminal condition, and which.
func ended(job *batchv1.Job) (batchv1.JobConditionType, bool) {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// shards lists the run's pods and reads each one's log, by completion
// index; when a shard has several pods (one replaced), the last one's.
func shards(ctx context.Context, cl *Client, ns string, o Options) ([]Shard, error) {
	pods, err := cl.listPods(ctx, ns, k8s.RunLabel+"="+o.RunID)
	if err != nil {
		return nil, fmt.Errorf("pods of %s: %w", o.RunID, err)
	}
	out := make([]Shard, o.Shards)
	for i := range out {
		out[i].Index = i
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		k, ok := indexOf(p)
		if !ok || k < 0 || k >= o.Shards {
			continue
		}
		if s := &out[k]; s.Pod == "" || s.created.Before(&p.CreationTimestamp) {
			*s = Shard{Index: k, Pod: p.Name, Phase: string(p.Status.Phase), Reason: reason(p), created: p.CreationTimestamp}
		}
	}
	for i := range out {
		if out[i].Pod != "" {
			out[i].Log, out[i].LogErr = readLog(ctx, cl, ns, out[i].Pod)
		}
	}
	return out, nil
}

// readLog is pod's log: its shard container's.
func readLog(ctx context.Context, cl *Client, ns, pod string) ([]byte, error) {
	rc, err := cl.podLog(ctx, ns, pod, k8s.ContainerName)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// reason is what the cluster says of a pod that did not succeed: its
// container's termination or waiting reason, else the pod's.
func reason(p *corev1.Pod) string {
	for _, c := range p.Status.ContainerStatuses {
		if t := c.State.Terminated; t != nil && t.ExitCode != 0 {
			return strings.TrimSpace(fmt.Sprintf("exit %d: %s %s", t.ExitCode, t.Reason, t.Message))
		}
		if w := c.State.Waiting; w != nil {
			return strings.TrimSpace(w.Reason + " " + w.Message)
		}
	}
	return p.Status.Reason
}
