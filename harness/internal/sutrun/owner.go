package sutrun

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/moby/client"
)

// Labels naming the process that owns a run's objects, so that a later run
// can tell a dead run's leftovers (its process is gone: remove them) from a
// live rehearsal's (another run is measuring on this machine: warn).
const (
	labelHost  = "rehearse.host"  // hostname of the owning process
	labelPID   = "rehearse.pid"   // its process id
	labelSince = "rehearse.since" // its start time in clock ticks since boot, so a reused pid is not taken for it
)

// ownerLabels are the labels of this process.
func ownerLabels() map[string]string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return map[string]string{labelHost: host, labelPID: strconv.Itoa(pid), labelSince: procStart(pid)}
}

// procStart is field 22 of /proc/<pid>/stat (start time since boot), "" when
// unknown.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces; fields count from its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// OtherRun is another rehearsal whose containers are on this Docker engine.
type OtherRun struct {
	ID         string
	Containers []string
	// Alive: its process runs on this host. Unknown owners (another host,
	// or objects from before these labels) count as alive: never removed
	// behind someone's back.
	Alive bool
}

// OtherRuns lists the runs other than self with containers on the engine.
func OtherRuns(ctx context.Context, self string) ([]OtherRun, error) {
	cli, err := dockerClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", Label)})
	if err != nil {
		return nil, err
	}
	byID := map[string]*OtherRun{}
	host, _ := os.Hostname()
	for _, c := range cs.Items {
		id := c.Labels[Label]
		if id == self || id == ReferenceLabel {
			continue
		}
		r := byID[id]
		if r == nil {
			r = &OtherRun{ID: id, Alive: alive(c.Labels, host)}
			byID[id] = r
		}
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		r.Containers = append(r.Containers, name)
	}
	out := make([]OtherRun, 0, len(byID))
	for _, r := range byID {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// alive reports whether the process that labelled an object still runs.
func alive(l map[string]string, host string) bool {
	pid, err := strconv.Atoi(l[labelPID])
	if l[labelHost] != host || err != nil || pid <= 0 {
		return true
	}
	start := procStart(pid)
	return start != "" && start == l[labelSince]
}
