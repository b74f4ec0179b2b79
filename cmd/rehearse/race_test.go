//go:build race

package main

// raceEnabled: the race detector slows the storm several times over, so
// tests that measure timing (a capacity search) run without it, in make
// test's timing step.
const raceEnabled = true
