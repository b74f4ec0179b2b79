package sutrun

// Runtime is where the SUT runs.
type Runtime string

// Runtimes. RuntimeNone: a service rehearse did not start (sut.url).
const (
	RuntimeDocker  Runtime = "docker"
	RuntimeProcess Runtime = "process"
	RuntimeNone    Runtime = "none"
)
