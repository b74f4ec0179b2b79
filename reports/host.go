package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Host is the machine a run was made on (report key host, optional: reports
// written before it existed have none). Two runs on hosts of one Machine
// are comparable machines; hosted CI gives every run a new Hostname, so
// the hostname is shown but is not part of Machine.
type Host struct {
	Hostname    string `json:"hostname"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpu_model"`    // "" when the system does not say
	MemoryBytes int64  `json:"memory_bytes"` // 0 when the system does not say
}

// Machine is the kind of machine: CPU model, count, memory, OS and
// architecture ("AMD EPYC 7763 ×2, 7.8 GiB, linux/amd64").
func (h *Host) Machine() string {
	model := h.CPUModel
	if model == "" {
		model = "unknown CPU"
	}
	s := fmt.Sprintf("%s ×%d", model, h.CPUs)
	if h.MemoryBytes > 0 {
		s += ", " + FormatBytes(h.MemoryBytes)
	}
	return s + ", " + h.OS + "/" + h.Arch
}

// ThisHost describes the machine this program runs on. What the system
// does not say (no /proc on this OS) is left empty or 0.
func ThisHost() *Host {
	h := &Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
	h.Hostname, _ = os.Hostname() // "" when unknown: shown as such
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		h.CPUModel = procField(b, "model name")
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(procField(b, "MemTotal"), " kB"), 10, 64); err == nil {
			// Rounded to MiB: the kernel's own reservations move the last digits between boots.
			h.MemoryBytes = kb * 1024 >> 20 << 20
		}
	}
	return h
}

// procField is the value of the first "key : value" line of a /proc file.
func procField(b []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}
