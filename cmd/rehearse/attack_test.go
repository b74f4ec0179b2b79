package main

import (
	"strings"
	"testing"
)

func TestParseWatch(t *testing.T) {
	w, err := parseWatch([]string{"label=com.docker.compose.project=shop"})
	if err != nil || w.Label != "com.docker.compose.project=shop" || len(w.Names) != 0 {
		t.Fatalf("label: %+v %v", w, err)
	}
	w, err = parseWatch([]string{"name=api-1", "name=api-2"})
	if err != nil || len(w.Names) != 2 || w.Label != "" {
		t.Fatalf("names: %+v %v", w, err)
	}
	if w, err := parseWatch(nil); w != nil || err != nil {
		t.Fatalf("none: %+v %v", w, err)
	}
	for _, bad := range [][]string{{"api-1"}, {"label="}, {"pid=3"}, {"label=a", "name=b"}, {"label=a", "label=b"}} {
		if _, err := parseWatch(bad); err == nil || !strings.Contains(err.Error(), "--watch") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
