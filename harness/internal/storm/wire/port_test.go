package wire

import (
	"net/url"
	"testing"
)

func TestPortOf(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1":        "80",
		"https://127.0.0.1":       "443",
		"http://127.0.0.1:8080/x": "8080",
		"https://[::1]:8443":      "8443",
		"ftp://127.0.0.1":         "",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := PortOf(u); got != want {
			t.Errorf("PortOf(%s) = %q, want %q", in, got, want)
		}
	}
}
