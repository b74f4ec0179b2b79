package distribute

import (
	"strconv"

	"github.com/rehearse-dev/rehearse/harness/internal/swarm"
)

// swarmShardDir is shard i's folder in its task: i is a number, or the
// variable the task expands ($SHARD).
func swarmShardDir(i string) string { return shardScenarioDir + "/" + i }

// maxSwarmConfigs bounds the configs of one run: beyond it the files are
// baked into the image rather than asking Swarm's store for thousands.
const maxSwarmConfigs = 512

// swarmConfigLimit is the largest file shipped as a config (a test
// lowers it to bake).
var swarmConfigLimit = swarm.MaxConfig

// shipSwarm puts every shard's files into job as swarm configs, one a file
// at its shard's folder, when each fits in a config (swarm.MaxConfig) and
// there are not too many; else it returns them, to be baked into the shard
// image (swarm.BuildImageWith). It says which in opts.Logf.
func shipSwarm(job *swarm.Job, sf *shardFiles, opts SwarmOptions) []swarm.File {
	var files []swarm.File
	for i, fs := range sf.each {
		for _, f := range fs {
			files = append(files, swarm.File{Path: swarmShardDir(strconv.Itoa(i)) + "/" + f.rel, Data: f.data})
		}
	}
	what := "the scenario and the files it names"
	if sf.replay != "" {
		what = "the scenario and each shard's own callers' part of the trace"
	}
	if sf.largest() <= swarmConfigLimit && len(files) <= maxSwarmConfigs {
		opts.Logf("shipping %s as %d swarm configs (largest %d KB)", what, len(files), sf.largest()/1024)
		job.Files = files
		return nil
	}
	opts.Logf("baking %s into the shard image (%d files, largest %d KB; a swarm config holds %d KB)", what, len(files), sf.largest()/1024, swarm.MaxConfig/1024)
	return files
}
