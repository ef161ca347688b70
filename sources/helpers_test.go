package sources

import (
	"strings"
	"testing"
)

// wantBuildErr checks a kind's build error against the substrings want
// (nil: no error wanted). It reports whether an error was wanted, which ends
// the test case.
func wantBuildErr(t *testing.T, call string, err error, want []string) bool {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s = %v", call, err)
		}
		return false
	}
	if err == nil {
		t.Fatalf("%s = nil error; want %q", call, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s = %q; want it to contain %q", call, err, w)
		}
	}
	return true
}
