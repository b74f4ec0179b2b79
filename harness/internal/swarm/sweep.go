package swarm

import (
	"context"
	"errors"
	"time"

	"github.com/moby/moby/client"
)

// Sweep removes the services labelled Label (=runID when runID is set)
// created more than olderThan ago (any age when 0), their task containers,
// and the configs selected likewise, and returns how many services and
// configs went. An engine that is not a swarm manager has none: nothing is
// done. A run removes its own; Sweep is for what a killed one left.
func Sweep(ctx context.Context, runID string, olderThan time.Duration) (services, configs int, err error) {
	cli, err := connect(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer cli.Close()
	if requireManager(ctx, cli) != nil {
		return 0, 0, nil
	}
	label := Label
	if runID != "" {
		label += "=" + runID
	}
	f := make(client.Filters).Add("label", label)
	cutoff := time.Now().Add(-olderThan)
	old := func(t time.Time) bool { return olderThan <= 0 || t.Before(cutoff) }
	var errs []error
	svcs, err := cli.ServiceList(ctx, client.ServiceListOptions{Filters: f})
	errs = append(errs, err)
	for _, s := range svcs.Items {
		if old(s.CreatedAt) {
			errs = append(errs, (&objects{service: s.ID}).remove(ctx, cli))
			services++
		}
	}
	cfgs, err := cli.ConfigList(ctx, client.ConfigListOptions{Filters: f})
	errs = append(errs, err)
	for _, c := range cfgs.Items {
		if old(c.CreatedAt) {
			errs = append(errs, (&objects{configs: []string{c.ID}}).remove(ctx, cli))
			configs++
		}
	}
	return services, configs, errors.Join(errs...)
}
