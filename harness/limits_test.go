package harness

import (
	"strings"
	"testing"

	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/reports"
)

// The generator block says how close the generator came to its limits,
// and the notes say to add shards near one.
func TestGeneratorLimits(t *testing.T) {
	rep := &reports.Report{DurationS: 10}
	generatorLimits(rep, storm.Stats{CPUSeconds: 17, Cores: 2, FileLimit: 1024, InflightPeak: 900})
	g := rep.Generator
	if g.CPUShare == nil || *g.CPUShare != 0.85 || *g.InflightPeak != 900 || *g.FileLimit != 1024 {
		t.Fatalf("generator %+v", g)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "85% of its 2 cores") {
		t.Fatalf("notes %v", rep.Notes)
	}
	quiet := &reports.Report{DurationS: 10}
	generatorLimits(quiet, storm.Stats{CPUSeconds: 2, Cores: 2, FileLimit: 1024, InflightPeak: 900})
	if len(quiet.Notes) != 1 || !strings.Contains(quiet.Notes[0], "900 attempts in flight against a limit of 1024") {
		t.Fatalf("notes %v", quiet.Notes)
	}
	if quiet.Generator.PortsInUse != nil || quiet.Generator.PortRange != nil {
		t.Errorf("ports not measured, reported %v / %v", quiet.Generator.PortsInUse, quiet.Generator.PortRange)
	}
	ports := &reports.Report{DurationS: 10}
	generatorLimits(ports, storm.Stats{CPUSeconds: 1, Cores: 2, FileLimit: 20000, PortsInUse: 25000, PortRange: 28232})
	if g := ports.Generator; *g.PortsInUse != 25000 || *g.PortRange != 28232 || len(ports.Notes) != 1 || !strings.Contains(ports.Notes[0], "25000 of this machine's 28232 ephemeral ports") {
		t.Fatalf("generator %+v, notes %v", g, ports.Notes)
	}
}
