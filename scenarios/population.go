package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// arenaSize is the shared pool every payload is a view onto.
const arenaSize = 1 << 20

// Population is the scenario's callers, deterministic from its seed. It
// holds one small entry per caller (its record count and class) and one
// shared 1 MiB arena; bodies are streamed from views onto the arena, never
// materialised, so 5,000 callers of 2,000 records each need a few MB, not
// gigabytes.
type Population struct {
	name    string
	seed    uint64
	plans   []ClassPlan
	class   []uint8 // per caller: index into plans
	records []int32 // per caller
	arena   []byte
	// A replay's uploads (replay.go): each entry is one logged upload of
	// the caller names[i], padded to its logged size; nil otherwise.
	names   []string
	pad     []int32
	ordinal []int32 // the caller's place among the trace's distinct callers
	// ids are the callers' names from callers.from, by index; nil: caller-00042.
	ids []string
}

// Caller is one simulated calling system.
type Caller struct {
	Index          int
	Name           string // caller-00042
	Records        int
	IdempotencyKey string // stable per caller upload
	Class          int    // index into Population.Classes()
	RecordBytes    int    // its class's record_bytes
}

// ClassPlan is a caller class as the storm uses it: the class's own
// settings with every unset one taken from the top-level callers block.
type ClassPlan struct {
	Name        string
	Weight      float64
	Count       int // callers of this class: Count split by weight, exactly
	Records     Distribution
	RecordBytes int
	Timeout     Duration
	Retry       Retry
	Vars        map[string]string // callers.vars overlaid with the class's
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// classStream is the PCG stream that deals classes to callers, apart from
// the one that draws record counts and the arena (0x5eed), so a scenario
// without classes draws exactly what it drew before classes existed.
const classStream = 0xc1a55

// NewPopulation draws the callers of s. Classes are dealt to callers by a
// seeded shuffle of their exact counts (ClassPlans), so they interleave;
// then, caller by caller, the record count is drawn from the caller's
// class: log-normal from median and p99 (sigma = ln(p99/median)/2.326),
// clipped to [1, max], or the fixed number. It fails when there is no
// caller, when the weights leave callers without a class, or when a
// class's record_bytes does not fit the arena.
func NewPopulation(s *Scenario) (*Population, error) {
	c := s.Callers
	if c.Count < 1 {
		return nil, fmt.Errorf("population: callers.count must be >= 1")
	}
	plans := c.ClassPlans()
	if len(plans) > MaxClasses {
		return nil, fmt.Errorf("population: %d caller classes, at most %d", len(plans), MaxClasses)
	}
	p := &Population{name: s.Name, seed: uint64(s.Seed), plans: plans, records: make([]int32, c.Count)}
	if t := c.table(); t != nil {
		if len(t.rows) != c.Count {
			return nil, fmt.Errorf("population: callers.from holds %d callers, callers.count is %d", len(t.rows), c.Count)
		}
		p.ids = make([]string, len(t.rows))
		for i, r := range t.rows {
			p.ids[i] = r[t.name]
		}
	}
	if err := p.dealClasses(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(p.seed, 0x5eed))
	sigmas := make([]float64, len(plans))
	for k, pl := range plans {
		if d := pl.Records; d.Fixed == 0 && d.Median > 0 {
			sigmas[k] = math.Log(float64(d.P99)/float64(d.Median)) / 2.3263
		}
	}
	for i := range p.records {
		k := p.class[i]
		d := plans[k].Records
		n := d.Fixed
		if n == 0 {
			n = int(math.Round(float64(d.Median) * math.Exp(sigmas[k]*rng.NormFloat64())))
			n = min(max(n, 1), d.Max)
		}
		p.records[i] = int32(n)
	}
	p.arena = make([]byte, arenaSize)
	for i := range p.arena {
		p.arena[i] = b64[rng.IntN(64)]
	}
	return p, nil
}

// dealClasses gives every caller its class: each class's Count callers,
// shuffled from the seed. One class needs no shuffle (every caller is 0).
func (p *Population) dealClasses() error {
	p.class = make([]uint8, len(p.records))
	i := 0
	for k, pl := range p.plans {
		if pl.RecordBytes < 0 || pl.RecordBytes > arenaSize {
			return fmt.Errorf("population: class %s: record_bytes %d, want 0..%d", pl.Name, pl.RecordBytes, arenaSize)
		}
		for range pl.Count {
			if i < len(p.class) {
				p.class[i] = uint8(k)
			}
			i++
		}
	}
	if i != len(p.records) {
		return fmt.Errorf("population: caller classes hold %d of %d callers (do the weights sum to 0?)", i, len(p.records))
	}
	if len(p.plans) > 1 {
		rng := rand.New(rand.NewPCG(p.seed, classStream))
		rng.Shuffle(len(p.class), func(a, b int) { p.class[a], p.class[b] = p.class[b], p.class[a] })
	}
	return nil
}

// Len is the number of callers.
func (p *Population) Len() int { return len(p.records) }

// Class is caller i's class, an index into Classes (0 <= i < Len).
func (p *Population) Class(i int) int { return int(p.class[i]) }

// Caller returns caller i (0 <= i < Len).
func (p *Population) Caller(i int) Caller {
	k := int(p.class[i])
	if p.names != nil {
		// A replayed upload: its logged caller's name, and a key of its own
		// (the same caller uploads again; that is not a repeat).
		return Caller{Index: i, Name: p.names[i], Records: int(p.records[i]),
			IdempotencyKey: p.keyPrefix() + p.names[i] + "-u" + strconv.Itoa(i),
			Class:          k, RecordBytes: p.plans[k].RecordBytes}
	}
	name := string(p.AppendName(make([]byte, 0, 16), i))
	return Caller{Index: i, Name: name, Records: int(p.records[i]),
		IdempotencyKey: p.keyPrefix() + name,
		Class:          k, RecordBytes: p.plans[k].RecordBytes}
}

// AppendName appends caller i's name — {caller} as sent — to dst: a
// replayed upload's logged caller, a callers.from row's name, else
// caller-00042. It does not allocate beyond dst.
func (p *Population) AppendName(dst []byte, i int) []byte {
	switch {
	case p.names != nil:
		return append(dst, p.names[i]...)
	case p.ids != nil:
		return append(dst, p.ids[i]...)
	}
	dst = append(dst, "caller-"...)
	for d := 10000; d > 1 && i < d; d /= 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(i), 10)
}

// keyPrefix starts every idempotency key: the scenario and its seed.
func (p *Population) keyPrefix() string { return p.name + "-" + strconv.FormatUint(p.seed, 10) + "-" }

// Classes are the population's caller classes, in declaration order (the
// index is Caller.Class); one named "default" when the scenario declared
// none. The slice is a copy; the Vars maps are shared and read-only.
func (p *Population) Classes() []ClassPlan {
	return slices.Clone(p.plans)
}

// recordBytes is the record length of caller i's class.
func (p *Population) recordBytes(i int) int {
	return p.plans[p.class[i]].RecordBytes
}

// Payload is the seeded filler of record j of caller i: a view onto the
// shared arena, RecordBytes of the caller's class long. Never write to it.
func (p *Population) Payload(i, j int) []byte {
	rb := p.recordBytes(i)
	off := p.offset(i, j, rb)
	return p.arena[off : off+rb]
}

// idLen is a record id's length: c + 7 digits + -r + 7 digits.
const idLen = 17

// offset picks where record j of caller i, rb bytes long, starts in the
// arena: anywhere it fits whole. A record as long as the arena (1 MiB, the
// largest record_bytes) starts at 0.
func (p *Population) offset(i, j, rb int) int {
	room := uint64(arenaSize - rb)
	if room == 0 {
		return 0
	}
	x := p.seed ^ uint64(i)<<32 ^ uint64(j)*0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int(x % room)
}

// putPadded writes v as 7 zero-padded digits into b.
func putPadded(b []byte, v int) int {
	for i := 6; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return 7
}

func appendPadded(b []byte, v int) []byte {
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:]...)
}

// RecordID is record j of caller i as {record.id} renders it and the
// reference body carries it: "c0000042-r0000017". A caller's data read
// back after an upgrade is compared by these ids.
func RecordID(i, j int) string {
	b := make([]byte, 0, idLen)
	b = append(b, 'c')
	b = appendPadded(b, i)
	b = append(b, '-', 'r')
	return string(appendPadded(b, j))
}
