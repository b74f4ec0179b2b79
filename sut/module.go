package sut

import (
	"fmt"
	"strings"
)

// The reference service's contract for whoever starts it, the way a
// testcontainers-go module packages a service (modules/redis): its port,
// health path, metric names and command line live here, with the service,
// not as literals in the code that starts it.
const (
	// Port is where uploadsvc listens by default (DefaultAddr) and the
	// container port of the reference image.
	Port = 8080
	// HealthPath answers 200 with {"status":"ok","node":…,"mode":…} while
	// the process serves; the lb also learns node names from it.
	HealthPath = "/healthz"
	// ReadyPath answers 503 once the service is shutting down.
	ReadyPath = "/readyz"
	// MetricsPath serves the Prometheus text exposition.
	MetricsPath = "/metrics"
	// MetricQueueDepth is the gauge of uploads queued or processing (0 in
	// sync mode), scraped by the harness for the queue-depth chart.
	MetricQueueDepth = "uploadsvc_queue_depth"
	// MetricRecordsVisible is the gauge of stored records of the running
	// schema version (sync and async): what callers can read back.
	MetricRecordsVisible = "uploadsvc_records_visible"
	// MetricRecordsStored is the gauge of stored records of every schema
	// version; stored minus visible is what an upgrade hid.
	MetricRecordsStored = "uploadsvc_records_stored"
	// RecordsPath takes a caller's uploads (POST) and lists the caller's
	// records of the running schema version (GET), {"records":[{"id":…}]}
	// in id order: a data.verify of the reference reads it with
	// RecordIDsField.
	RecordsPath = "/v1/callers/{caller}/records"
	// RecordIDsField is where RecordsPath's GET answer lists record ids,
	// as an api.verify ids_field.
	RecordIDsField = "records[].id"
)

// Args is uploadsvc's command line as the harness builds it. Addr is where
// the process listens *inside its network namespace*: 127.0.0.1:<port> on
// the host network, ":8080" (all interfaces) on a bridge network, where
// Docker's port mapping reaches the container from outside and a loopback
// listener would be unreachable.
type Args struct {
	Mode     string   // ModeSync | ModeAsync | ModeLB
	Addr     string   // listen address; "" = DefaultAddr
	Node     string   // replica name prefixing its upload ids; "" = DefaultNode
	Backends []string // lb only
	// SchemaVersion renders --schema-version when > 0 (sync and async).
	SchemaVersion int
	// Migrate renders --migrate: older records are rewritten at startup.
	Migrate bool
	Extra   []string // further flags, e.g. the scenario's cost model
}

// HostAddr is the listen address of a reference process on the host
// network at port.
func HostAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// BridgeAddr is the listen address of a reference container on a bridge
// network: every interface of the container, at Port.
func BridgeAddr() string { return fmt.Sprintf(":%d", Port) }

// Strings renders the command line, Extra last so a scenario's flags win.
func (a Args) Strings() []string {
	out := []string{"--mode=" + a.Mode}
	if a.Addr != "" {
		out = append(out, "--addr="+a.Addr)
	}
	if a.Node != "" {
		out = append(out, "--node="+a.Node)
	}
	if len(a.Backends) > 0 {
		out = append(out, "--backends="+strings.Join(a.Backends, ","))
	}
	if a.SchemaVersion > 0 {
		out = append(out, fmt.Sprintf("--schema-version=%d", a.SchemaVersion))
	}
	if a.Migrate {
		out = append(out, "--migrate")
	}
	return append(out, a.Extra...)
}
