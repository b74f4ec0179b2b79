package reports

import (
	"fmt"
	"testing"
)

// BenchmarkAttemptLogWrite is what the storm pays a attempt for its log,
// on many goroutines at once: the compressed form (the default) and the
// plain one, caller names written.
func BenchmarkAttemptLogWrite(b *testing.B) {
	in := RandomAttempts(1<<16, 100_000, 8)
	for _, c := range []struct {
		name string
		o    AttemptLogOptions
	}{{"csv.gz", AttemptLogOptions{}}, {"csv", AttemptLogOptions{Plain: true}}} {
		b.Run(c.name, func(b *testing.B) {
			l, err := CreateAttemptLog(b.TempDir(), c.o)
			if err != nil {
				b.Fatal(err)
			}
			l.SetCallerNames(func(dst []byte, c int32) []byte { return fmt.Appendf(dst, "caller-%07d", c) })
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					_ = l.Write(in[i&(len(in)-1)])
					i++
				}
			})
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
