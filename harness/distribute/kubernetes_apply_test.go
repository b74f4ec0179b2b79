package distribute

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehearse-dev/rehearse/harness"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rehearse-dev/rehearse/harness/internal/harnesstest"
	"github.com/rehearse-dev/rehearse/harness/internal/k8s"
	"github.com/rehearse-dev/rehearse/internal/testenv"
	"github.com/rehearse-dev/rehearse/reports"
)

// shardFrames runs mergeScenario as 3 shards against a counting service,
// together, and returns each shard's result as its pod would print it
// (--emit-result), with the service's count of requests.
func shardFrames(t *testing.T) ([][]byte, int64) {
	t.Helper()
	svc := testenv.NewTally()
	srv := httptest.NewServer(svc)
	defer srv.Close()
	at := time.Now().Add(500 * time.Millisecond)
	frames := make([][]byte, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		sc := harnesstest.Scenario(t, "sut: {url: \""+srv.URL+"\"}\n"+mergeScenario)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := harness.Run(t.Context(), sc, harness.Options{Out: t.TempDir(), Shard: harness.Shard{Index: i, Count: 3}, Version: "test", StartAt: at})
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
	return frames, svc.Requests()
}

// fakeCluster is an API server that knows its own truth: the ConfigMaps,
// Jobs and pods it holds. It stands in for the Job controller too: a
// Job's pods appear (phase(i) for completion index i) when it is first
// looked at, and it is Complete (Failed when a pod failed) from the
// second look, so the apply must poll. Pod i's log is logs[i], or a line
// for a failed pod.
type fakeCluster struct {
	mu     sync.Mutex
	cms    map[string]corev1.ConfigMap // ns/name
	jobs   map[string]*batchv1.Job
	looks  map[string]int
	pods   map[string][]corev1.Pod // by job
	phase  func(int) corev1.PodPhase
	logs   [][]byte
	starts []string // start-at of every start ConfigMap created
}

func newFakeCluster(t *testing.T, phase func(int) corev1.PodPhase, logs [][]byte) *httptest.Server {
	f := &fakeCluster{cms: map[string]corev1.ConfigMap{}, jobs: map[string]*batchv1.Job{}, looks: map[string]int{},
		pods: map[string][]corev1.Pod{}, phase: phase, logs: logs}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

var fakePath = regexp.MustCompile(`^/(api/v1|apis/batch/v1)/namespaces/([^/]+)/([a-z]+)(?:/([^/]+))?(/log)?$`)

func (f *fakeCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := fakePath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		fakeStatus(w, http.StatusNotFound, "NotFound", r.URL.Path)
		return
	}
	ns, kind, name := m[2], m[3], m[4]
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && kind == "configmaps":
		var cm corev1.ConfigMap
		if json.NewDecoder(r.Body).Decode(&cm) != nil || cm.Name == "" {
			fakeStatus(w, http.StatusBadRequest, "BadRequest", "not a ConfigMap")
			return
		}
		f.cms[ns+"/"+cm.Name] = cm
		if at, ok := cm.Data[k8s.StartKey]; ok {
			f.starts = append(f.starts, at)
		}
		fakeJSON(w, http.StatusCreated, cm)
	case r.Method == http.MethodPost && kind == "jobs":
		var job batchv1.Job
		if json.NewDecoder(r.Body).Decode(&job) != nil || job.Spec.Completions == nil {
			fakeStatus(w, http.StatusBadRequest, "BadRequest", "not a Job")
			return
		}
		f.jobs[ns+"/"+job.Name] = &job
		fakeJSON(w, http.StatusCreated, job)
	case r.Method == http.MethodGet && kind == "jobs" && f.jobs[ns+"/"+name] != nil:
		fakeJSON(w, http.StatusOK, f.look(ns, name))
	case r.Method == http.MethodGet && kind == "pods" && name == "":
		var list corev1.PodList
		for _, pods := range f.pods {
			for _, p := range pods {
				if p.Namespace == ns && "rehearse.run="+p.Labels["rehearse.run"] == r.URL.Query().Get("labelSelector") {
					list.Items = append(list.Items, p)
				}
			}
		}
		fakeJSON(w, http.StatusOK, list)
	case r.Method == http.MethodGet && kind == "pods" && m[5] != "" && r.URL.Query().Get("container") == k8s.ContainerName:
		f.podLog(w, name)
	case r.Method == http.MethodDelete && kind == "jobs" && f.jobs[ns+"/"+name] != nil:
		delete(f.jobs, ns+"/"+name)
		delete(f.pods, ns+"/"+name) // propagationPolicy=Background: the pods go too
		fakeStatus(w, http.StatusOK, "", "")
	case r.Method == http.MethodDelete && kind == "configmaps":
		if _, ok := f.cms[ns+"/"+name]; !ok {
			fakeStatus(w, http.StatusNotFound, "NotFound", name)
			return
		}
		delete(f.cms, ns+"/"+name)
		fakeStatus(w, http.StatusOK, "", "")
	default:
		fakeStatus(w, http.StatusNotFound, "NotFound", r.Method+" "+r.URL.Path)
	}
}

// look is the Job ns/name as the controller has made it by this look.
func (f *fakeCluster) look(ns, name string) *batchv1.Job {
	key := ns + "/" + name
	job := f.jobs[key]
	f.looks[key]++
	switch f.looks[key] {
	case 1:
		for i := range int(*job.Spec.Completions) {
			p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d-x", name, i), Namespace: ns,
				Labels: job.Spec.Template.Labels, Annotations: map[string]string{k8s.IndexAnnotation: strconv.Itoa(i)}},
				Status: corev1.PodStatus{Phase: f.phase(i)}}
			if p.Status.Phase == corev1.PodFailed {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: k8s.ContainerName,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			}
			f.pods[key] = append(f.pods[key], p)
		}
	case 2:
		cond := batchv1.JobComplete
		for _, p := range f.pods[key] {
			if p.Status.Phase == corev1.PodFailed {
				cond = batchv1.JobFailed
			}
		}
		job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{Type: cond, Status: corev1.ConditionTrue})
	}
	return job
}

// podLog serves pod name's log: its shard's frame, or a line when it
// failed.
func (f *fakeCluster) podLog(w http.ResponseWriter, name string) {
	for _, pods := range f.pods {
		for _, p := range pods {
			if p.Name != name {
				continue
			}
			i, _ := strconv.Atoi(p.Annotations[k8s.IndexAnnotation])
			if p.Status.Phase == corev1.PodFailed {
				_, _ = io.WriteString(w, "rehearse: out of memory\n")
				return
			}
			_, _ = w.Write(f.logs[i])
			return
		}
	}
	fakeStatus(w, http.StatusNotFound, "NotFound", "pod "+name)
}

// held is what the cluster still holds: ConfigMaps, Jobs, pods.
func (f *fakeCluster) held() (int, int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.pods {
		n += len(p)
	}
	return len(f.cms), len(f.jobs), n
}

func fakeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func fakeStatus(w http.ResponseWriter, code int, reason, msg string) {
	fakeJSON(w, code, metav1.Status{Status: "Failure", Reason: metav1.StatusReason(reason), Message: msg, Code: int32(code)})
}

// --apply against an API server that knows what it holds (with a stand-in
// for the Job controller, the shards' real results as their pods'
// logs): the objects are created in the manifests' namespace with the
// start made as they are applied, the Job is polled until it ends, the
// merged counts equal the service's, and nothing of the run is left; a
// shard whose pod failed makes the merge partial and is named with its
// pod's end.
func TestApplyKubernetesOnAFakeCluster(t *testing.T) {
	frames, served := shardFrames(t)
	sc := harnesstest.Scenario(t, "sut: {url: \"http://uploadsvc.load.svc:8080\"}\n"+mergeScenario)
	for _, failed := range []int{-1, 2} {
		t.Run(fmt.Sprintf("failed=%d", failed), func(t *testing.T) {
			const runID = "rh-20261206-apply"
			dir := t.TempDir()
			m, err := EmitKubernetes(dir, sc, KubernetesOptions{RunID: runID, Shards: 3, AllowRemote: true, Version: "test", Namespace: "load"})
			if err != nil {
				t.Fatal(err)
			}
			srv := newFakeCluster(t, func(i int) corev1.PodPhase {
				if i == failed {
					return corev1.PodFailed
				}
				return corev1.PodSucceeded
			}, frames)
			fc := srv.Config.Handler.(*fakeCluster)
			cl, err := KubernetesClusterAt(srv.URL, "elsewhere")
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			out := t.TempDir()
			before := time.Now()
			res, err := ApplyKubernetes(t.Context(), sc, dir, m, cl, KubernetesApplyOptions{Out: out, StartIn: time.Minute, Poll: 10 * time.Millisecond,
				Logf: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }})
			checkApplied(t, res, err, failed, served, lines)
			if len(fc.starts) != 1 {
				t.Fatalf("%d start ConfigMaps made, want 1", len(fc.starts))
			}
			at, perr := time.Parse(time.RFC3339, fc.starts[0])
			if perr != nil || at.Before(before.Add(time.Minute)) || at.After(time.Now().Add(time.Minute+2*time.Second)) {
				t.Errorf("start ConfigMap holds %v (%v), want about a minute after the apply", at, perr)
			}
			if fc.looks["load/"+runID] < 2 {
				t.Errorf("the Job was looked at %d times: it ended only at the second", fc.looks["load/"+runID])
			}
			if b, err := os.ReadFile(filepath.Join(out, "shards", "shard-0.log")); err != nil || !bytes.Equal(b, frames[0]) {
				t.Errorf("shard 0's log not kept as its pod printed it (%v)", err)
			}
			if cms, jobs, pods := fc.held(); cms+jobs+pods > 0 {
				t.Errorf("left on the cluster: %d ConfigMap(s), %d Job(s), %d pod(s)", cms, jobs, pods)
			}
		})
	}
}

// checkApplied checks ApplyKubernetes's answer: whole and equal to the
// service's count, or partial and naming the failed pod.
func checkApplied(t *testing.T, res *harness.Result, err error, failed int, served int64, lines []string) {
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
