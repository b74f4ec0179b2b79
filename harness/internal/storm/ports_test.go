package storm

import (
	"net"
	"testing"
)

// TestPortsInUse opens connections to a listener and counts them from
// the kernel's table, closed ones (TIME_WAIT on this side) included.
func TestPortsInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	if n, ok := portsInUse(ln.Addr().String()); !ok || n != 0 {
		t.Fatalf("before: %d %v, want 0 (the listener is not one)", n, ok)
	}
	var conns []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	conns[0].Close() // closed by this side first: TIME_WAIT holds its port
	n, ok := portsInUse(ln.Addr().String())
	if !ok || n != 5 {
		t.Errorf("5 connections, one closed: counted %d (%v)", n, ok)
	}
	for _, c := range conns[1:] {
		c.Close()
	}
	if r, ok := portRange(); !ok || r < 1000 {
		t.Errorf("port range %d (%v)", r, ok)
	}
}

func TestField(t *testing.T) {
	line := []byte("   0: 0100007F:8AE3 0100007F:1F90 06 00000000:00000000")
	for i, want := range []string{"0:", "0100007F:8AE3", "0100007F:1F90", "06", "00000000:00000000", ""} {
		if got := string(field(line, i)); got != want {
			t.Errorf("field %d: %q, want %q", i, got, want)
		}
	}
}
