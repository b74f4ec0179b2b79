// Package errext lets an error carry what the CLI needs to end a process
// well: the exit code it stands for and advice for the user, kept beside the
// message rather than glued into it. It follows k6's errext: the code is
// attached where the error is understood (WithExitCodeIfNone) and read once,
// at the top, with errors.As (Code); hints are attached with WithHint and
// read with Hints. The package prints nothing.
package errext
