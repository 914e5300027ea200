package discord

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// TestFairOrderAcrossModelSwitch sends five /imagine from three users back
// to back while a slow /model switch runs, several times: the jobs must
// reach the SD server in exactly the fair queue's order, whatever the
// goroutines do. The users send in an order (A1 A2 B1 B2 C1) that the fair
// order (A1 B1 C1 A2 B2) differs from.
func TestFairOrderAcrossModelSwitch(t *testing.T) {
	t.Parallel()
	const admin = "8800"
	e := newEnv(t, envOptions{
		sim:     sdsim.Options{StepDelay: time.Millisecond, Models: modelNames(), ModelLoadDelay: 100 * time.Millisecond},
		cfg:     Config{AdminUserIDs: []string{admin}},
		perUser: 2,
	})
	sent := []struct{ user, name string }{{"8801", "A1"}, {"8801", "A2"}, {"8802", "B1"}, {"8802", "B2"}, {"8803", "C1"}}
	want := []string{"A1", "B1", "C1", "A2", "B2"}
	for round := range 4 {
		tag := fmt.Sprintf("r%d-", round)
		target := e.sim.ModelTitles()[round+1]
		before := len(e.sim.Records())
		sw := e.interact(discordtest.InteractSpec{Name: "model", UserID: admin, IgnoreCommandPermissions: true,
			Options: []discordtest.Option{{Name: "name", Value: target}}})
		// The switch is under way on the server before the jobs arrive.
		err := e.srv.WaitFor(ctxT(t), func() bool {
			return slices.ContainsFunc(e.sim.Records()[before:], func(r sdsim.Record) bool {
				return r.Path == "/sdapi/v1/options" && r.Method == "POST"
			})
		})
		if err != nil {
			t.Fatalf("round %d: the switch never reached the server", round)
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
		for _, r := range e.sim.Records()[before:] {
			var body struct{ Prompt string }
			if r.Path == "/sdapi/v1/txt2img" && json.Unmarshal(r.Body, &body) == nil {
				got = append(got, strings.TrimPrefix(body.Prompt, tag))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("round %d: the server ran %v, want the fair order %v", round, got, want)
		}
	}
}
