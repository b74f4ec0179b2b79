package k8s

import (
	"fmt"
	"path"
	"strconv"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// The start instant is not in the manifests, so they can be applied again
// (docs/shards.md, "Kubernetes"): every shard reads it from the key StartKey
// of the ConfigMap <run id>-start into StartEnv, made as the manifests are
// applied (`kubectl create configmap`, or distribute --apply). A pod whose
// ConfigMap is missing waits for it (CreateContainerConfigError) and starts
// once it is there.
const (
	StartEnv = "REHEARSE_START_AT"
	StartKey = "start-at"
)

// StartConfigMapName names the run's start ConfigMap.
func StartConfigMapName(runID string) string { return runID + "-start" }

// shardConfigMapName names shard i's own files' ConfigMap.
func shardConfigMapName(runID string, i int) string {
	return runID + "-shard-" + strconv.Itoa(i)
}

// maxConfigMapBytes is the most one ConfigMap object holds (1 MiB), less
// room for what the API server adds.
const maxConfigMapBytes = 1<<20 - 8<<10

// filesConfigMap carries files as keys f0, f1, ... (binaryData for what is
// not UTF-8 text), for a volume to map back to their paths (items).
func filesConfigMap(name string, files []File, sc Scenario, o Options) (configMap, []keyPath, error) {
	cm := configMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: o.meta(name, sc.Name)}
	var items []keyPath
	for j, f := range files {
		key := "f" + strconv.Itoa(j)
		if utf8.Valid(f.Data) {
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[key] = string(f.Data)
		} else {
			if cm.BinaryData == nil {
				cm.BinaryData = map[string][]byte{}
			}
			cm.BinaryData[key] = f.Data
		}
		items = append(items, keyPath{Key: key, Path: f.Path})
	}
	if b, _ := yaml.Marshal(cm); len(b) > maxConfigMapBytes {
		return cm, nil, fmt.Errorf("%w: ConfigMap %s would be %d bytes; Kubernetes holds at most 1 MiB in one: more shards make each shard's part of the trace smaller", ErrInvalid, name, len(b))
	}
	return cm, items, nil
}

// configMaps are the ConfigMaps of sc's files, and the volume that puts
// them where ScenarioArg says: the scenario alone (ScenarioKey at
// ScenarioDir), the files every shard reads, or with Parts each shard's
// folder ScenarioDir/<index>/ holding those and its own.
func configMaps(sc Scenario, o Options) ([]configMap, volume, error) {
	common := configMapName(o.RunID)
	if sc.Path == "" {
		return []configMap{newConfigMap(sc, o)}, volume{Name: scenarioVolume, ConfigMap: &configMapVolume{Name: common}}, nil
	}
	cm, items, err := filesConfigMap(common, sc.Files, sc, o)
	if err != nil {
		return nil, volume{}, err
	}
	if sc.Parts == nil {
		return []configMap{cm}, volume{Name: scenarioVolume, ConfigMap: &configMapVolume{Name: common, Items: items}}, nil
	}
	cms := []configMap{cm}
	var sources []projection
	for i, part := range sc.Parts {
		own, ownItems, err := filesConfigMap(shardConfigMapName(o.RunID, i), part, sc, o)
		if err != nil {
			return nil, volume{}, err
		}
		cms = append(cms, own)
		dir := strconv.Itoa(i)
		sources = append(sources, projection{ConfigMap: configMapProjection{Name: common, Items: under(dir, items)}},
			projection{ConfigMap: configMapProjection{Name: own.Metadata.Name, Items: under(dir, ownItems)}})
	}
	return cms, volume{Name: scenarioVolume, Projected: &projected{Sources: sources}}, nil
}

// under puts items' paths below dir.
func under(dir string, items []keyPath) []keyPath {
	out := make([]keyPath, len(items))
	for i, it := range items {
		out[i] = keyPath{Key: it.Key, Path: path.Join(dir, it.Path)}
	}
	return out
}

// ScenarioArg is the scenario file as the shard container names it.
func ScenarioArg(sc Scenario) string {
	switch {
	case sc.Path == "":
		return ScenarioDir + "/" + ScenarioKey
	case sc.Parts == nil:
		return ScenarioDir + "/" + sc.Path
	}
	return ScenarioDir + "/$(" + IndexEnv + ")/" + sc.Path
}

// newStartConfigMap is the start ConfigMap holding at, for start.yaml.
func newStartConfigMap(sc Scenario, o Options, at time.Time) configMap {
	return configMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: o.meta(StartConfigMapName(o.RunID), sc.Name),
		Data: map[string]string{StartKey: at.UTC().Format(time.RFC3339)}}
}
