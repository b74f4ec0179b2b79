package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rehearse-dev/rehearse/internal/vocab"
)

// GateVariables are the names a gate may use (vocab: the words a
// scenario and a report share); reports.Variables provides their values.
var GateVariables = vocab.GateVariables

// ClassGateVariables are the names a gate may use for one caller class,
// written with the class in brackets: "gave_up[erp] == 0". Reports give
// their values under that full name.
var ClassGateVariables = vocab.ClassGateVariables

var gateOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// parseGate parses "<variable> <op> <number>", op one of < <= > >= == !=.
func parseGate(expr string) (Gate, error) {
	g := Gate{Expr: expr}
	return g, g.parse()
}

// parse reads the expression into its variable, operator and number. The
// variable is one of GateVariables, v[class] with v one of
// ClassGateVariables and a class name of [a-z0-9_-]+, or v[window] with v
// one of WindowGateVariables (a bracket with a space is a window: a class
// name has none); whether the class, the step or the upgrade exists is
// the scenario's to check (validateGates).
func (g *Gate) parse() error {
	e := strings.TrimSpace(g.Expr)
	for _, op := range gateOps {
		i := strings.Index(e, op)
		if i < 0 {
			continue
		}
		v, num := strings.TrimSpace(e[:i]), strings.TrimSpace(e[i+len(op):])
		var class string
		var window *Window
		var err error
		if name, inner, ok := strings.Cut(v, "["); ok && isWindow(strings.TrimSuffix(strings.TrimSpace(inner), "]")) {
			v, window, err = windowed(g.Expr, strings.TrimSpace(name), strings.TrimSpace(inner))
		} else {
			class, err = gateClass(g.Expr, v)
		}
		if err != nil {
			return err
		}
		if class != "" {
			// "gave_up [erp]" and "gave_up[erp]" are the same gate: the
			// report's key has no space.
			name, _, _ := strings.Cut(v, "[")
			v = strings.TrimSpace(name) + "[" + class + "]"
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return fmt.Errorf("gate %q: %q is not a number", g.Expr, num)
		}
		g.variable, g.class, g.window, g.op, g.value = v, class, window, op, f
		return nil
	}
	return fmt.Errorf("gate %q: want <variable> <op> <number> with op one of < <= > >= == !=", g.Expr)
}

// gateClass checks the variable v of gate expr and returns its class, ""
// for a run-wide variable.
func gateClass(expr, v string) (string, error) {
	name, class, ok := strings.Cut(v, "[")
	if !ok {
		if !slices.Contains(GateVariables, v) {
			return "", fmt.Errorf("gate %q: unknown variable %q (known: %s; per class: %s[class])", expr, v, strings.Join(GateVariables, ", "), strings.Join(ClassGateVariables, ", "))
		}
		return "", nil
	}
	class, closed := strings.CutSuffix(strings.TrimSpace(class), "]")
	class = strings.TrimSpace(class)
	name = strings.TrimSpace(name)
	if !slices.Contains(ClassGateVariables, name) {
		return "", fmt.Errorf("gate %q: %q has no value per class (per class: %s)", expr, name, strings.Join(ClassGateVariables, ", "))
	}
	if !closed || !classNameRe.MatchString(class) {
		return "", fmt.Errorf("gate %q: want %s[class] with a class name of [a-z0-9_-]+, got %q", expr, name, v)
	}
	return class, nil
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

// Variable is the gate's variable as the report keys it: "p99_ms", or
// "gave_up[erp]" for a class's. A gate that was never parsed is parsed
// first ("" when it does not parse).
func (g Gate) Variable() string {
	if g.op == "" && g.parse() != nil {
		return ""
	}
	return g.variable
}

// Class is the caller class a per-class gate names ("erp" for
// "gave_up[erp] == 0"), "" for a run-wide gate or one that does not parse.
func (g Gate) Class() string {
	if g.op == "" && g.parse() != nil {
		return ""
	}
	return g.class
}

// Window is the part of the run a windowed gate is evaluated over
// ("error_rate[last 30s]"), nil for a run-wide or class gate or one that
// does not parse.
func (g Gate) Window() *Window {
	if g.op == "" && g.parse() != nil {
		return nil
	}
	return g.window
}
