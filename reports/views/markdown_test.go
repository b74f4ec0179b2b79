package views

import "testing"

func TestMarkdownFenceOutlastsBackticks(t *testing.T) {
	if got := fence("a ```` b"); got != "`````" {
		t.Errorf("fence %q", got)
	}
	if got := fence("plain"); got != "```" {
		t.Errorf("fence %q", got)
	}
}
