package sutrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rehearse-dev/rehearse/reports"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// Upgrade moves the running replicas to the candidate under load. rolling
// replaces one replica at a time (the lb skips the one being replaced);
// recreate stops them all, then starts the new ones. Each replica keeps its
// port and its async data volume, so queued work survives the upgrade.
func (d *Deployment) Upgrade(ctx context.Context, to scenarios.SUT, strategy string) error {
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: "upgrade", Detail: "begin " + strategy})
	if to.Reference == nil && to.Image == nil {
		return errors.New("upgrade: to needs reference or image")
	}
	image := d.info.Image
	if to.Reference != nil && d.opts.Runtime == "docker" && image == "" {
		img, err := BuildReferenceImage(ctx, d.opts.RepoRoot, d.opts.Logf)
		if err != nil {
			return err
		}
		image = img
	}
	var news []spec
	for i, old := range d.specs {
		var s spec
		if to.Reference != nil {
			sut := to
			sut.Network = old.network
			if sut.Resources == nil {
				sut.Resources = old.res
			}
			if sut.Restart == nil {
				sut.Restart = old.restart
			}
			ns, err := d.referenceSpec(sut, image, old.name, fmt.Sprintf("r%d", i+1))
			if err != nil {
				return err
			}
			ns.port, ns.args[1] = old.port, fmt.Sprintf("--addr=127.0.0.1:%d", old.port)
			s = ns
		} else {
			img, err := d.teamImage(ctx, to.Image)
			if err != nil {
				return err
			}
			s = old
			s.image, s.args, s.env = img, to.Image.Args, to.Image.Env
		}
		s.name = fmt.Sprintf("%s-v2", old.name)
		news = append(news, s)
	}
	replace := func(i int) error {
		d.mu.Lock()
		old := d.replicas[i]
		d.mu.Unlock()
		d.expect(old.name())
		if err := old.remove(ctx); err != nil {
			return err
		}
		u, err := d.backend.start(ctx, news[i])
		if u != nil {
			d.mu.Lock()
			d.replicas[i] = u
			d.mu.Unlock()
		}
		if err != nil {
			return err
		}
		return waitHealthy(ctx, fmt.Sprintf("http://127.0.0.1:%d%s", news[i].port, news[i].health), 60*time.Second)
	}
	var err error
	if strategy == "recreate" {
		for i := range news {
			d.mu.Lock()
			old := d.replicas[i]
			d.mu.Unlock()
			d.expect(old.name())
			err = errors.Join(err, old.remove(ctx))
		}
		for i := range news {
			u, serr := d.backend.start(ctx, news[i])
			if u != nil {
				d.mu.Lock()
				d.replicas[i] = u
				d.mu.Unlock()
			}
			err = errors.Join(err, serr)
		}
		for i := range news {
			err = errors.Join(err, waitHealthy(ctx, fmt.Sprintf("http://127.0.0.1:%d%s", news[i].port, news[i].health), 60*time.Second))
		}
	} else {
		for i := range news {
			if err = replace(i); err != nil {
				break
			}
		}
	}
	d.specs = news
	d.opts.OnEvent(reports.Event{AtS: d.offset(), Kind: "upgrade", Detail: "end " + strategy})
	return err
}
