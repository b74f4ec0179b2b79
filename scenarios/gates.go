package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// GateVariables are the names a gate may use; reports.Variables provides
// their values.
var GateVariables = []string{
	"requests", "ok", "timeouts", "timeout_rate", "error_rate", "p50_ms", "p90_ms", "p99_ms", "max_ms",
	"throughput_rps", "callers", "succeeded", "gave_up", "retries", "completion_p99_ms", "crashes",
	"oom_kills", "restarts", "downtime_s", "accepted", "completed", "lost", "duplicates", "drain_s", "http_429",
}

var gateOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// parseGate parses "<variable> <op> <number>", op one of < <= > >= == !=.
func parseGate(expr string) (Gate, error) {
	g := Gate{Expr: expr}
	return g, g.parse()
}

func (g *Gate) parse() error {
	e := strings.TrimSpace(g.Expr)
	for _, op := range gateOps {
		i := strings.Index(e, op)
		if i < 0 {
			continue
		}
		v, num := strings.TrimSpace(e[:i]), strings.TrimSpace(e[i+len(op):])
		if !slices.Contains(GateVariables, v) {
			return fmt.Errorf("gate %q: unknown variable %q (known: %s)", g.Expr, v, strings.Join(GateVariables, ", "))
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return fmt.Errorf("gate %q: %q is not a number", g.Expr, num)
		}
		g.variable, g.op, g.value = v, op, f
		return nil
	}
	return fmt.Errorf("gate %q: want <variable> <op> <number> with op one of < <= > >= == !=", g.Expr)
}

// Eval evaluates the gate against vars and returns the variable's value and
// whether the gate passes. A gate that was never parsed is parsed first.
func (g Gate) Eval(vars map[string]float64) (float64, bool, error) {
	if g.op == "" {
		if err := g.parse(); err != nil {
			return 0, false, err
		}
	}
	v, ok := vars[g.variable]
	if !ok {
		return 0, false, fmt.Errorf("gate %q: no value for %s", g.Expr, g.variable)
	}
	var pass bool
	switch g.op {
	case "<":
		pass = v < g.value
	case "<=":
		pass = v <= g.value
	case ">":
		pass = v > g.value
	case ">=":
		pass = v >= g.value
	case "==":
		pass = v == g.value
	case "!=":
		pass = v != g.value
	}
	return v, pass, nil
}

// Variable is the gate's variable name.
// A gate that was never parsed is parsed first ("" when it does not parse).
func (g Gate) Variable() string {
	if g.op == "" && g.parse() != nil {
		return ""
	}
	return g.variable
}
