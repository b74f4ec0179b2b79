package traffic

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// jsonParser reads a log of one JSON object per line (nginx-json, jsonl):
// it walks each line's keys once against a tree of the keys the field map
// names and keeps, per slot, the value of the first-listed key present.
type jsonParser struct {
	s    jsonScanner
	root *keyNode
	got  [identSlot + 1]capture
}

// identSlot is the index of the caller rule's header or field, after the
// Slots.
const identSlot = 8

// bytesSlot is SlotBytes' index in Slots.
const bytesSlot = 5

// capture is a slot's value on the current line.
type capture struct {
	v     []byte
	isStr bool
	prio  int    // index of the key in the slot's list; lower wins
	key   string // the key as listed
	set   bool
}

// keyNode is one key of a path in the tree of wanted keys.
type keyNode struct {
	children map[string]*keyNode
	targets  []keyTarget
}

type keyTarget struct {
	slot, prio int
	key        string
}

var (
	errJSONTime    = errors.New("no time (--map time=KEY) or a time not understood")
	errJSONRequest = errors.New("no method and path, or request (--map method=KEY,path=KEY)")
	errJSONNumber  = errors.New("a size or duration that is not a number")
)

// newJSONParser builds the key tree of m, plus ident: the keys the caller
// rule reads (none when it reads the path or the address).
func newJSONParser(m FieldMap, ident []string) *jsonParser {
	p := &jsonParser{root: &keyNode{}}
	for i, sl := range Slots {
		for prio, k := range m[sl] {
			p.add(k, keyTarget{slot: i, prio: prio, key: k})
		}
	}
	for prio, k := range ident {
		p.add(k, keyTarget{slot: identSlot, prio: prio, key: k})
	}
	return p
}

// add files key both as one flat key and, when it has dots, as a path.
func (p *jsonParser) add(key string, t keyTarget) {
	paths := [][]string{{key}}
	if strings.Contains(key, ".") {
		paths = append(paths, strings.Split(key, "."))
	}
	for _, path := range paths {
		n := p.root
		for _, part := range path {
			if n.children == nil {
				n.children = map[string]*keyNode{}
			}
			c := n.children[part]
			if c == nil {
				c = &keyNode{}
				n.children[part] = c
			}
			n = c
		}
		if !slices.Contains(n.targets, t) {
			n.targets = append(n.targets, t)
		}
	}
}

func (p *jsonParser) parse(line []byte, r *record) error {
	*r = record{}
	p.got = [identSlot + 1]capture{}
	p.s.reset(line)
	if err := p.walk(p.root); err != nil {
		return err
	}
	if err := p.s.end(); err != nil {
		return err
	}
	return p.fill(r)
}

// walk reads an object, descending into the keys n names.
func (p *jsonParser) walk(n *keyNode) error {
	return p.s.object(func(k []byte) error {
		c := n.children[string(k)]
		if c == nil {
			return p.s.skip()
		}
		if p.s.peek() == '{' && c.children != nil {
			return p.walk(c)
		}
		v, isStr, err := p.s.value()
		if err != nil || v == nil {
			return err
		}
		for _, t := range c.targets {
			if t.slot == bytesSlot && absent(v) {
				continue // no size here: a later-listed key may hold one
			}
			if g := &p.got[t.slot]; !g.set || t.prio < g.prio {
				*g = capture{v: v, isStr: isStr, prio: t.prio, key: t.key, set: true}
			}
		}
		return nil
	})
}

// fill turns the captured slots into the record.
func (p *jsonParser) fill(r *record) error {
	g := &p.got
	t, ok := parseTime(g[0].v, g[0].isStr)
	if !g[0].set || !ok {
		return errJSONTime
	}
	r.t, r.logged = t, t
	if g[1].set && g[2].set {
		r.method, r.target = g[1].v, originForm(g[2].v)
		ok = isToken(r.method) && len(r.target) > 0 && r.target[0] == '/'
	} else if g[3].set {
		r.method, r.target, ok = splitRequest(g[3].v)
	} else {
		ok = false
	}
	if !ok {
		return errJSONRequest
	}
	if r.status, ok = parseStatus(g[4].v); !ok {
		return fmt.Errorf("%w, got %q", errStatus, g[4].v)
	}
	if g[bytesSlot].set {
		if r.bytes, ok = parseInt(g[bytesSlot].v); !ok {
			return errJSONNumber
		}
		r.bytesKey = g[bytesSlot].key
	}
	if g[6].set && !absent(g[6].v) {
		d, ok := parseSeconds(g[6].v)
		if !ok {
			return errJSONNumber
		}
		r.t -= d
	}
	r.addr = dash(g[7].v)
	if g[identSlot].set && string(g[identSlot].v) != "null" {
		r.ident = dash(g[identSlot].v)
	}
	return nil
}

// jsonHeaderKeys are the keys a JSON log may keep header NAME under:
// nginx's $http_x_tenant for nginx-json; for jsonl the name as written,
// lowercased, or in a headers object.
func jsonHeaderKeys(f Format, name string) []string {
	lower := strings.ToLower(name)
	nginx := "http_" + strings.ReplaceAll(lower, "-", "_")
	if f == FormatNginxJSON {
		return dedupe([]string{nginx, name, lower})
	}
	return dedupe([]string{name, lower, "headers." + name, "headers." + lower, nginx})
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// absent reports whether a logged value says "not known": nginx writes
// "-" for an unset variable, or "" under escape=json ($content_length of
// a GET), and JSON has null.
func absent(v []byte) bool {
	s := string(v)
	return s == "" || s == "-" || s == "null"
}
