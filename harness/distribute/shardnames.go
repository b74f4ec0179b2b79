package distribute

import (
	"github.com/rehearse-dev/rehearse/harness"
	"github.com/rehearse-dev/rehearse/harness/internal/storm"
	"github.com/rehearse-dev/rehearse/scenarios"
)

// shardCallerNames names a merge's callers in its attempt log: from local,
// the scenario as the merging machine has it, when set; else from the
// shards' scenario as they read it, which works where its files are at the
// same paths (local shards). nil when neither can build the callers.
func shardCallerNames(sr harness.ShardResult, local *scenarios.Scenario) func(dst []byte, caller int32) []byte {
	if local != nil {
		if names := storm.CallerNames(local); names != nil {
			return names
		}
	}
	sc, err := scenarios.Parse(sr.Scenario.File, []byte(sr.ScenarioYAML))
	if err != nil {
		return nil
	}
	return storm.CallerNames(sc)
}
