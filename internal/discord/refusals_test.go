package discord

import (
	"errors"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// setOption returns a Modify func that sets an option's value in the
// dispatched payload, as a client that skips Discord's checks (or a stale
// command definition) would send it.
func setOption(name string, value any) func(map[string]any) {
	return func(p map[string]any) {
		data := p["data"].(map[string]any)
		opts, _ := data["options"].([]any)
		for _, o := range opts {
			if om := o.(map[string]any); om["name"] == name {
				om["value"] = value
				return
			}
		}
		data["options"] = append(opts, map[string]any{"name": name, "type": discordtest.OptionInteger, "value": value})
	}
}

// setStringOption is setOption for a string option.
func setStringOption(name, value string) func(map[string]any) {
	return func(p map[string]any) {
		data := p["data"].(map[string]any)
		opts, _ := data["options"].([]any)
		data["options"] = append(opts, map[string]any{"name": name, "type": discordtest.OptionString, "value": value})
	}
}

func testRefusalsAreEphemeral(t *testing.T, e *env) {
	help := helpText(e.svc.Settings(), "en")
	tests := []struct {
		name, prompt string
		modify       func(map[string]any)
		want         string
	}{
		{"unknown option", "a cat --foo", nil, catalog.T("en", catalog.MsgUnknownOption, "--foo")},
		{"repeated option", "a cat --steps 3 --steps 4", nil, catalog.T("en", catalog.MsgRepeatedOption, "--steps")},
		{"bad number", "a cat --steps many", nil, catalog.T("en", catalog.MsgBadNumber, "--steps", "many")},
		{"unknown style", "a cat --style nope", nil, catalog.T("en", catalog.MsgUnknownStyle, "nope", "anime, photo")},
		{"too long", "a cat", setOption("prompt", strings.Repeat("a", 250)), catalog.T("en", catalog.MsgPromptTooLong, 250, 200)},
		{"empty prompt", "--steps 5", nil, help},
		{"blank prompt", "a cat", setOption("prompt", "   "), help},
		{"steps out of range", "a cat", setOption("steps", 999), catalog.T("en", catalog.MsgOutOfRange, "steps", 1, 150, 999)},
		{"seed out of range", "a cat", setOption("seed", 5000000000), catalog.T("en", catalog.MsgOutOfRange, "seed", -1, int64(4294967295), int64(5000000000))},
		{"count out of range", "a cat", setOption("count", 9), catalog.T("en", catalog.MsgOutOfRange, "count", 1, 4, 9)},
		{"inline seed out of range", "a cat --seed 5000000000", nil, catalog.T("en", catalog.MsgOutOfRange, "--seed", -1, int64(4294967295), int64(5000000000))},
		{"inline steps with a seed option", "a cat --steps 999", setOption("seed", 3), catalog.T("en", catalog.MsgOutOfRange, "--steps", 1, 150, 999)},
		{"bad aspect", "a cat", setStringOption("aspect", "wide"), texts.BadAspect.In("en", "wide")},
		{"inline bad aspect", "a cat --ar wide", nil, catalog.T("en", catalog.MsgBadAspect, "wide")},
		{"aspect out of range", "a cat", setStringOption("aspect", "9x1"), catalog.T("en", catalog.MsgAspectRange, "9:1")},
		{"size out of range", "a cat --size 4096x4096", nil, catalog.T("en", catalog.MsgSizeRange, 512, 512, 4096, 4096)},
	}
	// Invisible characters only (zero-width spaces) are an empty prompt,
	// which the adapter answers with the help.
	tests = append(tests, struct {
		name, prompt string
		modify       func(map[string]any)
		want         string
	}{"invisible prompt", "a cat", setOption("prompt", "\u200b\u200b"), help})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			it := e.interact(discordtest.InteractSpec{Name: "imagine", UserID: "4001", Modify: tt.modify,
				Options: []discordtest.Option{{Name: "prompt", Value: tt.prompt}}})
			if got := e.ephemeral(it); got != tt.want {
				t.Errorf("reply = %q, want %q", got, tt.want)
			}
			if calls := e.callsFor(it.Token); len(calls) != 1 {
				t.Errorf("got %d calls with the token, want only the reply", len(calls))
			}
		})
	}

	// The per-user cap and the full queue, with a job hanging on the
	// backend so that the others wait.
	e.mem.FailNext(imaginetest.Failure{Hang: true})
	first := e.imagine("5001", "hanging lighthouse")
	e.waitMessage(first, "running", func(m discordtest.Message) bool {
		return strings.HasPrefix(m.Content, catalog.T("en", catalog.MsgStarting))
	})
	second := e.imagine("5001", "second lighthouse")
	e.waitMessage(second, "queued", func(m discordtest.Message) bool { return m.Content == catalog.T("en", catalog.MsgQueuedNext) })
	t.Run("per-user cap", func(t *testing.T) {
		e := e.sub(t)
		third := e.imagine("5001", "third lighthouse")
		if got := e.ephemeral(third); got != catalog.T("en", catalog.MsgUserLimit, 2) {
			t.Errorf("reply = %q", got)
		}
	})
	var waiting []*discordtest.Interaction
	for _, u := range []string{"5002", "5003"} {
		waiting = append(waiting, e.imagine(u, "waiting lighthouse"))
	}
	// Fair order: the users without a started job go first.
	e.waitMessage(second, "queued third", func(m discordtest.Message) bool { return m.Content == catalog.T("en", catalog.MsgQueued, 3, 3) })
	t.Run("full queue", func(t *testing.T) {
		e := e.sub(t)
		full := e.imagine("5004", "one too many")
		if got := e.ephemeral(full); got != catalog.T("en", catalog.MsgQueueFull) {
			t.Errorf("reply = %q", got)
		}
	})
	t.Run("queue command", func(t *testing.T) {
		e := e.sub(t)
		got := e.ephemeral(e.interact(discordtest.InteractSpec{Name: "queue", UserID: "5001"}))
		want := "Your requests (jobs waiting in all: 3):\n• running: hanging lighthouse\n• position 3: second lighthouse"
		if got != want {
			t.Errorf("/queue = %q, want %q", got, want)
		}
		if got := e.ephemeral(e.interact(discordtest.InteractSpec{Name: "queue", UserID: "5999"})); !strings.HasPrefix(got, "You have no requests") {
			t.Errorf("/queue of someone idle = %q", got)
		}
	})
	// Cancelling the hanging job lets the others run to the end.
	m, _ := first.Original()
	e.interact(discordtest.InteractSpec{MessageID: m.ID, UserID: "5001", CustomID: buttonWith(t, m.Revision, actCancel, 0),
		Type: discordtest.InteractionMessageComponent})
	if got := e.waitFinal(first); got.Content != catalog.T("en", catalog.MsgCancelled) || len(got.Attachments) != 0 {
		t.Errorf("cancelled job shows %q with %d files", got.Content, len(got.Attachments))
	}
	for _, it := range append(waiting, second) {
		if m := e.waitFinal(it); len(m.Attachments) != 1 {
			t.Errorf("a waiting job ended without its image:\n%s", describe(m))
		}
	}
}

func testHelp(t *testing.T, e *env) {
	for _, tt := range []struct{ locale, want string }{
		{"en-US", "`--steps 30` up to 150"},
		{"zh-CN", "最多 150 步"},
	} {
		got := e.ephemeral(e.interact(discordtest.InteractSpec{Name: "help", Locale: tt.locale}))
		styles := "\n\n" + catalog.T(tt.locale, catalog.MsgHelpStyles, "anime, photo") // a paragraph of its own
		image := "\n\n" + frontend.ImageHelpText(tt.locale, e.svc.Settings()) + "\n" + texts.HelpImage.In(tt.locale)
		if !strings.Contains(got, tt.want) || !strings.Contains(got, styles) || !strings.HasSuffix(got, image) {
			t.Errorf("/help in %s = %q, want %q, the styles and how to start from a picture", tt.locale, got, tt.want)
		}
	}
}

func testServerFailures(t *testing.T, e *env) {
	// The SD server's faults map to these kinds in internal/sdbackend (its
	// tests check that); cmd/bot's end-to-end suite runs one through Discord.
	const reason = "steps: value is not a valid integer"
	tests := []struct {
		name string
		fail imaginetest.Failure
		want string
	}{
		{"down", imaginetest.Failure{Err: imagine.ErrBackendDown},
			catalog.T("en", catalog.MsgFailed, catalog.T("en", catalog.MsgFailDown))},
		{"oom", imaginetest.Failure{Err: imagine.ErrOutOfMemory, AfterStep: 2},
			catalog.T("en", catalog.MsgFailed, catalog.T("en", catalog.MsgFailOOM))},
		{"rejected", imaginetest.Failure{Err: &imagine.RejectedError{Reason: reason, Err: errors.New("422")}},
			catalog.T("en", catalog.MsgFailed, catalog.T("en", catalog.MsgFailRejected, reason))},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			e.mem.FailNext(tt.fail)
			it := e.imagine("600"+string(rune('0'+i)), "doomed cat")
			m := e.waitFinal(it)
			if !strings.HasPrefix(m.Content, tt.want) || len(m.Attachments) != 0 {
				t.Fatalf("message = %q with %d files, want %q", m.Content, len(m.Attachments), tt.want)
			}
			// Try again runs the same request; the fault is used up.
			retry := e.interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: m.ID,
				UserID: "600" + string(rune('0'+i)), CustomID: buttonWith(t, m.Revision, actRetry, 0)})
			if cb := e.ack(retry); cb.Type != discordtest.CallbackDeferredChannelMessage {
				t.Fatalf("Try again answered with type %d, want a new deferred message", cb.Type)
			}
			if m := e.waitFinal(retry); len(m.Attachments) != 1 {
				t.Errorf("Try again did not deliver an image:\n%s", describe(m))
			}
		})
	}
}
