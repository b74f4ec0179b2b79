package harness

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/rehearse-dev/rehearse/harness/internal/storm/wire"
)

// A probe's connections that this side closed hold their ephemeral ports
// for a minute in TIME_WAIT; a probe started on top of them measures the
// last one's ports, not the service (bench/knee.sh waits for the same).

// waitQuietPorts waits, for at most maxWait, until fewer than limit
// sockets to target's port are in TIME_WAIT, watching /proc/net/tcp every
// 200 ms. It returns the last count and whether it got below the limit;
// true at once when the sockets cannot be read or there is no target.
func waitQuietPorts(ctx context.Context, target string, limit int, maxWait time.Duration) (int, bool) {
	port := targetPort(target)
	if port == 0 {
		return 0, true
	}
	deadline := time.Now().Add(maxWait)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		n, ok := timeWaitTo(port)
		if !ok || n < limit {
			return n, true
		}
		if time.Now().After(deadline) {
			return n, false
		}
		select {
		case <-ctx.Done():
			return n, false
		case <-tick.C:
		}
	}
}

// targetPort is the TCP port of a base URL, 0 when it has none.
func targetPort(target string) int {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return 0
	}
	n, _ := strconv.Atoi(wire.PortOf(u))
	return n
}

// timeWaitTo counts this machine's sockets in TIME_WAIT (state 06) whose
// remote port is port, over IPv4 and IPv6; ok is false when neither table
// can be read.
func timeWaitTo(port int) (n int, ok bool) {
	want := []byte(fmt.Sprintf(":%04X", port))
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		ok = true
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st ...
			fs := bytes.Fields(sc.Bytes())
			if len(fs) > 3 && bytes.HasSuffix(fs[2], want) && string(fs[3]) == "06" {
				n++
			}
		}
		f.Close()
	}
	return n, ok
}

// quietLimit is how many sockets to the target may be in TIME_WAIT when a
// probe starts: a quarter of the ephemeral port range (7,058 of 28,232
// here), so the next probe still has three quarters of it; 1,000 (the
// bench scripts' rule) when the range cannot be read.
func quietLimit() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 1000
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || hi <= lo {
		return 1000
	}
	return (hi - lo + 1) / 4
}
