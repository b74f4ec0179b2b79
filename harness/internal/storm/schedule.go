package storm

import "time"

// item is one attempt the schedule owes: caller's try number try, due at
// offset at from the run's start. 16 bytes: a periodic caller's next
// upload waits as one for most of the run.
type item struct {
	at     time.Duration
	caller int32
	try    int32
}

func (it item) id() attemptID { return attemptID{caller: int(it.caller), try: it.try} }

// schedule is a min-heap of intended send times (container/heap). First
// attempts enter it from the arrival profile, retries when their backoff
// is known, so the earliest due attempt is always on top.
type schedule []item

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].at < s[j].at }
func (s schedule) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)        { *s = append(*s, x.(item)) }
func (s *schedule) Pop() any {
	old := *s
	it := old[len(old)-1]
	*s = old[:len(old)-1]
	return it
}
