package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
)

// distributeLong is the help of distribute.
var distributeLong = `distribute runs SCENARIO's storm as N shards on an engine that already
exists: shard i of N sends only callers k with k mod N = i, every shard starts
at the same instant, and the shards' results merge into one report whose counts
equal what one machine running every caller would count (percentiles from the
merged histograms; see rehearse merge --help).

--engine swarm runs the shards as a Docker Swarm replicated job on the current
Docker engine (a swarm manager), waits for them, merges their results into
--out and removes what it started, also on Ctrl-C.

--engine k8s contacts no cluster unless --apply: it writes to --emit DIR the manifests of a
Kubernetes Indexed Job (ConfigMaps holding the scenario and the files it names,
a replay's trace cut so each shard gets only its own callers' part, and a Job
whose pod i runs rehearse attack --shard i/N) and DIR/README.md, the kubectl
commands that start the shards, wait, collect each shard's result from its log
and merge:

  kubectl create configmap <run id>-start --from-literal=start-at=<instant>
  kubectl apply -f DIR
  (wait until the Job is Complete or Failed: the loop is in DIR/README.md)
  kubectl logs <pod of shard i> > shard-i.log      (for each i: DIR/README.md)
  rehearse merge --from-logs --out merged shard-*.log

--apply does those steps itself through client-go, with kubectl's configuration
(KUBECONFIG, ~/.kube/config; --namespace, else its context's): it creates the
objects and the start (2 minutes ahead unless --start-at or --start-in), waits
until the Job is Complete or Failed (a failed shard fails it), keeps each
shard's log in --out/shards/, merges into --out (a shard that printed no
result is named, and the verdict is partial) and deletes what it created, also
on Ctrl-C.

With k8s, --target is the service as the pods reach it (a Service's
http://NAME.NAMESPACE.svc:PORT; default the scenario's sut.url), which needs
--allow-remote. The manifests hold no start instant: every shard reads it from
the ConfigMap <run id>-start, made as you apply them (--start-at or --start-in
write it beside them instead, as configmap-start.yaml). The Job is bounded
(activeDeadlineSeconds 2h, ttlSecondsAfterFinished 6h). The pods run the FROM
scratch image that make image builds (default rehearse/rehearse:<this
version>; push it where the nodes pull from, and name it with --image) as user
65532 on a read-only root, each with --cpu and --memory as its requests and limits.`

// distributeFlags are the flags of `rehearse distribute`, shared by its
// engines: each reads those it needs and refuses those it cannot use.
type distributeFlags struct {
	engine                       string
	shards                       int
	image, target, emit, startAt string
	startIn                      time.Duration
	cpu, memory                  string
	allowRemote                  bool
	out                          string
	allowPartial                 bool
	prometheusRW                 string       // passed to every shard
	metrics                      metricsFlags // swarm: the tasks' series federated at --metrics-addr
	namespace                    string       // k8s
	apply                        bool         // k8s: apply, wait, collect, merge
}

// distributeCmd is `rehearse distribute`: shards on an engine; the engines
// are distributeK8s (distribute_k8s.go) and distributeSwarm
// (distribute_swarm.go), both over package harness/distribute.
func (a *app) distributeCmd() *cobra.Command {
	var f distributeFlags
	c := &cobra.Command{
		Use:   "distribute --engine k8s|swarm --shards N [flags] SCENARIO",
		Short: "Run the storm as N shards on Docker Swarm, or write them as a Kubernetes Indexed Job",
		Long:  distributeLong,
		Example: `  # 8 pods against a Service in the cluster, starting 2 minutes from now:
  rehearse distribute --engine k8s --shards 8 --emit k8s/ \
    --target http://uploadsvc.staging.svc:8080 --allow-remote storm.yaml
  kubectl apply -f k8s/      # then follow k8s/README.md

  # the same, applied, waited for and merged by rehearse (your kubeconfig):
  rehearse distribute --engine k8s --shards 8 --emit k8s/ --apply --out merged/ \
    --target http://uploadsvc.staging.svc:8080 --allow-remote storm.yaml

  # your registry's image, a fixed start, bigger pods:
  rehearse distribute --engine k8s --shards 20 --emit k8s/ --image registry.example.com/rehearse:v1.4.0 \
    --start-at 2026-11-26T12:00:00Z --cpu 2 --memory 1Gi --target http://api.shop.svc --allow-remote storm.yaml

  # 3 tasks on this Docker's swarm, merged into out/:
  rehearse distribute --engine swarm --shards 3 --target http://127.0.0.1:8080 --out out/ storm.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch f.engine {
			case "k8s":
				return a.distributeK8s(cmd, &f, args)
			case "swarm":
				return a.distributeSwarm(cmd, &f, args)
			case "":
				return usage(cmd, errors.New("give --engine k8s (write an Indexed Job's manifests) or --engine swarm (run on this Docker's swarm)"))
			default:
				return usage(cmd, fmt.Errorf("--engine must be k8s or swarm, got %q", f.engine))
			}
		},
	}
	f.register(c)
	return c
}

func (f *distributeFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.engine, "engine", "", "where the shards run: k8s (write manifests to --emit) | swarm (run on this Docker's swarm)")
	fl.IntVar(&f.shards, "shards", 0, "how many shards (pods, tasks) split the callers (required)")
	fl.StringVar(&f.target, "target", "", "base URL of the service as the shards reach it (default the scenario's sut.url)")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow a target outside loopback (127.0.0.0/8, ::1): every Kubernetes target is")
	fl.StringVar(&f.image, "image", "", "the shards' image, rehearse as its entrypoint (k8s default "+distribute.DefaultShardImage("<version>")+", as make image tags it)")
	fl.StringVar(&f.startAt, "start-at", "", "the instant every shard starts (RFC 3339, e.g. 2026-11-26T12:00:00Z); one in the past is refused")
	fl.DurationVar(&f.startIn, "start-in", 0, "start the shards this long from now (k8s: written as configmap-start.yaml; default none: the start is made as you apply)")
	fl.StringVar(&f.emit, "emit", "", "k8s: the folder the manifests and their README.md are written to (required)")
	fl.StringVar(&f.cpu, "cpu", "", "each shard's CPU request and limit, as Kubernetes writes it (k8s default "+distribute.DefaultShardCPU+")")
	fl.StringVar(&f.memory, "memory", "", "each shard's memory request and limit, as Kubernetes writes it (k8s default "+distribute.DefaultShardMemory+")")
	fl.StringVar(&f.out, "out", "", "swarm, k8s --apply: the folder of the merged report (default ./rehearsals/<UTC timestamp>)")
	fl.StringVar(&f.prometheusRW, "prometheus-rw", "", "every shard pushes its live metrics (labelled shard=i/n) by Prometheus remote write to this URL, as it reaches it (default none)")
	fl.StringVar(&f.metrics.addr, "metrics-addr", "", "swarm: serve every task's live series (labelled shard=i/n) as Prometheus metrics at http://ADDR/metrics while they storm (default none)")
	fl.DurationVar(&f.metrics.linger, "metrics-linger", harness.DefaultMetricsLinger, "swarm: keep --metrics-addr up this long after the merge, so the last scrape sees the final counts")
	fl.StringVar(&f.namespace, "namespace", "", "k8s: the namespace of every object (default the kubeconfig context's with --apply; none written otherwise: kubectl's)")
	fl.BoolVar(&f.apply, "apply", false, "k8s: apply the manifests with your kubeconfig, wait for the shards, collect their logs and merge into --out (default: only write them)")
	fl.BoolVar(&f.allowPartial, "allow-partial", false, "no effect: a merge missing shards always writes its report, with verdict partial")
	_ = fl.MarkDeprecated("allow-partial", allowPartialGone) // the flag exists: no error
}

// startInstant is the shards' common start: --start-at, else --start-in
// (def when not given) from now. Both at once, a malformed or past
// --start-at and a negative --start-in are usage errors.
func (f *distributeFlags) startInstant(cmd *cobra.Command, now time.Time, def time.Duration) (time.Time, error) {
	switch {
	case f.startAt != "" && cmd.Flags().Changed("start-in"):
		return time.Time{}, usage(cmd, errors.New("--start-at and --start-in: give one"))
	case f.startIn < 0:
		return time.Time{}, usage(cmd, fmt.Errorf("--start-in must be > 0, got %s", f.startIn))
	case f.startAt == "" && f.startIn == 0:
		return now.Add(def), nil
	case f.startAt == "":
		return now.Add(f.startIn), nil
	}
	at, err := time.Parse(time.RFC3339, f.startAt)
	if err != nil {
		return time.Time{}, usage(cmd, fmt.Errorf("--start-at %q: want RFC 3339, e.g. 2026-11-26T12:00:00Z", f.startAt))
	}
	if !at.After(now) {
		return time.Time{}, usage(cmd, fmt.Errorf("--start-at %s is in the past (%s ago): the shards must wait for a future instant",
			f.startAt, now.Sub(at).Round(time.Second)))
	}
	return at, nil
}
