// Package wire is the storm's HTTP/1.1 client of the upload attempts: a
// Client writes an Exchange's request and reads its answer on the
// attempt's own goroutine (client.go, write.go, body.go, answer.go),
// under the context of the call (Do: the run's stop ends it at once)
// and the caller's timeout as the connection's deadline, and keeps the
// connection for the next attempt when the answer allows (conn.go).
// What cannot be read as HTTP/1.x, as net/http would refuse it, is a
// ProtocolError (errors.go). It knows nothing of callers, retries or
// reports: the storm (package storm) decides what an attempt's end means.
// docs/wire.md says what it sends and what it accepts.
package wire
