package imagine

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImports keeps the core and the queue free of the platforms, the
// SD clients, SQL and HTTP: they are the part a newcomer reads first.
func TestCoreImports(t *testing.T) {
	forbidden := []string{
		"github.com/bwmarrin/discordgo",
		"github.com/go-telegram-bot-api/telegram-bot-api/v5",
		"github.com/imaginebot/imaginebot/internal/sd",
		"github.com/imaginebot/imaginebot/internal/discord",
		"github.com/imaginebot/imaginebot/internal/telegram",
		"github.com/imaginebot/imaginebot/internal/config",
		"github.com/imaginebot/imaginebot/internal/comfyui",
		"github.com/imaginebot/imaginebot/internal/store",
		"database/sql",
		"net/http",
	}
	for _, pkg := range []string{"github.com/imaginebot/imaginebot/internal/imagine", "github.com/imaginebot/imaginebot/internal/queue", "github.com/imaginebot/imaginebot/internal/catalog"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			for _, f := range forbidden {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
		if len(deps) < 5 {
			t.Errorf("go list -deps %s listed only %v", pkg, deps)
		}
	}
}
