package storm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
)

// Every connection to the target holds an ephemeral port of this machine,
// and a connection this side closed holds it a minute longer in
// TIME_WAIT; to one target there are only as many as the port range
// (28,232 here), shared by every process. The report says how many were
// in use when the storm ended, so a user sees the wall before hitting it.

// portsInUse counts this machine's TCP sockets to addr (host:port) in any
// state but LISTEN, TIME_WAIT included, from /proc/net/tcp (tcp6 for an
// IPv6 address); ok is false when they cannot be read.
func portsInUse(addr string) (n int64, ok bool) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return 0, false
	}
	file, want := "/proc/net/tcp", ""
	if ip4 := ta.IP.To4(); ip4 != nil {
		want = fmt.Sprintf("%08X:%04X", binary.LittleEndian.Uint32(ip4), ta.Port)
	} else {
		file = "/proc/net/tcp6"
		var b strings.Builder
		for i := 0; i < 16; i += 4 {
			fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(ta.IP[i:i+4]))
		}
		want = fmt.Sprintf("%s:%04X", b.String(), ta.Port)
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	// The table holds a line per socket, tens of thousands after a storm:
	// read without allocating per line.
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st ...
		if rem, st := field(sc.Bytes(), 2), field(sc.Bytes(), 3); string(rem) == want && string(st) != "0A" {
			n++
		}
	}
	return n, sc.Err() == nil
}

// field is the i-th (0-based) space-separated field of line, nil when
// there are fewer.
func field(line []byte, i int) []byte {
	for {
		line = bytes.TrimLeft(line, " ")
		end := bytes.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		if i == 0 {
			return line[:end]
		}
		if end == len(line) {
			return nil
		}
		line, i = line[end:], i-1
	}
}

// portRange is how many ephemeral ports this machine hands out
// (net.ipv4.ip_local_port_range); ok is false when it cannot be read.
func portRange() (n int64, ok bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, false
	}
	var lo, hi int64
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || hi < lo {
		return 0, false
	}
	return hi - lo + 1, true
}
