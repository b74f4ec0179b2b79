package traffic

import (
	"container/heap"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// callerTable names the callers seen so far, one small entry each: the
// only state of an import that grows with the log, and it grows with the
// callers, not the lines. With a limit it keeps the limit callers whose
// identities hash lowest (sampleHash), so the sample is the same whatever
// the order of the lines or files.
type callerTable struct {
	ids     map[string]uint32
	c       []callerEntry
	limit   int
	kept    []uint32 // a max-heap by hash of the kept callers; with a limit only
	hashKey []byte
	mac     hashState
}

type callerEntry struct {
	name    string // in the trace: as logged, or its keyed hash
	hash    uint64 // sampleHash of the identity as logged
	first   int64  // first and last arrival, Unix ns
	last    int64
	uploads int64
	bySrc   [maxSizeKeys + 1]int64 // uploads by where their size came from (spillRec.src)
	dropped bool                   // left out by the limit
}

// hashState is a reusable HMAC.
type hashState struct {
	key []byte
	buf []byte
}

func newCallerTable(limit int, hashKey []byte) *callerTable {
	return &callerTable{ids: map[string]uint32{}, limit: limit, hashKey: hashKey, mac: hashState{key: hashKey}}
}

// lookup returns the id of the caller raw, adding it when new, and
// whether its uploads are kept.
func (t *callerTable) lookup(raw []byte) (uint32, bool) {
	if id, ok := t.ids[string(raw)]; ok {
		return id, !t.c[id].dropped
	}
	id := uint32(len(t.c))
	e := callerEntry{name: string(raw), hash: sampleHash(raw)}
	if t.hashKey != nil {
		e.name = t.mac.name(raw)
	}
	t.ids[string(raw)] = id
	t.c = append(t.c, e)
	if t.limit > 0 {
		t.admit(id)
	}
	return id, !t.c[id].dropped
}

// admit keeps id if fewer than limit callers are kept or it hashes lower
// than the highest kept one, which it then replaces. A caller once left
// out is never let back in: the highest kept hash only falls.
func (t *callerTable) admit(id uint32) {
	k := keptHeap{t}
	if len(t.kept) < t.limit {
		heap.Push(k, id)
		return
	}
	top := t.kept[0]
	if t.c[id].hash >= t.c[top].hash {
		t.c[id].dropped = true
		return
	}
	t.c[top].dropped = true
	t.kept[0] = id
	heap.Fix(k, 0)
}

// keptHeap is t.kept as a max-heap by hash (container/heap).
type keptHeap struct{ t *callerTable }

func (k keptHeap) Len() int { return len(k.t.kept) }
func (k keptHeap) Less(i, j int) bool {
	return k.t.c[k.t.kept[i]].hash > k.t.c[k.t.kept[j]].hash
}
func (k keptHeap) Swap(i, j int) { k.t.kept[i], k.t.kept[j] = k.t.kept[j], k.t.kept[i] }
func (k keptHeap) Push(x any)    { k.t.kept = append(k.t.kept, x.(uint32)) }
func (k keptHeap) Pop() any {
	n := len(k.t.kept) - 1
	id := k.t.kept[n]
	k.t.kept = k.t.kept[:n]
	return id
}

// uploads counts the uploads of the callers kept so far.
func (t *callerTable) uploads() int64 {
	var n int64
	for _, c := range t.c {
		if !c.dropped {
			n += c.uploads
		}
	}
	return n
}

// seen records an upload of caller id at t, its size from src
// (spillRec.src).
func (t *callerTable) seen(id uint32, at int64, src uint8) {
	e := &t.c[id]
	e.bySrc[src]++
	if e.uploads == 0 || at < e.first {
		e.first = at
	}
	if at > e.last {
		e.last = at
	}
	e.uploads++
}

// name is the keyed hash of raw: c- and the first 8 bytes of
// HMAC-SHA256(key, raw) in hex. 64 bits keep 50,000 callers apart with a
// chance of a collision below one in 10^10.
func (h *hashState) name(raw []byte) string {
	m := hmac.New(sha256.New, h.key)
	m.Write(raw)
	h.buf = m.Sum(h.buf[:0])
	return "c-" + hex.EncodeToString(h.buf[:8])
}

// sampleHash is a fixed 64-bit hash of a caller's identity (FNV-1a with a
// final mix), the same in every run, for --callers sampling.
func sampleHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
