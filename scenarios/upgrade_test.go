package scenarios

import (
	"strings"
	"testing"
)

// The upgrade, watch and data blocks of DESIGN §4.9: valid forms parse,
// and each mistake is reported at its line.
func TestUpgradeWatchDataBlocks(t *testing.T) {
	ok := `name: d
sut: {url: "http://127.0.0.1:9000", watch: {label: "com.docker.compose.project=shop", health: /healthz}}
api: {verify: {path: "/v1/callers/{caller}/records", ids_field: "records[].id"}}
upgrade: {at: 5s, command: ["./deploy.sh", "v2"]}
data: {preload: {records: 100}, verify: after_upgrade, restorm: invalidated}
callers: {count: 10}
`
	sc, err := Parse("d.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Upgrade.Deploys() || sc.Upgrade.Timeout.D() != DefaultUpgradeTimeout || sc.Upgrade.Strategy != "" ||
		sc.Data.Preload.Rate != DefaultPreloadRate || sc.SUT.Watch.Label == "" {
		t.Fatalf("parsed %+v %+v %+v", sc.Upgrade, sc.Data, sc.SUT.Watch)
	}
	bad := `name: d
sut: {reference: {mode: sync}, watch: {}}
upgrade: {at: 5s, command: ["./deploy.sh"], shell: "x", strategy: rolling}
data: {verify: after_upgrade, restorm: all}
`
	_, err = Parse("d.yaml", []byte(bad))
	for _, want := range []string{
		"d.yaml:2:", "sut.watch: watches containers you started, with sut.url",
		"sut.watch: needs exactly one of label",
		"d.yaml:3:", "upgrade: needs exactly one of to (a new SUT), command",
		"upgrade.strategy: applies to an upgrade with to",
		"data.verify: needs data.preload", "data.verify: needs api.verify",
		`data.restorm: must be invalidated (or left out: every caller storms), got "all"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
}
