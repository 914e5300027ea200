package discord

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// testModels are the scripted backend's checkpoints: 30, so that
// autocomplete has more than 25 to choose from, titled as A1111 titles
// them ("photo-01.safetensors [0123456789]", named "photo-01").
func testModels() []imagine.Model {
	var models []imagine.Model
	for i := range 30 {
		kind := "photo"
		if i%3 == 0 {
			kind = "Anime"
		}
		name := fmt.Sprintf("%s-%02d", kind, i)
		sum := sha256.Sum256([]byte(name))
		models = append(models, imagine.Model{Title: fmt.Sprintf("%s.safetensors [%x]", name, sum[:5]), Name: name})
	}
	return models
}

// currentModel is the title of the scripted backend's loaded checkpoint.
func (e *env) currentModel() string {
	e.t.Helper()
	title, err := e.mem.CurrentModel(ctxT(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	return title
}

func testModel(t *testing.T, e *env) {
	if _, err := e.srv.AddMember(e.guild.ID, discordtest.Member{User: discordtest.User{ID: "9001"}, Permissions: discordtest.PermManageGuild}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.a.models.loaded:
	case <-ctxT(t).Done():
		t.Fatal("the model list was never loaded")
	}

	t.Run("autocomplete", func(t *testing.T) {
		e := e.sub(t)
		tests := []struct {
			user, typed string
			want        int
		}{
			{"9001", "", 25},
			{"9001", "anime", 10},
			{"9001", "ANIME-0", 4},
			{"9001", "photo-29", 1},
			{"9001", "nothing like it", 0},
			{"9555", "anime", 0}, // not an admin: no model names
		}
		for _, tt := range tests {
			it := e.interact(discordtest.InteractSpec{Type: discordtest.InteractionAutocomplete, Name: "model", UserID: tt.user,
				IgnoreCommandPermissions: true, Options: []discordtest.Option{{Name: "name", Value: tt.typed, Focused: true}}})
			cb := e.ack(it)
			choices, err := cb.Choices()
			if cb.Type != discordtest.CallbackAutocompleteResult || err != nil {
				t.Fatalf("autocomplete answered type %d (%v), want 8", cb.Type, err)
			}
			if len(choices) != tt.want {
				t.Errorf("%q by %s: %d choices, want %d", tt.typed, tt.user, len(choices), tt.want)
			}
			for _, c := range choices {
				v, _ := c.Value.(string)
				if !strings.Contains(strings.ToLower(v), strings.ToLower(tt.typed)) || len(c.Name) > 100 || len(v) > 100 {
					t.Errorf("%q: choice %+v does not match or is too long", tt.typed, c)
				}
			}
		}
	})

	reply := func(e *env, user, name string) (discordtest.Callback, discordtest.Message) {
		t := e.t
		t.Helper()
		spec := discordtest.InteractSpec{Name: "model", UserID: user, IgnoreCommandPermissions: true}
		if name != "" {
			spec.Options = []discordtest.Option{{Name: "name", Value: name}}
		}
		it := e.interact(spec)
		cb := e.ack(it)
		if cb.Type == discordtest.CallbackChannelMessage {
			return cb, discordtest.Message{}
		}
		m := e.waitMessage(it, "answered", func(m discordtest.Message) bool {
			return m.Flags&discordtest.FlagLoading == 0 && !strings.HasPrefix(m.Content, "Switching")
		})
		if !m.Ephemeral {
			t.Errorf("/model answer is public, want ephemeral")
		}
		return cb, m
	}

	t.Run("current model", func(t *testing.T) {
		e := e.sub(t)
		_, m := reply(e, "9001", "")
		if want := catalog.T("en", catalog.MsgModelCurrent, e.currentModel()); m.Content != want {
			t.Errorf("got %q, want %q", m.Content, want)
		}
	})
	t.Run("non-admin", func(t *testing.T) {
		e := e.sub(t)
		before := e.currentModel()
		target := testModels()[5].Title
		cb, _ := reply(e, "9555", target)
		if !strings.Contains(string(cb.Data), catalog.T("en", catalog.MsgNotAdmin)) || !strings.Contains(string(cb.Data), `"flags":64`) {
			t.Errorf("non-admin got %s, want an ephemeral refusal", cb.Data)
		}
		if got := e.currentModel(); got != before {
			t.Errorf("the model changed to %q", got)
		}
	})
	t.Run("switch", func(t *testing.T) {
		e := e.sub(t)
		target := testModels()[7].Title
		_, m := reply(e, "9001", target)
		if m.Content != catalog.T("en", catalog.MsgModelSwitched, target) {
			t.Errorf("got %q", m.Content)
		}
		if got := e.currentModel(); got != target {
			t.Errorf("the backend has %q, want %q", got, target)
		}
		// A job afterwards runs on the new model.
		done := e.waitFinal(e.imagine("9002", "after the switch"))
		if !strings.Contains(embeds(done.Revision)[0].Description, "photo-07") {
			t.Errorf("caption %q does not name the new model", embeds(done.Revision)[0].Description)
		}
		if got := e.job("after the switch").Model; got != target {
			t.Errorf("the job ran on %q, want %q", got, target)
		}
	})
	t.Run("unknown model", func(t *testing.T) {
		_, m := reply(e, "9001", "nope")
		if m.Content != catalog.T("en", catalog.MsgModelNotFound, "nope") {
			t.Errorf("got %q", m.Content)
		}
	})
}

// testNoModels: /model NAME where the backend lists no models says so.
func testNoModels(t *testing.T, e *env) {
	for _, loc := range []string{"en-US", "zh-CN"} {
		it := e.interact(discordtest.InteractSpec{Name: "model", UserID: "9700", Locale: loc, IgnoreCommandPermissions: true,
			Options: []discordtest.Option{{Name: "name", Value: "anything"}}})
		e.ack(it)
		m := e.waitMessage(it, "answered", func(m discordtest.Message) bool {
			return m.Flags&discordtest.FlagLoading == 0 && m.Content != catalog.T(loc, catalog.MsgModelSwitching, "anything")
		})
		if want := texts.NoModels.In(loc, "anything"); m.Content != want {
			t.Errorf("%s: /model answered %q, want %q", loc, m.Content, want)
		}
	}
}
