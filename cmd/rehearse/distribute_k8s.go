package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/distribute"
	"github.com/rehearse-dev/rehearse/internal/errext"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// distributeK8s is `rehearse distribute --engine k8s`: it writes the
// manifests and their README to --emit and prints what to run next. It
// contacts no cluster, so everything it refuses is a usage error (exit 2),
// and a folder it cannot write is an environment error (exit 3).
func (a *app) distributeK8s(cmd *cobra.Command, f *distributeFlags, args []string) error {
	sc, err := a.k8sScenario(cmd, f, args)
	if err != nil {
		return err
	}
	now := time.Now()
	var at time.Time
	if f.startAt != "" || cmd.Flags().Changed("start-in") {
		// Only when asked: the manifests stay reusable, their start made
		// as they are applied.
		if at, err = f.startInstant(cmd, now, distribute.DefaultKubernetesStartIn); err != nil {
			return err
		}
	}
	o := distribute.KubernetesOptions{
		RunID: harness.NewRunID(now), Shards: f.shards, Image: f.image, Version: buildVersion(),
		Target: f.target, AllowRemote: f.allowRemote, StartAt: at, Now: now, CPU: f.cpu, Memory: f.memory,
		Namespace: f.namespace, PrometheusRW: f.prometheusRW,
	}
	m, err := distribute.EmitKubernetes(f.emit, sc, o)
	if errors.Is(err, distribute.ErrKubernetesOptions) || errors.Is(err, harness.ErrRemoteTarget) {
		return usage(cmd, err)
	}
	if err != nil {
		return err
	}
	a.warn(asRun(sc, o.Target, nil))
	if f.apply {
		return a.applyK8s(cmd, f, sc, m)
	}
	return a.printK8sNext(f, sc, m, now)
}

// applyK8s is --apply: the manifests just written, applied to the
// cluster of the user's kubeconfig (distribute.ApplyKubernetes), waited for,
// their shards' logs kept and merged into --out. No configured cluster,
// or one that does not answer, is an environment error (exit 3).
func (a *app) applyK8s(cmd *cobra.Command, f *distributeFlags, sc *scenarios.Scenario, m *distribute.KubernetesManifests) error {
	cl, err := distribute.ConnectKubernetes("")
	if err != nil {
		return err
	}
	if f.namespace != "" {
		cl.Namespace = f.namespace
	}
	out := f.out
	if out == "" {
		out = harness.DefaultOut(time.Now())
	}
	ctx := cmd.Context()
	a.setRunID(m.RunID)
	defer a.setRunID("")
	a.logf("run id %s, output %s", m.RunID, out)
	res, err := distribute.ApplyKubernetes(ctx, sc, f.emit, m, cl, distribute.KubernetesApplyOptions{
		Out: out, StartIn: distribute.DefaultKubernetesStartIn, Logf: a.logf})
	return a.mergedOutcome(ctx, sc, res, err)
}

// k8sScenario checks the flags k8s needs and refuses those it cannot use,
// then loads the one scenario and checks its target's form.
func (a *app) k8sScenario(cmd *cobra.Command, f *distributeFlags, args []string) (*scenarios.Scenario, error) {
	switch {
	case f.emit == "":
		return nil, usage(cmd, errors.New("--engine k8s writes manifests: give --emit DIR (it contacts no cluster)"))
	case f.shards < 1:
		return nil, usage(cmd, fmt.Errorf("give --shards N, N >= 1 (got %d)", f.shards))
	case f.out != "" && !f.apply:
		return nil, usage(cmd, errors.New("--out is where --apply merges; without it, rehearse merge takes it (see --emit DIR/README.md)"))
	case f.prometheusRW != "" && harness.CheckRemoteWrite(f.prometheusRW) != nil:
		return nil, usage(cmd, harness.CheckRemoteWrite(f.prometheusRW))
	}
	scs, err := loadScenarios(args, 1)
	if err != nil {
		return nil, err
	}
	if len(scs) != 1 {
		return nil, usage(cmd, fmt.Errorf("%s holds %d scenarios; distribute runs one", args[0], len(scs)))
	}
	sc := scs[0]
	target, what := f.target, "--target"
	if target == "" {
		target, what = sc.SUT.URL, sc.Name+": sut.url"
	}
	if target == "" {
		return nil, usage(cmd, errors.New("give --target URL: the service as the pods reach it, e.g. http://uploadsvc.staging.svc:8080 (the scenario has no sut.url)"))
	}
	if _, err := parseTarget(target); err != nil {
		return nil, usage(cmd, errext.WithHint(fmt.Errorf("malformed %s %q: %w", what, target, err),
			"give the service's base URL as the pods reach it, e.g. http://uploadsvc.staging.svc:8080"))
	}
	return sc, nil
}

// printK8sNext says what was written and the commands that come next; the
// README beside the manifests has all of them.
func (a *app) printK8sNext(f *distributeFlags, sc *scenarios.Scenario, m *distribute.KubernetesManifests, now time.Time) error {
	readme := m.Files[len(m.Files)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "wrote %s\n", strings.Join(m.Files, ", "))
	ns := ""
	if m.Namespace != "" {
		ns = " -n " + m.Namespace
	}
	if m.StartAt.IsZero() {
		fmt.Fprintf(&b, "%s as %d shards: Job %s, image %s, starting at the instant ConfigMap %s holds\n", sc.Name, f.shards, m.Job, m.Image, m.StartConfigMap)
		fmt.Fprintf(&b, "\nnext (%s has every step):\n", readme)
		fmt.Fprintf(&b, "  kubectl create configmap %s%s --from-literal=start-at=$(date -u -d '+2 minutes' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n", m.StartConfigMap, ns)
	} else {
		fmt.Fprintf(&b, "%s as %d shards: Job %s, image %s, starting at %s (in %s)\n",
			sc.Name, f.shards, m.Job, m.Image, m.StartAt.Format(time.RFC3339), m.StartAt.Sub(now).Truncate(time.Second))
		fmt.Fprintf(&b, "\nnext, before %s (%s has every step):\n", m.StartAt.Format(time.RFC3339), readme)
	}
	fmt.Fprintf(&b, "  kubectl apply -f %s\n", f.emit)
	fmt.Fprintf(&b, "  wait until job/%s is Complete or Failed (the loop is in %s)\n", m.Job, readme)
	fmt.Fprintf(&b, "  kubectl logs <pod of shard i> > shard-i.log   for i in 0..%d (the loop is in %s)\n", f.shards-1, readme)
	fmt.Fprintf(&b, "  rehearse merge --from-logs --out merged shard-*.log\n")
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}
