package main

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestNoTestPackagesShipped keeps test helpers out of the binary: no package
// that cmd/bot depends on may be a test package (an import path ending in
// "test", such as the platform fakes, or std's testing and
// net/http/httptest). The simulator ships as internal/sdsim.
func TestNoTestPackagesShipped(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not available:", err)
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !slices.Contains(deps, "github.com/imaginebot/imaginebot/internal/sdsim") {
		t.Fatalf("go list -deps listed %d packages without internal/sdsim: %v", len(deps), deps)
	}
	for _, d := range deps {
		if shipsTestCode(d) {
			t.Errorf("cmd/bot depends on the test package %s", d)
		}
	}
}

// shipsTestCode reports whether the import path names a test package. The
// runtime's own internal/synctest and internal/testlog (std paths under
// internal/, imported by sync and os) are part of every Go program.
func shipsTestCode(path string) bool {
	if strings.HasPrefix(path, "internal/") {
		return false
	}
	return strings.HasSuffix(path, "test") || path == "testing" || strings.HasPrefix(path, "testing/")
}

func TestShipsTestCode(t *testing.T) {
	for path, want := range map[string]bool{
		"github.com/imaginebot/imaginebot/internal/sd/sdtest":             true,
		"github.com/imaginebot/imaginebot/internal/telegram/telegramtest": true,
		"net/http/httptest": true,
		"testing":           true,
		"testing/synctest":  true,
		"github.com/imaginebot/imaginebot/internal/sdsim": false,
		"internal/synctest": false,
		"net/http":          false,
	} {
		if got := shipsTestCode(path); got != want {
			t.Errorf("shipsTestCode(%q) = %v, want %v", path, got, want)
		}
	}
}
