package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Condition is a small expression over a JSON answer, such as
// `state == "finished"`, `done == true && error == null` or
// `progress >= 100` (api.done_when, api.failed_when). It is parsed once
// when the scenario loads (ParseCondition) and evaluated per answer
// (Holds). The zero Condition is unset: it holds for nothing.
//
// Operands are dotted paths into the answer (data.state), strings in
// double or single quotes, numbers, true, false and null; operators are
// == != < <= > >=, && and || (&& binds tighter), with parentheses. A path
// that is missing in the answer is null. == and != compare values of the
// same kind (a number is never equal to a string); < <= > >= compare two
// numbers or two strings and are false for anything else.
type Condition struct {
	Text string
	root *condNode
}

// ConditionError is a problem of a condition at byte Offset of its text.
type ConditionError struct {
	Offset int
	Msg    string
}

// Error renders the problem as "offset N: message".
func (e *ConditionError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// condNode is one node of a parsed condition: a logical node (op && or
// ||, l and r), a comparison (op == ... >=, a and b) or a bare operand
// (op "", a), which holds when its value is true.
type condNode struct {
	op   string
	l, r *condNode
	a, b condOperand
}

// condOperand is a literal or a path into the answer.
type condOperand struct {
	path *FieldPath // nil for a literal
	val  any        // nil (null), string, float64 or bool
}

// ParseCondition parses s; an error is a *ConditionError.
func ParseCondition(s string) (Condition, error) {
	toks, err := lexCondition(s)
	if err != nil {
		return Condition{}, err
	}
	p := &condParser{toks: toks, end: len(s)}
	root, err := p.or()
	if err != nil {
		return Condition{}, err
	}
	if t := p.peek(); t.kind != tokEnd {
		return Condition{}, &ConditionError{t.off, fmt.Sprintf("unexpected %q: want && or || between conditions", t.text)}
	}
	return Condition{Text: s, root: root}, nil
}

// IsSet reports whether c was parsed from a text.
func (c Condition) IsSet() bool { return c.root != nil }

// Holds reports whether c is true of doc, a JSON document decoded by
// encoding/json (with or without UseNumber). An unset Condition holds for
// nothing.
func (c Condition) Holds(doc any) bool {
	return c.root != nil && c.root.eval(doc)
}

func (n *condNode) eval(doc any) bool {
	switch n.op {
	case "&&":
		return n.l.eval(doc) && n.r.eval(doc)
	case "||":
		return n.l.eval(doc) || n.r.eval(doc)
	case "":
		v, _ := n.a.value(doc).(bool)
		return v
	}
	return compare(n.op, n.a.value(doc), n.b.value(doc))
}

// value is the operand's value in doc: nil (null or missing), string,
// float64, bool, or the object or array itself.
func (o condOperand) value(doc any) any {
	if o.path == nil {
		return o.val
	}
	v, ok := o.path.raw(doc)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case int:
		return float64(x)
	}
	return v
}

// compare applies a comparison operator to two values.
func compare(op string, a, b any) bool {
	switch op {
	case "==":
		return equal(a, b)
	case "!=":
		return !equal(a, b)
	}
	var c int
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		c = cmpFloat(x, y)
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		c = strings.Compare(x, y)
	default:
		return false
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0 // ">="
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// equal compares two values of the same kind; an object or an array
// equals nothing, not even itself (null is not an object).
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// raw is the value at p in doc, whatever its kind; false when a key is
// missing or p has [] (a condition reads one value).
func (p FieldPath) raw(doc any) (any, bool) {
	for _, st := range p.steps {
		m, ok := doc.(map[string]any)
		if st.each || !ok {
			return nil, false
		}
		if doc, ok = m[st.key]; !ok {
			return nil, false
		}
	}
	return doc, true
}

// MarshalJSON writes the condition as its text.
func (c Condition) MarshalJSON() ([]byte, error) { return json.Marshal(c.Text) }

// condParser is a recursive-descent parser over the tokens of one
// condition.
type condParser struct {
	toks []condToken
	i    int
	end  int
}

func (p *condParser) peek() condToken { return p.toks[p.i] }

func (p *condParser) next() condToken {
	t := p.toks[p.i]
	if t.kind != tokEnd {
		p.i++
	}
	return t
}

// or := and ("||" and)*
func (p *condParser) or() (*condNode, error) {
	l, err := p.and()
	for err == nil && p.peek().text == "||" {
		p.next()
		var r *condNode
		if r, err = p.and(); err == nil {
			l = &condNode{op: "||", l: l, r: r}
		}
	}
	return l, err
}

// and := unary ("&&" unary)*
func (p *condParser) and() (*condNode, error) {
	l, err := p.unary()
	for err == nil && p.peek().text == "&&" {
		p.next()
		var r *condNode
		if r, err = p.unary(); err == nil {
			l = &condNode{op: "&&", l: l, r: r}
		}
	}
	return l, err
}

// unary := "(" or ")" | operand [cmp operand]
func (p *condParser) unary() (*condNode, error) {
	t := p.next()
	if t.kind == tokOp && t.text == "(" {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.text != ")" || c.kind != tokOp {
			return nil, &ConditionError{c.off, fmt.Sprintf("want ) to close the ( at offset %d, got %s", t.off, c.describe())}
		}
		return n, nil
	}
	a, err := operand(t)
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != tokOp || !isCmpOp(op.text) {
		if a.path == nil {
			return nil, &ConditionError{t.off, fmt.Sprintf("%s alone is always the same: compare it, e.g. state == %s", t.text, t.text)}
		}
		return &condNode{a: a}, nil
	}
	p.next()
	bt := p.next()
	b, err := operand(bt)
	if err != nil {
		return nil, err
	}
	return &condNode{op: op.text, a: a, b: b}, nil
}

func isCmpOp(s string) bool {
	switch s {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// operand turns a token into a literal or a path.
func operand(t condToken) (condOperand, error) {
	switch t.kind {
	case tokString:
		return condOperand{val: t.val}, nil
	case tokNumber:
		return condOperand{val: t.val}, nil
	case tokWord:
		switch t.text {
		case "true":
			return condOperand{val: true}, nil
		case "false":
			return condOperand{val: false}, nil
		case "null":
			return condOperand{}, nil
		}
		fp, err := ParseFieldPath(t.text)
		if err != nil || fp.IsList() {
			return condOperand{}, &ConditionError{t.off, fmt.Sprintf("%q is not a field path (want names joined by dots, e.g. data.state)", t.text)}
		}
		return condOperand{path: &fp}, nil
	}
	return condOperand{}, &ConditionError{t.off, fmt.Sprintf("want a field, a string, a number, true, false or null, got %s", t.describe())}
}
