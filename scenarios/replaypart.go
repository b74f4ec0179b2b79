package scenarios

import (
	"fmt"
	"math/rand/v2"
)

// NewReplayPartPopulation is the population of one shard's part of a
// replay (a trace part written by `rehearse distribute`, traffic.Part):
// entries of every upload of the whole replay, in its order, where only
// the uploads of this shard's callers carry their caller; ordinal[i] is
// upload i's caller's place among the replay's callers callers, or -1 for
// an upload of another shard's caller. Classes are dealt over all callers
// as NewReplayPopulation deals them, so upload i is the same caller, of
// the same class, as in one machine's replay of the whole trace. An
// upload of another shard is given an ordinal of another shard (so
// --shard index/of never sends it) below callers (so the run still counts
// every caller).
func NewReplayPartPopulation(s *Scenario, ups []ReplayUpload, ordinal []int32, callers, index, of int) (*Population, error) {
	if len(ups) == 0 || len(ordinal) != len(ups) || callers < 1 || of < 2 || index < 0 || index >= of {
		return nil, fmt.Errorf("population: a replay part of %d uploads, %d ordinals, %d callers, shard %d/%d", len(ups), len(ordinal), callers, index, of)
	}
	c := s.Callers
	c.Count = callers
	plans := c.ClassPlans()
	dealt := &Population{name: s.Name, seed: uint64(s.Seed), plans: plans, records: make([]int32, callers)}
	if err := dealt.dealClasses(); err != nil {
		return nil, err
	}
	other := int32(callers - 1)
	if int(other)%of == index {
		other-- // -1 when there is no other caller: never sent either
	}
	p := &Population{name: s.Name, seed: uint64(s.Seed), plans: plans,
		records: make([]int32, len(ups)), class: make([]uint8, len(ups)),
		names: make([]string, len(ups)), pad: make([]int32, len(ups)), ordinal: make([]int32, len(ups))}
	for i, u := range ups {
		k := ordinal[i]
		if u.Records < 1 || u.Pad < 0 || int(k) >= callers || (k >= 0 && int(k)%of != index) {
			return nil, fmt.Errorf("population: upload %d of %q: %d records, pad %d, caller %d of %d in shard %d/%d", i, u.Caller, u.Records, u.Pad, k, callers, index, of)
		}
		p.names[i], p.records[i], p.pad[i], p.ordinal[i] = u.Caller, int32(u.Records), int32(u.Pad), other
		if k >= 0 {
			p.class[i], p.ordinal[i] = dealt.class[k], k
		}
	}
	rng := rand.New(rand.NewPCG(p.seed, 0x5eed))
	p.arena = make([]byte, arenaSize)
	for i := range p.arena {
		p.arena[i] = b64[rng.IntN(64)]
	}
	return p, nil
}
