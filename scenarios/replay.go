package scenarios

import (
	"fmt"
	"math/rand/v2"
)

// ReplayUpload is one logged upload as a replay sends it (traffic.replay,
// docs/traffic.md): the caller that sent it, its records, and the bytes of
// whitespace that bring its body to the logged size (Requests.Fit).
type ReplayUpload struct {
	Caller  string
	Records int
	Pad     int
}

// NewReplayPopulation is a population of logged uploads instead of
// synthetic callers: entry i is upload i, sent as its caller (names may
// repeat: a caller's uploads), with its own records and padding. Classes
// are dealt over the distinct callers by weight, seeded, so all uploads of
// a caller are of one class.
func NewReplayPopulation(s *Scenario, ups []ReplayUpload) (*Population, error) {
	if len(ups) == 0 {
		return nil, fmt.Errorf("population: the trace holds no upload")
	}
	index := map[string]int{}
	var distinct []string
	for _, u := range ups {
		if _, ok := index[u.Caller]; !ok {
			index[u.Caller] = len(distinct)
			distinct = append(distinct, u.Caller)
		}
	}
	c := s.Callers
	c.Count = len(distinct)
	plans := c.ClassPlans()
	callers := &Population{name: s.Name, seed: uint64(s.Seed), plans: plans, records: make([]int32, len(distinct))}
	if err := callers.dealClasses(); err != nil {
		return nil, err
	}
	p := &Population{name: s.Name, seed: uint64(s.Seed), plans: plans,
		records: make([]int32, len(ups)), class: make([]uint8, len(ups)),
		names: make([]string, len(ups)), pad: make([]int32, len(ups)), ordinal: make([]int32, len(ups))}
	for i, u := range ups {
		if u.Records < 1 || u.Pad < 0 {
			return nil, fmt.Errorf("population: upload %d of %s: %d records, pad %d", i, u.Caller, u.Records, u.Pad)
		}
		p.names[i], p.records[i], p.pad[i] = distinct[index[u.Caller]], int32(u.Records), int32(u.Pad)
		p.class[i] = callers.class[index[u.Caller]]
		p.ordinal[i] = int32(index[u.Caller])
	}
	rng := rand.New(rand.NewPCG(p.seed, 0x5eed))
	p.arena = make([]byte, arenaSize)
	for i := range p.arena {
		p.arena[i] = b64[rng.IntN(64)]
	}
	return p, nil
}

// Pad is the whitespace after caller i's body that brings a replayed
// upload to its logged size; 0 for a synthetic caller.
func (p *Population) Pad(i int) int {
	if p.pad == nil {
		return 0
	}
	return int(p.pad[i])
}

// Replayed reports whether p is a replay's uploads (NewReplayPopulation).
func (p *Population) Replayed() bool { return p.names != nil }

// Ordinal is the caller that caller i belongs to, for sharding: i itself,
// or for a replayed upload its caller's place in the trace, so that all
// uploads of a caller go to one shard.
func (p *Population) Ordinal(i int) int {
	if p.ordinal == nil {
		return i
	}
	return int(p.ordinal[i])
}
