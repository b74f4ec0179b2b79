package reports

// ShardInfo is one shard of a merged run (rehearse merge, docs/distributed.md):
// what its own generator did, so a shard that lagged, failed or started
// late stays visible after its attempts were merged into the whole.
type ShardInfo struct {
	Shard     int             `json:"shard"`
	Of        int             `json:"of"`
	Host      string          `json:"host,omitempty"`
	Attempts  int64           `json:"attempts"`
	Callers   int64           `json:"callers"`
	LagP99Ms  float64         `json:"lag_p99_ms"`
	CPUS      float64         `json:"cpu_s"`
	Errors    map[Class]int64 `json:"generator_errors"`
	LateMs    float64         `json:"late_ms"` // how long after the barrier its storm began
	Late      bool            `json:"late"`    // more than LateThresholdMs after the barrier
	Saturated bool            `json:"saturated"`
	Notes     []string        `json:"notes,omitempty"`
}

// LateThresholdMs is how late after the start barrier a shard may begin
// before the merged report flags it: its callers' schedule slipped by that
// much against the others'.
const LateThresholdMs = 250
