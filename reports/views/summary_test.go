package views

import (
	"testing"

	"github.com/rehearse-dev/rehearse/reports"
)

func TestSUTRowNamesTheImage(t *testing.T) {
	for _, c := range []struct {
		sut  reports.SUTInfo
		want string
	}{
		{reports.SUTInfo{Kind: "reference", Mode: "async", Image: "rehearse/uploadsvc:abc", Replicas: 3}, "reference async (rehearse/uploadsvc:abc) x3"},
		{reports.SUTInfo{Kind: "image", Image: "team/api:v2", Replicas: 1}, "image team/api:v2"},
		{reports.SUTInfo{Kind: "image", Image: "team/api:v2", Replicas: 2}, "image team/api:v2 x2"},
		{reports.SUTInfo{Kind: "url", Target: "http://10.1.2.3:80"}, "url http://10.1.2.3:80"},
	} {
		if got := sutText(&reports.Report{SUT: c.sut}); got != c.want {
			t.Errorf("sut = %q, want %q", got, c.want)
		}
	}
}
