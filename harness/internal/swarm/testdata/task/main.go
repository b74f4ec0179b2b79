// Command task is the program of the swarm package's test job: it prints
// its slot, the mounted file, and a line longer than Docker's 16 KiB log
// chunks to stdout, a line to stderr, and fails in slot $FAIL_SLOT.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	slot := os.Getenv("SHARD")
	file, err := os.ReadFile("/job/file.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, "read file:", err)
		os.Exit(2)
	}
	fmt.Printf("slot=%s\nfile=%s\n", slot, file)
	fmt.Println(strings.Repeat("x", 100_000))
	fmt.Println("end")
	fmt.Fprintf(os.Stderr, "stderr of %s\n", slot)
	if slot == os.Getenv("FAIL_SLOT") {
		os.Exit(3)
	}
}
