package k8s

// The manifests are written from these structs, each the smallest subset
// of its Kubernetes type (k8s.io/api core/v1, batch/v1) that the shards
// need, with the same JSON names. Keeping our own subset keeps the
// Kubernetes API packages out of the binary and every emitted field in
// sight; the tests decode the output strictly into the real types, so a
// misspelt or misplaced field fails them.

// objectMeta is metav1.ObjectMeta's subset.
type objectMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// configMap is corev1.ConfigMap.
type configMap struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Data       map[string]string `json:"data,omitempty"`
	BinaryData map[string][]byte `json:"binaryData,omitempty"`
}

// job is batchv1.Job.
type job struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       jobSpec    `json:"spec"`
}

// jobSpec is batchv1.JobSpec. BackoffLimit has no omitempty: its zero is
// the point (a failed shard is not retried: a second attempt would start
// after the instant, and count its callers twice).
type jobSpec struct {
	CompletionMode          string      `json:"completionMode"`
	Completions             int         `json:"completions"`
	Parallelism             int         `json:"parallelism"`
	BackoffLimit            int         `json:"backoffLimit"`
	ActiveDeadlineSeconds   int64       `json:"activeDeadlineSeconds"`
	TTLSecondsAfterFinished int32       `json:"ttlSecondsAfterFinished"`
	Template                podTemplate `json:"template"`
}

// podTemplate is corev1.PodTemplateSpec.
type podTemplate struct {
	Metadata objectMeta `json:"metadata"`
	Spec     podSpec    `json:"spec"`
}

// podSpec is corev1.PodSpec.
type podSpec struct {
	RestartPolicy                string             `json:"restartPolicy"`
	AutomountServiceAccountToken *bool              `json:"automountServiceAccountToken,omitempty"`
	SecurityContext              podSecurityContext `json:"securityContext"`
	Containers                   []container        `json:"containers"`
	Volumes                      []volume           `json:"volumes"`
}

// podSecurityContext is corev1.PodSecurityContext.
type podSecurityContext struct {
	SeccompProfile seccompProfile `json:"seccompProfile"`
}

// seccompProfile is corev1.SeccompProfile.
type seccompProfile struct {
	Type string `json:"type"`
}

// container is corev1.Container.
type container struct {
	Name            string            `json:"name"`
	Image           string            `json:"image"`
	ImagePullPolicy string            `json:"imagePullPolicy"`
	Args            []string          `json:"args"`
	Env             []envVar          `json:"env"`
	Ports           []containerPort   `json:"ports,omitempty"`
	Resources       resources         `json:"resources"`
	VolumeMounts    []volumeMount     `json:"volumeMounts"`
	SecurityContext containerSecurity `json:"securityContext"`
}

// envVar is corev1.EnvVar, valued from a field of the pod or a key of a
// ConfigMap.
type envVar struct {
	Name      string       `json:"name"`
	ValueFrom envVarSource `json:"valueFrom"`
}

// envVarSource is corev1.EnvVarSource.
type envVarSource struct {
	FieldRef        *fieldRef        `json:"fieldRef,omitempty"`
	ConfigMapKeyRef *configMapKeyRef `json:"configMapKeyRef,omitempty"`
}

// configMapKeyRef is corev1.ConfigMapKeySelector.
type configMapKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// containerPort is corev1.ContainerPort.
type containerPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
}

// fieldRef is corev1.ObjectFieldSelector.
type fieldRef struct {
	FieldPath string `json:"fieldPath"`
}

// resources is corev1.ResourceRequirements, quantities as text.
type resources struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

// volumeMount is corev1.VolumeMount.
type volumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

// containerSecurity is corev1.SecurityContext.
type containerSecurity struct {
	RunAsNonRoot             bool         `json:"runAsNonRoot"`
	RunAsUser                int64        `json:"runAsUser"`
	RunAsGroup               int64        `json:"runAsGroup"`
	ReadOnlyRootFilesystem   bool         `json:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation bool         `json:"allowPrivilegeEscalation"`
	Capabilities             capabilities `json:"capabilities"`
}

// capabilities is corev1.Capabilities.
type capabilities struct {
	Drop []string `json:"drop"`
}

// volume is corev1.Volume: a ConfigMap, ConfigMaps (projected) or an
// emptyDir.
type volume struct {
	Name      string           `json:"name"`
	ConfigMap *configMapVolume `json:"configMap,omitempty"`
	Projected *projected       `json:"projected,omitempty"`
	EmptyDir  *struct{}        `json:"emptyDir,omitempty"`
}

// configMapVolume is corev1.ConfigMapVolumeSource; without items every
// key is a file of its name.
type configMapVolume struct {
	Name  string    `json:"name"`
	Items []keyPath `json:"items,omitempty"`
}

// projected is corev1.ProjectedVolumeSource of ConfigMaps.
type projected struct {
	Sources []projection `json:"sources"`
}

// projection is corev1.VolumeProjection of one ConfigMap.
type projection struct {
	ConfigMap configMapProjection `json:"configMap"`
}

// configMapProjection is corev1.ConfigMapProjection: keys to paths.
type configMapProjection struct {
	Name  string    `json:"name"`
	Items []keyPath `json:"items"`
}

// keyPath is corev1.KeyToPath.
type keyPath struct {
	Key  string `json:"key"`
	Path string `json:"path"`
}
