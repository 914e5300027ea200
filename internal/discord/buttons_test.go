package discord

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func TestButtonIDs(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{buttonID("abc123", actUpscale, imagine.JobID(1<<40), 3), true},
		{"im:abc123:c:zz:0", true},
		{"im:abc123:c:zz", false},
		{"xx:abc123:c:zz:0", false},
		{"im:abc123:cc:zz:0", false},
		{"im:abc123:c:!:0", false},
		{"im:abc123:c:1:-1", false},
	}
	for _, tt := range tests {
		b, ok := parseButtonID(tt.id)
		if ok != tt.ok {
			t.Errorf("parseButtonID(%q) ok = %v, want %v", tt.id, ok, tt.ok)
		}
		if ok && buttonID(b.stamp, b.act, b.job, b.idx) != tt.id {
			t.Errorf("parseButtonID(%q) = %+v, which does not round-trip", tt.id, b)
		}
		if len(tt.id) > 100 {
			t.Errorf("custom id %q is longer than Discord's 100", tt.id)
		}
	}
}

// click dispatches a button click on a message.
func (e *env) click(m discordtest.Message, user string, act action, idx int) *discordtest.Interaction {
	e.t.Helper()
	return e.interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: m.ID,
		UserID: user, CustomID: buttonWith(e.t, m.Revision, act, idx)})
}

// waitReply waits for a message in the env's channel that replies to the
// message id and satisfies cond.
func (e *env) waitReply(id, what string, cond func(discordtest.Message) bool) discordtest.Message {
	e.t.Helper()
	var got discordtest.Message
	err := e.srv.WaitFor(ctxT(e.t), func() bool {
		for _, m := range e.srv.ChannelMessages(e.ch.ID) {
			if m.ReplyTo == id {
				got = m
				return cond(m)
			}
		}
		return false
	})
	if err != nil {
		e.t.Fatalf("reply never %s; last state: %s", what, describe(got))
	}
	return got
}

// hangingJob starts a job that runs until cancelled and returns it once
// its message shows it running.
func (e *env) hangingJob(user string) (*discordtest.Interaction, discordtest.Message) {
	e.t.Helper()
	e.mem.FailNext(imaginetest.Failure{Hang: true})
	it := e.imagine(user, "endless cat")
	m := e.waitMessage(it, "running", func(m discordtest.Message) bool {
		return strings.HasPrefix(m.Content, catalog.T("en", catalog.MsgStarting))
	})
	return it, m
}

func testCancel(t *testing.T, e *env) {
	if _, err := e.srv.AddMember(e.guild.ID, discordtest.Member{User: discordtest.User{ID: "7901"}, Permissions: discordtest.PermAdministrator}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.AddMember(e.guild.ID, discordtest.Member{User: discordtest.User{ID: "7902"}, Roles: []string{"7800"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, by string
	}{
		{"by the requester", "7001"},
		{"by an admin user id", "7900"},
		{"by an Administrator", "7901"},
		{"by an admin role", "7902"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			it, m := e.hangingJob("7001")
			// A stranger is refused privately and nothing changes.
			stranger := e.click(m, "7555", actCancel, 0)
			if got := e.ephemeral(stranger); got != catalog.T("en", catalog.MsgNotYourJob) {
				t.Errorf("stranger's click answered %q", got)
			}
			click := e.click(m, tt.by, actCancel, 0)
			if cb := e.ack(click); cb.Type != discordtest.CallbackDeferredUpdateMessage {
				t.Errorf("cancel click answered with type %d, want a deferred update (6)", cb.Type)
			}
			final := e.waitFinal(it)
			if final.Content != catalog.T("en", catalog.MsgCancelled) || len(final.Attachments) != 0 || len(customIDs(final.Revision)) != 0 {
				t.Errorf("cancelled message:\n%s", describe(final))
			}
			for _, r := range final.History {
				if strings.Contains(r.Content, "Failed") {
					t.Errorf("a revision says %q before Cancelled", r.Content)
				}
			}
		})
	}
	t.Run("finished job", func(t *testing.T) {
		e := e.sub(t)
		it := e.imagine("7001", "quick cat")
		m := e.waitFinal(it)
		first, err := e.svc.Record(1)
		if err != nil {
			t.Fatal(err)
		}
		stale := e.interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: m.ID, UserID: "7001",
			CustomID: buttonWith(t, m.Revision, actReroll, 0), Modify: func(p map[string]any) {
				p["data"].(map[string]any)["custom_id"] = buttonID(recordStamp(first), actCancel, 1, 0)
			}})
		if got := e.ephemeral(stale); got != catalog.T("en", catalog.MsgJobGone) {
			t.Errorf("cancel of a finished job answered %q", got)
		}
	})
	t.Run("button of an earlier process", func(t *testing.T) {
		e := e.sub(t)
		it := e.imagine("7001", "old cat")
		m := e.waitFinal(it)
		old := e.interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: m.ID, UserID: "7001",
			CustomID: buttonWith(t, m.Revision, actReroll, 0), Modify: func(p map[string]any) {
				p["data"].(map[string]any)["custom_id"] = buttonID("zzzzzz", actReroll, 1, 0)
			}})
		if got := e.ephemeral(old); got != catalog.T("en", catalog.MsgButtonExpired) {
			t.Errorf("a stale button answered %q", got)
		}
	})
}

func testRerollAndUpscale(t *testing.T, e *env) {
	first := e.imagine("8001", "seeded fox --seed 42")
	m := e.waitFinal(first)

	reroll := e.click(m, "8002", actReroll, 0)
	if cb := e.ack(reroll); cb.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("reroll answered with type %d, want a new deferred message (5)", cb.Type)
	}
	rm := e.waitFinal(reroll)
	if rm.ID == m.ID || len(rm.Attachments) != 1 {
		t.Fatalf("reroll message:\n%s", describe(rm))
	}
	cap := embeds(rm.Revision)[0].Description
	if strings.Contains(cap, "Seed 42 ") || !strings.Contains(cap, "by <@8002>") || !strings.Contains(cap, "seeded fox") {
		t.Errorf("reroll caption = %q, want a new seed, the same prompt and the clicking user", cap)
	}
	if p := e.job("seeded fox").Params; p.Seed != -1 {
		t.Errorf("reroll asked for seed %v, want -1 (random)", p.Seed)
	}
	if orig, _ := first.Original(); len(orig.History) != len(m.History) {
		t.Errorf("the original message changed after the reroll")
	}

	up := e.click(m, "8001", actUpscale, 0)
	if cb := e.ack(up); cb.Type != discordtest.CallbackDeferredUpdateMessage {
		t.Fatalf("upscale answered with type %d, want a deferred update (6): the reply is the bot's message", cb.Type)
	}
	um := e.waitReply(m.ID, "delivered", func(r discordtest.Message) bool { return len(r.Attachments) == 1 && len(customIDs(r.Revision)) == 0 })
	if um.Attachments[0].Width != 128 || !strings.HasPrefix(um.History[0].Content, "<@8001>") {
		t.Fatalf("upscale result:\n%s\nattachments %+v, want one 128px image mentioning the presser", describe(um), um.Attachments)
	}
	p := e.job("seeded fox").Params
	b, _ := parseButtonID(buttonWith(t, m.Revision, actUpscale, 0))
	want, err := e.svc.Image(b.job, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != imagine.KindUpscale || p.Init == nil || !bytes.Equal(p.Init.Data, want) || p.Width != 128 || p.Seed != 42 {
		t.Errorf("upscale ran kind %v seed %v size %dx%d, want an upscale of image 1 of the result to 128px", p.Kind, p.Seed, p.Width, p.Height)
	}
	if cap := embeds(um.Revision)[0].Description; !strings.HasPrefix(cap, "⬆ Upscaled ×2") || !strings.Contains(cap, "128x128") {
		t.Errorf("upscale caption = %q", cap)
	}
	if orig, _ := first.Original(); len(orig.History) != len(m.History) || orig.Deleted {
		t.Errorf("the result changed after the upscale")
	}
	for _, id := range customIDs(um.Revision) {
		if hasAction(id, actUpscale) {
			t.Errorf("an upscaled image offers Upscale again (%s)", id)
		}
	}
}
