package sutrun

import (
	"fmt"
	"math/rand/v2"
	"net"
)

// freePort returns a free TCP port on 127.0.0.1 below the kernel's
// ephemeral range (32768-60999 here): a port picked from that range can be
// taken as the local port of an outgoing connection (the storm opens
// thousands) before the SUT binds it.
func freePort() (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(12000)
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
