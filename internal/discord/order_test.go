package discord

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestFairOrderAcrossModelSwitch sends five /imagine from three users back
// to back while a slow /model switch runs, several times: the jobs must
// reach the backend in exactly the fair queue's order, whatever the
// goroutines do. The users send in an order (A1 A2 B1 B2 C1) that the fair
// order (A1 B1 C1 A2 B2) differs from.
func TestFairOrderAcrossModelSwitch(t *testing.T) {
	t.Parallel()
	const admin = "8800"
	e := newEnv(t, envOptions{
		mem:     imaginetest.Options{StepDelay: time.Millisecond, Models: testModels(), SwitchDelay: 100 * time.Millisecond},
		cfg:     Config{AdminUserIDs: []string{admin}},
		perUser: 2,
	})
	sent := []struct{ user, name string }{{"8801", "A1"}, {"8801", "A2"}, {"8802", "B1"}, {"8802", "B2"}, {"8803", "C1"}}
	want := []string{"A1", "B1", "C1", "A2", "B2"}
	for round := range 4 {
		tag := fmt.Sprintf("r%d-", round)
		target := testModels()[round+1].Title
		before, switches := len(e.mem.Jobs()), len(e.mem.Switches())
		sw := e.interact(discordtest.InteractSpec{Name: "model", UserID: admin, IgnoreCommandPermissions: true,
			Options: []discordtest.Option{{Name: "name", Value: target}}})
		// The switch is under way on the backend before the jobs arrive.
		err := e.mem.WaitFor(ctxT(t), func() bool { return len(e.mem.Switches()) > switches })
		if err != nil {
			t.Fatalf("round %d: the switch never reached the backend", round)
		}
		its := make([]*discordtest.Interaction, len(sent))
		for i, s := range sent {
			its[i] = e.imagine(s.user, tag+s.name, discordtest.Option{Name: "steps", Value: 2})
		}
		for _, it := range its {
			e.waitFinal(it)
		}
		e.waitMessage(sw, "switched", func(m discordtest.Message) bool {
			return strings.Contains(m.Content, target) && !strings.HasPrefix(m.Content, "Switching")
		})
		var got []string
		for _, j := range e.mem.Jobs()[before:] {
			got = append(got, strings.TrimPrefix(j.Params.Prompt, tag))
			if j.Model != target {
				t.Errorf("round %d: %s ran on %q, want the switched-to %q", round, j.Params.Prompt, j.Model, target)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("round %d: the backend ran %v, want the fair order %v", round, got, want)
		}
	}
}
