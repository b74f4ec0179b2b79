package k8sapply

import (
	"context"
	"errors"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/rehearse-dev/rehearse/harness/internal/k8s"
)

// createdObjects are the objects Run made, to delete when it returns:
// a rehearsal leaves nothing behind, on a cluster as on Docker (the Job's
// ttlSecondsAfterFinished is the net under a rehearse that was killed).
type createdObjects struct {
	cl    *Client
	runID string
	cms   []nsName
	jobs  []nsName
}

type nsName struct{ ns, name string }

func (c *createdObjects) configMap(ctx context.Context, ns string, cm *corev1.ConfigMap) error {
	cm.Namespace = ns
	if err := c.cl.createConfigMap(ctx, ns, cm); err != nil {
		return fmt.Errorf("create configmap/%s in %s: %w", cm.Name, ns, err)
	}
	c.cms = append(c.cms, nsName{ns, cm.Name})
	return nil
}

func (c *createdObjects) job(ctx context.Context, ns string, job *batchv1.Job) error {
	job.Namespace = ns
	if err := c.cl.createJob(ctx, ns, job); err != nil {
		return fmt.Errorf("create job/%s in %s: %w", job.Name, ns, err)
	}
	c.jobs = append(c.jobs, nsName{ns, job.Name})
	return nil
}

// delete removes the Job with its pods (their logs are read by then) and
// the ConfigMaps, on a context of its own: after Ctrl-C too.
func (c *createdObjects) delete(logf func(string, ...any)) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, j := range c.jobs {
		errs = append(errs, c.cl.deleteJob(ctx, j.ns, j.name))
	}
	for _, cm := range c.cms {
		errs = append(errs, c.cl.deleteConfigMap(ctx, cm.ns, cm.name))
	}
	if err := errors.Join(errs...); err != nil {
		logf("could not delete everything this run made (kubectl delete job,configmap -l %s=%s): %v", k8s.RunLabel, c.runID, err)
	}
}
