package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// posError is an error at a YAML token; Parse reports its line and column.
type posError struct {
	tok *token.Token
	msg string
}

func (e *posError) Error() string          { return e.msg }
func (e *posError) GetToken() *token.Token { return e.tok }
func (e *posError) GetMessage() string     { return e.msg }

// scalar is the text of a scalar node as written, without quotes.
func scalar(n ast.Node) string {
	if t := n.GetToken(); t != nil {
		return t.Value
	}
	return strings.TrimSpace(n.String())
}

// UnmarshalYAML reads a duration such as "30s" or "1m30s".
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	s := scalar(n)
	v, err := time.ParseDuration(s)
	if err != nil {
		return &posError{n.GetToken(), fmt.Sprintf("invalid duration %q (want e.g. 30s, 1m30s, 500ms)", s)}
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string such as "30s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

// sizeUnits are the suffixes parseByteSize accepts, decimal and binary.
var sizeUnits = map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// parseByteSize reads "256MiB", "1GiB", "512MB" or a plain byte count; a
// negative number or an unknown unit is an error.
func parseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	mul, ok := sizeUnits[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v < 0 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 256MiB, 1GiB, 512MB)", s)
	}
	return ByteSize(v * float64(mul)), nil
}

// ParseByteSize reads a size as the scenario keys write it: "20KB",
// "256MiB", "1GB" or a plain byte count (decimal and binary units), for
// flags that take one.
func ParseByteSize(s string) (int64, error) {
	v, err := parseByteSize(s)
	return int64(v), err
}

// UnmarshalYAML reads a size such as "256MiB".
func (b *ByteSize) UnmarshalYAML(n ast.Node) error {
	v, err := parseByteSize(scalar(n))
	if err != nil {
		return &posError{n.GetToken(), err.Error()}
	}
	*b = v
	return nil
}

// distributionShape is the mapping form of Distribution, as written.
type distributionShape struct {
	Median int `yaml:"median"`
	P99    int `yaml:"p99"`
	Max    int `yaml:"max"`
}

// UnmarshalYAML reads a fixed number of records (a scalar) or a log-normal
// distribution {median, p99, max}.
func (d *Distribution) UnmarshalYAML(node ast.Node) error {
	if _, ok := node.(*ast.MappingNode); !ok {
		n, err := strconv.Atoi(scalar(node))
		if err != nil {
			return &posError{node.GetToken(), "records: want a number or {median, p99, max}"}
		}
		*d = Distribution{Fixed: n}
		return nil
	}
	var m distributionShape
	if err := yaml.NodeToValue(node, &m, yaml.Strict()); err != nil {
		return err
	}
	*d = Distribution{Median: m.Median, P99: m.P99, Max: m.Max}
	return nil
}

// gateShape is the mapping form of a gate: {gate: "...", abort: true}.
type gateShape struct {
	Gate  string `yaml:"gate"`
	Abort bool   `yaml:"abort"`
}

// UnmarshalYAML reads a gate expression, or the mapping {gate, abort}; the
// expression is parsed by validate.
func (g *Gate) UnmarshalYAML(node ast.Node) error {
	if _, ok := node.(*ast.MappingNode); ok {
		var m gateShape
		if err := yaml.NodeToValue(node, &m, yaml.Strict()); err != nil {
			return err
		}
		*g = Gate{Expr: m.Gate, Abort: m.Abort, mapping: true}
		return nil
	}
	var s string
	if err := yaml.NodeToValue(node, &s); err != nil {
		return err
	}
	*g = Gate{Expr: s}
	return nil
}

// UnmarshalYAML reads the one-line form "POST /path" into Method and Path,
// or the long form (a mapping) field by field.
func (u *Upload) UnmarshalYAML(node ast.Node) error {
	if _, ok := node.(*ast.MappingNode); !ok {
		m, p, _ := strings.Cut(strings.TrimSpace(scalar(node)), " ")
		*u = Upload{Method: m, Path: strings.TrimSpace(p)}
		return nil
	}
	type plain Upload // without this method
	var v plain
	if err := yaml.NodeToValue(node, &v, yaml.Strict()); err != nil {
		return err
	}
	*u = Upload(v)
	return nil
}

// UnmarshalYAML reads a budget: a number (0.2) or none.
func (b *Budget) UnmarshalYAML(node ast.Node) error {
	s := scalar(node)
	if s == "none" {
		*b = Budget{none: true}
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return &posError{node.GetToken(), fmt.Sprintf("invalid budget %q (want a fraction of first attempts such as 0.2, or none)", s)}
	}
	*b = Budget{Ratio: v, Set: true}
	return nil
}

// MarshalJSON writes the budget as its ratio, or "none".
func (b Budget) MarshalJSON() ([]byte, error) {
	if !b.Set {
		return []byte(`"none"`), nil
	}
	return []byte(strconv.FormatFloat(b.Ratio, 'g', -1, 64)), nil
}

// UnmarshalYAML reads a condition's text; it is parsed by validate, so
// its problems are reported with every other one, at their column.
func (c *Condition) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return err
	}
	*c = Condition{Text: s}
	return nil
}

// UnmarshalYAML reads the one-line form "GET /path" into Method and Path,
// or the long form {path, headers} (method GET).
func (li *List) UnmarshalYAML(node ast.Node) error {
	if _, ok := node.(*ast.MappingNode); !ok {
		m, p, _ := strings.Cut(strings.TrimSpace(scalar(node)), " ")
		*li = List{Method: m, Path: strings.TrimSpace(p)}
		return nil
	}
	type plain List // without this method
	var v plain
	if err := yaml.NodeToValue(node, &v, yaml.Strict()); err != nil {
		return err
	}
	*li = List(v)
	return nil
}

// UnmarshalYAML reads one verify point (after_upgrade) or a list of them
// ([after_upgrade, end]).
func (d *DataVerify) UnmarshalYAML(node ast.Node) error {
	if seq, ok := node.(*ast.SequenceNode); ok {
		out := make(DataVerify, 0, len(seq.Values))
		for _, v := range seq.Values {
			out = append(out, VerifyPoint(scalar(v)))
		}
		*d = out
		return nil
	}
	if s := scalar(node); s != "" && s != "null" {
		*d = DataVerify{VerifyPoint(s)}
	}
	return nil
}
