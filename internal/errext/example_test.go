package errext_test

import (
	"errors"
	"fmt"

	"github.com/rehearse-dev/rehearse/internal/errext"
)

func Example() {
	err := errors.New(`--target "localhost:8080": missing scheme`)
	err = errext.WithHint(err, "write the base URL, e.g. --target http://127.0.0.1:8080")
	err = errext.WithExitCodeIfNone(err, errext.Usage)
	err = errext.WithExitCodeIfNone(fmt.Errorf("attack: %w", err), errext.Environment) // kept: Usage is closer to the cause

	code, _ := errext.Code(err)
	fmt.Println("rehearse:", err)
	for _, h := range errext.Hints(err) {
		fmt.Println("hint:", h)
	}
	fmt.Println("exit", int(code))
	// Output:
	// rehearse: attack: --target "localhost:8080": missing scheme
	// hint: write the base URL, e.g. --target http://127.0.0.1:8080
	// exit 2
}
