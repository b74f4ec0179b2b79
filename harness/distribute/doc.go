// Package distribute runs one rehearsal as shards and folds them back
// into one report: on Docker Swarm (a replicated job of the rehearse
// image, Swarm), on Kubernetes (an Indexed Job's manifests, written by
// EmitKubernetes and applied by ApplyKubernetes), or as shard folders run
// anywhere and merged after (Merge, MergeLogs). Each shard is a
// harness.Run with its --shard; the merge counts exactly what one machine
// would have.
package distribute
