package errext

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

var errBase = errors.New("base")

func TestWithExitCodeIfNone(t *testing.T) {
	if WithExitCodeIfNone(nil, Usage) != nil {
		t.Fatal("nil error gained a code")
	}
	if _, ok := Code(errBase); ok {
		t.Fatal("a plain error has a code")
	}
	err := WithExitCodeIfNone(errBase, Usage)
	if c, ok := Code(err); !ok || c != Usage {
		t.Fatalf("Code = %v, %v; want %v", c, ok, Usage)
	}
	if err.Error() != "base" || !errors.Is(err, errBase) {
		t.Fatalf("message or chain changed: %q", err)
	}
	// The code closest to the cause wins, also through wrapping.
	outer := WithExitCodeIfNone(fmt.Errorf("load scenario: %w", err), Environment)
	if c, _ := Code(outer); c != Usage {
		t.Fatalf("outer code %v overrode the inner %v", c, Usage)
	}
	// errors.Join branches are searched too.
	joined := errors.Join(errBase, WithExitCodeIfNone(errors.New("x"), Interrupted))
	if c, ok := Code(joined); !ok || c != Interrupted {
		t.Fatalf("Code(joined) = %v, %v", c, ok)
	}
}

func TestHints(t *testing.T) {
	if WithHint(nil, "h") != nil {
		t.Fatal("nil error gained a hint")
	}
	if WithHint(errBase, "") != errBase {
		t.Fatal("an empty hint wrapped the error")
	}
	if Hints(errBase) != nil {
		t.Fatal("a plain error has hints")
	}
	inner := WithHint(errBase, "inner")
	err := WithHint(WithExitCodeIfNone(fmt.Errorf("ctx: %w", inner), Usage), "outer")
	if got, want := Hints(err), []string{"outer", "inner"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Hints = %q, want %q", got, want)
	}
	if err.Error() != "ctx: base" {
		t.Fatalf("hint glued into the message: %q", err)
	}
	if c, _ := Code(err); c != Usage {
		t.Fatalf("hint hid the code: %v", c)
	}
	j := errors.Join(WithHint(errors.New("a"), "same"), WithHint(errors.New("b"), "same"), WithHint(errors.New("c"), "other"))
	if got, want := Hints(j), []string{"same", "other"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Hints(joined) = %q, want %q", got, want)
	}
}
