package scenarios

import (
	"slices"
	"testing"
)

func TestWarningsOnUnmeasuredGates(t *testing.T) {
	const gates = `gates: ["crashes == 0", "p99_ms < 2000", "oom_kills == 0", "restarts == 0", "downtime_s < 1"]` + "\n"
	url, err := Parse("u.yaml", []byte("name: u\nsut: {url: \"http://127.0.0.1:1\"}\ncallers: {count: 1}\n"+gates))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`gate "crashes == 0": crashes is not measured for sut.url (nothing watches the service's containers); it will fail`,
		`gate "oom_kills == 0": oom_kills is not measured for sut.url (nothing watches the service's containers); it will fail`,
		`gate "restarts == 0": restarts is not measured for sut.url (nothing watches the service's containers); it will fail`,
		`gate "downtime_s < 1": downtime_s is not measured for sut.url (nothing watches the service's containers); it will fail`,
	}
	if got := url.Warnings(); !slices.Equal(got, want) {
		t.Fatalf("warnings\n%q\nwant\n%q", got, want)
	}
	ref, err := Parse("r.yaml", []byte("name: r\nsut: {reference: {mode: sync}}\ncallers: {count: 1}\n"+gates))
	if err != nil {
		t.Fatal(err)
	}
	if got := ref.Warnings(); got != nil {
		t.Fatalf("a started SUT is watched; warnings %q", got)
	}
	// A watched sut.url has its crashes measured: nothing to warn about.
	for _, watch := range []string{"{label: com.docker.compose.project=shop}", "{names: [api-1]}"} {
		watched, err := Parse("w.yaml", []byte("name: w\nsut: {url: \"http://127.0.0.1:1\", watch: "+watch+"}\ncallers: {count: 1}\n"+gates))
		if err != nil {
			t.Fatal(err)
		}
		if got := watched.Warnings(); got != nil {
			t.Fatalf("sut.watch %s measures crashes; warnings %q", watch, got)
		}
	}
	// A scenario built in code, never parsed, warns the same.
	built := &Scenario{SUT: SUT{URL: "http://127.0.0.1:1"}, Gates: []Gate{{Expr: "crashes == 0"}, {Expr: "nonsense"}}}
	if got := built.Warnings(); len(got) != 1 || got[0] != want[0] {
		t.Fatalf("built in code: %q", got)
	}
	for _, v := range watchedVariables {
		if !slices.Contains(GateVariables, v) {
			t.Errorf("%s is not a gate variable", v)
		}
	}
}

func TestWarningsOnClassesAndStatus(t *testing.T) {
	sc, err := Parse("w.yaml", []byte(`name: w
sut: {reference: {mode: async}}
api: {status: {path: "/j/{upload.id}", id_field: id}}
callers:
  count: 3
  classes: [{name: a, weight: 1}, {name: b, weight: 1}, {name: c, weight: 1}, {name: d, weight: 1}, {name: e}]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"caller class d gets none of the 3 callers (weight 1); its gates will fail",
		"caller class e gets none of the 3 callers (weight 0); its gates will fail",
		"api.status is read only with completion: body (completion is auto); it is ignored",
	}
	if got := sc.Warnings(); !slices.Equal(got, want) {
		t.Fatalf("warnings\n%q\nwant\n%q", got, want)
	}
}
