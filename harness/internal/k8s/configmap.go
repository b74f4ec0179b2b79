package k8s

// newConfigMap carries the scenario file verbatim under ScenarioKey, for
// the Job to mount at ScenarioDir.
func newConfigMap(sc Scenario, o Options) configMap {
	return configMap{
		APIVersion: "v1",
		Kind:       "ConfigMap",
		Metadata:   o.meta(configMapName(o.RunID), sc.Name),
		Data:       map[string]string{ScenarioKey: string(sc.Source)},
	}
}
