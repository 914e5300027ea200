package discord

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestBotReach(t *testing.T) {
	const all = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
		discordgo.PermissionAttachFiles
	guild := map[discordgo.ApplicationIntegrationType]string{discordgo.ApplicationIntegrationGuildInstall: "1"}
	user := map[discordgo.ApplicationIntegrationType]string{discordgo.ApplicationIntegrationUserInstall: "2"}
	tests := []struct {
		name          string
		i             discordgo.Interaction
		edit, post    bool
		wantUnreached bool
	}{
		{"guild install", discordgo.Interaction{Context: discordgo.InteractionContextGuild, AuthorizingIntegrationOwners: guild, AppPermissions: all}, true, true, false},
		{"no send permission", discordgo.Interaction{Context: discordgo.InteractionContextGuild, AuthorizingIntegrationOwners: guild,
			AppPermissions: all &^ discordgo.PermissionSendMessages}, true, false, false},
		{"cannot see the channel", discordgo.Interaction{Context: discordgo.InteractionContextGuild, AuthorizingIntegrationOwners: guild,
			AppPermissions: all &^ discordgo.PermissionViewChannel}, false, false, true},
		{"no attach files", discordgo.Interaction{Context: discordgo.InteractionContextGuild, AuthorizingIntegrationOwners: guild,
			AppPermissions: all &^ discordgo.PermissionAttachFiles}, false, false, true},
		{"user install in a guild", discordgo.Interaction{Context: discordgo.InteractionContextGuild, AuthorizingIntegrationOwners: user, AppPermissions: all}, false, false, true},
		{"bot DM", discordgo.Interaction{Context: discordgo.InteractionContextBotDM, AuthorizingIntegrationOwners: map[discordgo.ApplicationIntegrationType]string{0: "0"}}, true, true, false},
		{"private channel", discordgo.Interaction{Context: discordgo.InteractionContextPrivateChannel, AuthorizingIntegrationOwners: user}, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit, post := botReach(&tt.i)
			if edit != tt.edit || post != tt.post {
				t.Errorf("botReach = edit %v post %v, want %v %v", edit, post, tt.edit, tt.post)
			}
			d := &delivery{botCanEdit: edit, botCanPost: post}
			if d.unreachable() != tt.wantUnreached {
				t.Errorf("unreachable = %v, want %v", d.unreachable(), tt.wantUnreached)
			}
		})
	}
}

func TestCreatedAt(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	snowflake := func(t time.Time) string {
		return strconv.FormatInt((t.UnixMilli()-1420070400000)<<22, 10)
	}
	tests := []struct {
		name, id string
		want     time.Time
	}{
		{"snowflake", snowflake(now.Add(-2 * time.Second)), now.Add(-2 * time.Second)},
		{"not a snowflake", "abc", now},
		{"far in the past", "123", now},
		{"far in the future", snowflake(now.Add(time.Hour)), now},
	}
	for _, tt := range tests {
		if got := createdAt(tt.id, now); !got.Equal(tt.want) {
			t.Errorf("%s: createdAt = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// count returns how many elements satisfy f.
func count[T any](list []T, f func(T) bool) int {
	n := 0
	for _, c := range list {
		if f(c) {
			n++
		}
	}
	return n
}

func is50027(c discordtest.Call) bool { return c.Code == discordtest.CodeInvalidWebhookToken }

// tokenLifetime is the short interaction token lifetime of the strict
// environment.
const tokenLifetime = 600 * time.Millisecond

func testTokenExpiry(t *testing.T, e *env) {
	const lifetime = tokenLifetime
	it := e.imagine("1101", "slow sunrise", discordtest.Option{Name: "steps", Value: 100})
	m := e.waitFinal(it)
	last := m.History[len(m.History)-1]
	if last.Route != discordtest.RouteEditMessage || len(last.Attachments) != 1 || !strings.Contains(embeds(last)[0].Description, "100 steps") {
		t.Fatalf("the final image did not arrive by a bot-token edit:\n%s", describe(m))
	}
	if d := last.At.Sub(it.DispatchedAt); d < lifetime {
		t.Errorf("the job ended after %s, within the token's life: the test proves nothing", d)
	}
	webhook := count(m.History, func(r discordtest.Revision) bool { return r.Route == discordtest.RouteEditWebhookMessage })
	if webhook == 0 {
		t.Errorf("no edit used the token while it lived:\n%s", describe(m))
	}
	// The switch happened once, before the token died (at most an edit in
	// flight as it died was refused), and never went back.
	if n := count(e.callsFor(it.Token), is50027); n > 1 {
		t.Errorf("%d requests were refused with 50027, want at most 1", n)
	}
	firstBot := -1
	for i, r := range m.History {
		if r.Route == discordtest.RouteEditMessage && firstBot < 0 {
			firstBot = i
		}
		if firstBot >= 0 && r.Route != discordtest.RouteEditMessage {
			t.Errorf("revision %d went back to %s", i, r.Route)
		}
	}
}

func testDeliveryFailures(t *testing.T, e *env) {
	absent := e.srv.AddGuild(discordtest.Guild{Name: "user-installed", BotAbsent: true})
	absentCh, err := e.srv.AddChannel(discordtest.Channel{GuildID: absent.ID})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := e.srv.AddChannel(discordtest.Channel{GuildID: e.guild.ID, Name: "hidden", Deny: discordtest.PermViewChannel})
	if err != nil {
		t.Fatal(err)
	}
	gdm, err := e.srv.AddChannel(discordtest.Channel{Type: discordtest.ChannelGroupDM, BotAbsent: true, RecipientIDs: []string{"1201"}})
	if err != nil {
		t.Fatal(err)
	}
	dm := e.srv.AddDM("1202")
	allPerms := discordtest.DefaultBotPermissions

	t.Run("50027 early falls back to the bot token once", func(t *testing.T) {
		e := e.sub(t)
		it := e.imagine("1210", "early expiry", discordtest.Option{Name: "steps", Value: 30})
		e.ack(it)
		it.Expire()
		m := e.waitFinal(it)
		if len(m.Attachments) != 1 || m.Route != discordtest.RouteEditMessage {
			t.Fatalf("final not delivered by the bot:\n%s", describe(m))
		}
		checkTokenDroppedOnce(t, e.callsFor(it.Token))
	})
	t.Run("bot DM falls back too", func(t *testing.T) {
		e := e.sub(t)
		it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: dm.ID,
			Options: []discordtest.Option{{Name: "prompt", Value: "dm expiry"}}})
		e.ack(it)
		it.Expire()
		if m := e.waitFinal(it); len(m.Attachments) != 1 || m.Route != discordtest.RouteEditMessage {
			t.Fatalf("final not delivered by the bot:\n%s", describe(m))
		}
	})

	// Where nothing can reach the user once the token is gone, the job is
	// cancelled and logged after one refused request, with no bot-token
	// request at all unless the bot believed it could reach the channel.
	noRoute := []struct {
		name      string
		channel   string
		user      string
		appPerms  *int64
		botTokens int
	}{
		{"user-installed in a guild", absentCh.ID, "1220", nil, 0},
		{"private channel", gdm.ID, "1201", nil, 0},
		{"channel the bot cannot see", hidden.ID, "1221", nil, 0},
		{"permission lost after the command", hidden.ID, "1222", &allPerms, 1},
	}
	for _, tt := range noRoute {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			before := len(e.srv.Calls())
			it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: tt.channel, UserID: tt.user, AppPermissions: tt.appPerms,
				Options: []discordtest.Option{{Name: "prompt", Value: "undeliverable " + tt.user}, {Name: "steps", Value: 100}}})
			e.ack(it)
			it.Expire()
			waitJobGone(t, e, tt.user)
			m, _ := it.Original()
			checkTokenDroppedOnce(t, e.callsFor(it.Token))
			calls := e.srv.Calls()[before:]
			bot := count(calls, func(c discordtest.Call) bool {
				return strings.HasPrefix(c.Route, "PATCH /channels") || strings.HasPrefix(c.Route, "POST /channels")
			})
			if bot != tt.botTokens {
				t.Errorf("%d bot-token requests, want %d", bot, tt.botTokens)
			}
			// The first edit may have beaten Expire; none came after.
			if len(m.History) > 2 {
				t.Errorf("the message was edited after the token died:\n%s", describe(m))
			}
		})
	}
	t.Run("note at queue time", func(t *testing.T) {
		e := e.sub(t)
		for _, ch := range []string{absentCh.ID, gdm.ID, hidden.ID} {
			user := "1230"
			if ch == gdm.ID {
				user = "1201"
			}
			it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: ch, UserID: user,
				Options: []discordtest.Option{{Name: "prompt", Value: "noted"}}})
			e.waitMessage(it, "noted", func(m discordtest.Message) bool {
				return strings.Contains(m.Content, texts.MayNotDeliver.In("en"))
			})
			e.waitFinal(it)
		}
	})
	t.Run("deleted message", func(t *testing.T) {
		// An admin tidying up deletes the job message: the job goes on and
		// its result comes as a new channel message that mentions the user.
		e := e.sub(t)
		it := e.imagine("1240", "soon deleted", discordtest.Option{Name: "steps", Value: 100})
		m := e.waitMessage(it, "running", func(m discordtest.Message) bool { return strings.Contains(m.Content, "%") })
		if !e.srv.DeleteMessage(m.ChannelID, m.ID) {
			t.Fatal("could not delete the message")
		}
		var post discordtest.Message
		err := e.srv.WaitFor(ctxT(t), func() bool {
			for _, cm := range e.srv.ChannelMessages(e.ch.ID) {
				if cm.InteractionID == "" && strings.HasPrefix(cm.Content, "<@1240>") {
					post = cm
					return len(cm.Attachments) == 1
				}
			}
			return false
		})
		if err != nil {
			t.Fatalf("no new message with the image; last: %s", describe(post))
		}
		if em := embeds(post.Revision); len(em) != 1 || !strings.Contains(em[0].Description, "soon deleted") || em[0].Image == nil {
			t.Errorf("new message embeds %+v, want the caption and the image", em)
		}
		if ids := customIDs(post.Revision); !slices.ContainsFunc(ids, func(id string) bool { return hasAction(id, actReroll) }) {
			t.Errorf("new message buttons %v, want Reroll", ids)
		}
		if len(post.History) != 1 || post.Route != discordtest.RouteCreateMessage {
			t.Errorf("the progress was posted again, want only the result:\n%s", describe(post))
		}
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, "cancelled") && strings.Contains(line, "dc:1240 ") {
				t.Errorf("the job was cancelled: %s", line)
			}
		}
	})
}

// checkTokenDroppedOnce checks that exactly one request with a token was
// refused with 50027 and that the token was not used after it.
func checkTokenDroppedOnce(t *testing.T, calls []discordtest.Call) {
	t.Helper()
	if n := count(calls, is50027); n != 1 {
		t.Errorf("%d requests refused with 50027, want exactly 1", n)
	}
	if len(calls) > 0 && !is50027(calls[len(calls)-1]) {
		t.Errorf("the token was used after it was refused: last call %s %d", calls[len(calls)-1].Route, calls[len(calls)-1].Status)
	}
}

// waitJobGone waits until the adapter logs that it cancelled the user's
// job because nobody could see it.
func waitJobGone(t *testing.T, e *env, user string) {
	t.Helper()
	e.logs.waitLine(t, "cannot deliver the job message; job cancelled", "user=dc:"+user+" ", "cancel=<nil>")
}

func testServerErrorsOnEdits(t *testing.T, e *env) {
	t.Run("retried", func(t *testing.T) {
		e := e.sub(t)
		it := e.imagine("1250", "flaky edits", discordtest.Option{Name: "steps", Value: 40})
		e.waitMessage(it, "running", func(m discordtest.Message) bool { return strings.Contains(m.Content, "%") })
		e.srv.FailNext(discordtest.RouteEditWebhookMessage, 3, http.StatusInternalServerError)
		if m := e.waitFinal(it); len(m.Attachments) != 1 {
			t.Fatalf("the image was not delivered:\n%s", describe(m))
		}
		if n := count(e.callsFor(it.Token), func(c discordtest.Call) bool { return c.Status == 500 }); n != 3 {
			t.Errorf("%d edits failed, want the 3 injected failures", n)
		}
	})
	t.Run("given up", func(t *testing.T) {
		e := e.sub(t)
		it := e.imagine("1251", "doomed edits", discordtest.Option{Name: "steps", Value: 20})
		e.waitMessage(it, "running", func(m discordtest.Message) bool { return strings.Contains(m.Content, "%") })
		e.srv.FailNext(discordtest.RouteEditWebhookMessage, 1000, http.StatusInternalServerError)
		e.logs.waitLine(t, "giving up delivering the job's end", "user=dc:1251 ")
		e.srv.FailNext(discordtest.RouteEditWebhookMessage, 0, 0)
		failed := count(e.callsFor(it.Token), func(c discordtest.Call) bool { return c.Status == 500 })
		if failed < maxFinalAttempts || failed > maxFinalAttempts+10 {
			t.Errorf("%d failed edits, want the %d final attempts and a few before", failed, maxFinalAttempts)
		}
		// The editor is gone: nothing more is sent with the token.
		e.waitFinal(e.imagine("1252", "next one"))
		if again := count(e.callsFor(it.Token), func(c discordtest.Call) bool { return c.Status == 500 }); again != failed {
			t.Errorf("edits went on after giving up: %d, then %d", failed, again)
		}
	})
}
