package sutrun

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/reports"
)

// Fault applies action (kill | stop | start | restart | pause | unpause) to
// target (sut = every replica, lb, or replica-N) and records an event.
func (d *Deployment) Fault(ctx context.Context, action, target string) error {
	units, err := d.targets(target)
	if err != nil {
		return err
	}
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: reports.EventFault, Container: target, Detail: action + " " + target})
	var errs []error
	for _, u := range units {
		if action == "stop" {
			d.expect(u.name())
		}
		errs = append(errs, u.act(ctx, action))
	}
	return errors.Join(errs...)
}

func (d *Deployment) targets(target string) ([]unit, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case target == vocab.FaultTargetSUT:
		return append([]unit{}, d.replicas...), nil
	case target == vocab.FaultTargetLB:
		if d.lb == nil {
			return nil, errors.New("fault target lb: this SUT has no lb (replicas: 1)")
		}
		return []unit{d.lb}, nil
	case strings.HasPrefix(target, vocab.FaultTargetReplica):
		i, err := strconv.Atoi(strings.TrimPrefix(target, vocab.FaultTargetReplica))
		if err != nil || i < 1 || i > len(d.replicas) {
			return nil, fmt.Errorf("fault target %s: there are %d replicas", target, len(d.replicas))
		}
		return []unit{d.replicas[i-1]}, nil
	}
	return nil, fmt.Errorf("unknown fault target %q", target)
}
