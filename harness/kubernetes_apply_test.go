package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/rehearse-dev/rehearse/harness/internal/k8s"
	"github.com/rehearse-dev/rehearse/reports"
)

// shardFrames runs mergeScenario as 3 shards against a counting service,
// together, and returns each shard's result as its pod would print it
// (--emit-result), with the service's count of requests.
func shardFrames(t *testing.T) ([][]byte, int64) {
	t.Helper()
	svc := &tally{seen: map[string]int{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	at := time.Now().Add(500 * time.Millisecond)
	frames := make([][]byte, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		sc := parse(t, "sut: {url: \""+srv.URL+"\"}\n"+mergeScenario)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Run(t.Context(), sc, Options{Out: t.TempDir(), Shard: Shard{Index: i, Count: 3}, Version: "test", StartAt: at})
			if err != nil {
				errs[i] = err
				return
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "shard %d of 3 starting\n", i) // a log holds other lines around the frame
			errs[i] = EmitShard(&b, res.Dir)
			frames[i] = b.Bytes()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return frames, svc.requests
}

// jobController stands in for the cluster's Job controller on a fake
// clientset: once the Job exists it makes one pod per completion index,
// with the phase phase(i), and marks the Job Complete (Failed when a pod
// failed). It returns the start the shards would read.
func jobController(t *testing.T, cl *fake.Clientset, ns, runID string, phase func(int) corev1.PodPhase) <-chan string {
	start := make(chan string, 1)
	go func() {
		ctx := t.Context()
		var job *batchv1.Job
		for ctx.Err() == nil { // the fake answers at once: a short wait between looks
			j, err := cl.BatchV1().Jobs(ns).Get(ctx, runID, metav1.GetOptions{})
			if err == nil {
				job = j
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if job == nil {
			return
		}
		cm, err := cl.CoreV1().ConfigMaps(ns).Get(ctx, k8s.StartConfigMapName(runID), metav1.GetOptions{})
		if err == nil {
			start <- cm.Data[k8s.StartKey]
		}
		failed := false
		for i := range int(*job.Spec.Completions) {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d-x", runID, i), Namespace: ns,
				Labels: job.Spec.Template.Labels, Annotations: map[string]string{k8s.IndexAnnotation: fmt.Sprint(i)}},
				Status: corev1.PodStatus{Phase: phase(i)}}
			if p.Status.Phase == corev1.PodFailed {
				failed = true
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: k8s.ContainerName,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			}
			if _, err := cl.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
				t.Error(err)
			}
		}
		cond := batchv1.JobComplete
		if failed {
			cond = batchv1.JobFailed
		}
		job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{Type: cond, Status: corev1.ConditionTrue})
		if _, err := cl.BatchV1().Jobs(ns).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
			t.Error(err)
		}
	}()
	return start
}

// podLogs serves shard i's frame as the log of its pod (named
// <run>-<i>-x by jobController); failed pods print only a line.
func podLogs(frames [][]byte, failed int) func(context.Context, string, string) (io.ReadCloser, error) {
	return func(_ context.Context, _, pod string) (io.ReadCloser, error) {
		parts := strings.Split(pod, "-")
		i, err := strconv.Atoi(parts[len(parts)-2])
		if err != nil {
			return nil, fmt.Errorf("pod %s is not one jobController made", pod)
		}
		if i == failed {
			return io.NopCloser(strings.NewReader("rehearse: out of memory\n")), nil
		}
		return io.NopCloser(bytes.NewReader(frames[i])), nil
	}
}

// --apply on a cluster (client-go's fake clientset, a stand-in for the
// Job controller, the shards' real results as their logs): the objects
// are created in the manifests' namespace with the start made as they
// are applied, the merged counts equal the service's, and nothing of the
// run is left; a shard whose pod failed makes the merge partial and is
// named with its pod's end.
func TestApplyKubernetesOnAFakeCluster(t *testing.T) {
	frames, served := shardFrames(t)
	sc := parse(t, "sut: {url: \"http://uploadsvc.load.svc:8080\"}\n"+mergeScenario)
	for _, failed := range []int{-1, 2} {
		t.Run(fmt.Sprintf("failed=%d", failed), func(t *testing.T) {
			const runID, ns = "rh-20261206-apply", "load"
			dir := t.TempDir()
			m, err := EmitKubernetes(dir, sc, KubernetesOptions{RunID: runID, Shards: 3, AllowRemote: true, Version: "test", Namespace: ns})
			if err != nil {
				t.Fatal(err)
			}
			cl := fake.NewClientset()
			start := jobController(t, cl, ns, runID, func(i int) corev1.PodPhase {
				if i == failed {
					return corev1.PodFailed
				}
				return corev1.PodSucceeded
			})
			var lines []string
			out := t.TempDir()
			before := time.Now()
			res, err := ApplyKubernetes(t.Context(), sc, dir, m, KubernetesCluster{Client: cl, Namespace: "elsewhere"},
				KubernetesApplyOptions{Out: out, StartIn: time.Minute, Poll: 10 * time.Millisecond, Logs: podLogs(frames, failed),
					Logf: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }})
			checkApplied(t, res, err, failed, served, lines)
			at, perr := time.Parse(time.RFC3339, <-start)
			if perr != nil || at.Before(before.Add(time.Minute)) || at.After(time.Now().Add(time.Minute+2*time.Second)) {
				t.Errorf("start ConfigMap holds %v (%v), want about a minute after the apply", at, perr)
			}
			if b, err := os.ReadFile(filepath.Join(out, "shards", "shard-0.log")); err != nil || !bytes.Equal(b, frames[0]) {
				t.Errorf("shard 0's log not kept as its pod printed it (%v)", err)
			}
			noRunLeft(t, cl, ns, runID)
		})
	}
}

// checkApplied checks ApplyKubernetes's answer: whole and equal to the
// service's count, or partial and naming the failed pod.
func checkApplied(t *testing.T, res *Result, err error, failed int, served int64, lines []string) {
	t.Helper()
	if failed < 0 {
		if err != nil {
			t.Fatal(err)
		}
		if rep := res.Report; rep.Requests.Total != served || rep.Verdict != reports.VerdictPass || len(rep.Shards) != 3 {
			t.Fatalf("merged %d requests (service %d), verdict %s, %d shards", rep.Requests.Total, served, rep.Verdict, len(rep.Shards))
		}
		return
	}
	if res == nil || res.Report.Verdict != reports.VerdictPartial || !strings.Contains(reports.VerdictText(res.Report), "shard 2 of 3 never reported") {
		t.Fatalf("a failed shard: result %+v, error %v", res, err)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "shard 2 of 3: pod rh-20261206-apply-2-x Failed (exit 137: OOMKilled); last line: rehearse: out of memory") {
		t.Errorf("the failed pod is not named with its end:\n%s", strings.Join(lines, "\n"))
	}
}

// noRunLeft fails when a Job or ConfigMap of runID is still in ns.
func noRunLeft(t *testing.T, cl *fake.Clientset, ns, runID string) {
	t.Helper()
	sel := metav1.ListOptions{LabelSelector: k8s.RunLabel + "=" + runID}
	jobs, err1 := cl.BatchV1().Jobs(ns).List(context.Background(), sel)
	cms, err2 := cl.CoreV1().ConfigMaps(ns).List(context.Background(), sel)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items)+len(cms.Items) > 0 {
		t.Errorf("left on the cluster: %d Job(s), %d ConfigMap(s)", len(jobs.Items), len(cms.Items))
	}
	if all, _ := cl.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{}); len(all.Items) > 0 {
		t.Errorf("ConfigMaps without the run's label left: %v", all.Items[0].Name)
	}
}
