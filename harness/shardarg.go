package harness

import (
	"os"
	"strings"
)

// ExpandShardArg expands, in a scenario argument, the variable that
// --shard reads its index from ($NAME/n or ${NAME}/n): a Swarm task has
// no shell, and `distribute` names each shard's own folder with it
// (/scenario/$SHARD/storm.yaml). Other text, and every argument when
// --shard names no variable or the variable is unset, is left as is.
func ExpandShardArg(shard, arg string) string {
	i, _, _ := strings.Cut(shard, "/")
	name, isVar := strings.CutPrefix(i, "$")
	if !isVar {
		return arg
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "{"), "}")
	v, ok := os.LookupEnv(name)
	if !ok || name == "" {
		return arg
	}
	return strings.NewReplacer("${"+name+"}", v, "$"+name, v).Replace(arg)
}
