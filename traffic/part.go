package traffic

// Part says that a trace holds one shard's share of another trace's
// replay (docs/shards.md, "Replays on Swarm and Kubernetes"): only the
// callers k of the replay with k mod Of == Index, each upload carrying
// its place in the whole replay's order ("g") and each caller its place
// among the replay's callers ("k"). A shard that replays a part numbers
// its callers as one machine replaying the whole trace would, so the
// merged report and its attempt log name every logged caller as one
// machine's replay does, while each shard's files hold only its callers.
//
// A part is made for one scenario's replay: its order depends on the
// speed and on whether retries are kept, so a replay with others refuses it.
type Part struct {
	// Index and Of are the shard: --shard Index/Of.
	Index int `json:"index"`
	Of    int `json:"of"`
	// Callers and Uploads are the whole replay's: its logged callers and
	// the uploads it sends (retries left out unless kept).
	Callers int   `json:"callers"`
	Uploads int64 `json:"uploads"`
	// Dropped counts the whole trace's uploads left out as retries.
	Dropped int `json:"dropped"`
	// Speed and Retries are the replay's traffic.speed and
	// traffic.retries the order was made for.
	Speed   float64 `json:"speed"`
	Retries string  `json:"retries"`
	// Trace is the whole trace's header: the replay's notes quote it.
	Trace Header `json:"trace"`
}
