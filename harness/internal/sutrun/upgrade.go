package sutrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rehearse-dev/rehearse/internal/vocab"
	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Upgrade moves the running replicas to the candidate under load. rolling
// replaces one replica at a time (the lb skips the one being replaced);
// recreate stops them all, then starts the new ones. Each replica keeps its
// host port and its async data volume, so queued work survives the upgrade
// and the storm's target stays the same.
func (d *Deployment) Upgrade(ctx context.Context, to scenarios.SUT, strategy string) error {
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: reports.EventUpgrade, Detail: "begin " + strategy})
	news, err := d.upgradeSpecs(ctx, to)
	if err != nil {
		return err
	}
	if strategy == "recreate" {
		err = d.recreate(ctx, news)
	} else {
		for i := range news {
			if err = d.replace(ctx, i, news[i]); err != nil {
				break
			}
		}
	}
	d.mu.Lock()
	d.specs = news
	d.health = news[0].health
	d.mu.Unlock()
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: reports.EventUpgrade, Detail: "end " + strategy})
	return err
}

// upgradeSpecs plans the candidate's replicas: each keeps its old replica's
// host port, network, data volume, limits and restart policy (unless the
// candidate sets its own), and takes everything else — image, args, env,
// container port, health path — from the candidate.
func (d *Deployment) upgradeSpecs(ctx context.Context, to scenarios.SUT) ([]spec, error) {
	if to.Reference == nil && to.Image == nil {
		return nil, errors.New("upgrade: to needs reference or image")
	}
	image := ""
	switch {
	case to.Reference != nil && d.info.Kind == "reference":
		image = d.info.Image
	case to.Reference != nil && d.opts.Runtime == RuntimeDocker:
		img, err := BuildReferenceImage(ctx, d.opts.RepoRoot, d.opts.Logf)
		if err != nil {
			return nil, err
		}
		image = img
	case to.Image != nil:
		img, err := d.teamImage(ctx, to.Image)
		if err != nil {
			return nil, err
		}
		image = img
	}
	d.mu.Lock()
	olds := append([]spec{}, d.specs...)
	d.mu.Unlock()
	news := make([]spec, 0, len(olds))
	for i, old := range olds {
		s, err := d.candidateSpec(to, old, image, i)
		if err != nil {
			return nil, err
		}
		s.name = old.name + "-v2"
		news = append(news, s)
	}
	return news, nil
}

// candidateSpec is replica i of the candidate in place of old.
func (d *Deployment) candidateSpec(to scenarios.SUT, old spec, image string, i int) (spec, error) {
	want := to
	want.Network = old.network
	if want.Resources == nil {
		want.Resources = old.res
	}
	if want.Restart == nil {
		want.Restart = old.restart
	}
	if to.Reference != nil {
		return d.referenceSpec(want, image, old.name, fmt.Sprintf("r%d", i+1), old.port)
	}
	im := to.Image
	s := old
	s.image, s.args, s.env, s.res, s.restart = image, im.Args, im.Env, want.Resources, want.Restart
	s.cport, s.health, s.metrics = im.Port, im.Health, false
	// The candidate keeps the disks of the replica it replaces.
	s.mounts, s.tmpfsMB, s.user = writableMounts(old.mounts, im.Writable, old.name), im.TmpfsMB, im.User
	if old.network == vocab.NetworkHost && im.Port != old.port {
		// On the host network the process's own port is the target's port.
		return spec{}, fmt.Errorf("upgrade to %s: on the host network the candidate must listen on port %d like the running service, not %d",
			im.Name, old.port, im.Port)
	}
	return s, nil
}

// replace swaps replica i for its candidate and waits until it is healthy.
func (d *Deployment) replace(ctx context.Context, i int, s spec) error {
	d.mu.Lock()
	old := d.replicas[i]
	d.mu.Unlock()
	d.expect(old.name())
	if err := old.remove(ctx); err != nil {
		return err
	}
	if err := d.startReplica(ctx, i, s); err != nil {
		return err
	}
	return waitHealthy(ctx, unitURL(s), 60*time.Second)
}

// recreate removes every replica, then starts every candidate.
func (d *Deployment) recreate(ctx context.Context, news []spec) error {
	var err error
	for i := range news {
		d.mu.Lock()
		old := d.replicas[i]
		d.mu.Unlock()
		d.expect(old.name())
		err = errors.Join(err, old.remove(ctx))
	}
	for i := range news {
		err = errors.Join(err, d.startReplica(ctx, i, news[i]))
	}
	for i := range news {
		err = errors.Join(err, waitHealthy(ctx, unitURL(news[i]), 60*time.Second))
	}
	return err
}

// startReplica starts s as replica i; a unit that started is kept even
// with an error, so Close removes it.
func (d *Deployment) startReplica(ctx context.Context, i int, s spec) error {
	u, err := d.backend.start(ctx, s)
	if u != nil {
		d.mu.Lock()
		d.replicas[i] = u
		d.mu.Unlock()
	}
	return err
}

// unitURL is the health URL of a unit on this host.
func unitURL(s spec) string { return fmt.Sprintf("http://127.0.0.1:%d%s", s.port, s.health) }
