package discordtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestAutocomplete(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	admin, err := srv.AddMember(guild.ID, discordtest.Member{User: discordtest.User{Username: "admin"},
		Permissions: discordtest.PermAdministrator})
	if err != nil {
		t.Fatal(err)
	}

	// /model has default_member_permissions "0": Discord hides it from non-admins.
	if _, err := srv.Interact(discordtest.InteractSpec{Type: discordtest.InteractionAutocomplete, ChannelID: ch.ID,
		Name: "model", Options: []discordtest.Option{{Name: "checkpoint", Value: "sd", Focused: true}}}); err == nil {
		t.Error("a non-admin could invoke /model")
	}

	it, i := b.interact(t, srv, discordtest.InteractSpec{Type: discordtest.InteractionAutocomplete, ChannelID: ch.ID,
		UserID: admin.User.ID, Name: "model", Options: []discordtest.Option{{Name: "checkpoint", Value: "sd", Focused: true}}})
	if i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		t.Fatalf("type = %v, want autocomplete", i.Type)
	}
	opt := i.ApplicationCommandData().Options[0]
	if !opt.Focused || opt.StringValue() != "sd" {
		t.Errorf("focused option = %+v, want checkpoint=sd focused", opt)
	}
	if i.Member.Permissions&discordgo.PermissionAdministrator == 0 {
		t.Errorf("member permissions %d lack administrator", i.Member.Permissions)
	}
	choices := func(n int) []*discordgo.ApplicationCommandOptionChoice {
		out := make([]*discordgo.ApplicationCommandOptionChoice, n)
		for k := range out {
			out[k] = &discordgo.ApplicationCommandOptionChoice{Name: fmt.Sprintf("sd-%d", k), Value: fmt.Sprintf("sd-%d.safetensors", k)}
		}
		return out
	}
	err = b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices(26)}})
	if status, code := restCode(err); status != http.StatusBadRequest || code != discordtest.CodeInvalidFormBody {
		t.Errorf("26 choices: %d %d (%v), want 400 50035", status, code, err)
	}
	if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices(25)}}); err != nil {
		t.Fatalf("25 choices: %v", err)
	}
	ack, _ := it.Acknowledgement()
	got, err := ack.Choices()
	if err != nil || len(got) != 25 || got[3].Value != "sd-3.safetensors" {
		t.Errorf("choices = %v, %v; want 25", got, err)
	}
	if _, ok := it.Original(); ok {
		t.Error("an autocomplete result has an original message")
	}

	// A message response is not valid for autocomplete.
	_, i2 := b.interact(t, srv, discordtest.InteractSpec{Type: discordtest.InteractionAutocomplete, ChannelID: ch.ID,
		UserID: admin.User.ID, Name: "model", Options: []discordtest.Option{{Name: "checkpoint", Value: "", Focused: true}}})
	err = b.s.InteractionRespond(i2, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "no"}})
	if status, _ := restCode(err); status != http.StatusBadRequest {
		t.Errorf("type 4 for autocomplete: %v, want 400", err)
	}
}

func TestInteractValidation(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	dm := srv.AddDM("")
	tests := []struct {
		name string
		spec discordtest.InteractSpec
		want string // substring of the error
	}{
		{"unregistered command", discordtest.InteractSpec{ChannelID: ch.ID, Name: "draw"}, "no command"},
		{"unknown option", discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
			Options: []discordtest.Option{{Name: "prompt", Value: "x"}, {Name: "seed", Value: 1}}}, "no option"},
		{"missing required option", discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine"}, "required"},
		{"wrong value type", discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
			Options: []discordtest.Option{{Name: "prompt", Value: 3}}}, "needs a string"},
		{"below min_value", discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
			Options: []discordtest.Option{{Name: "prompt", Value: "x"}, {Name: "steps", Value: 0}}}, "out of bounds"},
		{"not a choice", discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
			Options: []discordtest.Option{{Name: "prompt", Value: "x"}, {Name: "size", Value: "1x1"}}}, "choices"},
		{"guild-only command in a DM", discordtest.InteractSpec{ChannelID: dm.ID, Name: "model", IgnoreCommandPermissions: true,
			Options: []discordtest.Option{{Name: "checkpoint", Value: "x"}}}, "context"},
		{"unknown channel", discordtest.InteractSpec{ChannelID: "1", Name: "imagine"}, "unknown channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.Interact(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Interact error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// The admin override dispatches what default_member_permissions hides.
	_, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "model", IgnoreCommandPermissions: true,
		Options: []discordtest.Option{{Name: "checkpoint", Value: "v1-5"}}})
	if got := i.ApplicationCommandData().GetOption("checkpoint").StringValue(); got != "v1-5" {
		t.Errorf("checkpoint = %q, want v1-5", got)
	}
}

func TestComponentInteraction(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	msg, err := b.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Content: "done",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Reroll", Style: discordgo.PrimaryButton, CustomID: "reroll:42"},
			discordgo.Button{Label: "Docs", Style: discordgo.LinkButton, URL: "https://example.com"},
		}}}})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if _, err := srv.Interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: msg.ID,
		CustomID: "nope"}); err == nil {
		t.Error("a click on a button that is not on the message was dispatched")
	}
	it, i := b.interact(t, srv, discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: msg.ID,
		CustomID: "reroll:42"})
	if i.Type != discordgo.InteractionMessageComponent || i.MessageComponentData().CustomID != "reroll:42" ||
		i.MessageComponentData().ComponentType != discordgo.ButtonComponent {
		t.Fatalf("component data = %+v", i.Data)
	}
	if i.Message == nil || i.Message.ID != msg.ID || len(i.Message.Components) != 1 || i.ChannelID != ch.ID {
		t.Fatalf("interaction message = %+v, want %s with its components", i.Message, msg.ID)
	}
	if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}); err != nil {
		t.Fatalf("deferred update: %v", err)
	}
	rerolling := "rerolling"
	if _, err := b.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &rerolling}); err != nil {
		t.Fatalf("edit @original: %v", err)
	}
	got, _ := srv.Message(ch.ID, msg.ID)
	// An edit without components keeps the buttons.
	if got.Content != "rerolling" || len(got.History) != 2 || len(got.Components) != 1 {
		t.Errorf("message after type 6 and an edit = %q with %d components, %d revisions; want rerolling, 1, 2",
			got.Content, len(got.Components), len(got.History))
	}
	empty := []discordgo.MessageComponent{}
	if m, err := b.s.ChannelMessageEditComplex(&discordgo.MessageEdit{Channel: ch.ID, ID: msg.ID, Components: &empty}); err != nil || len(m.Components) != 0 {
		t.Errorf("edit with components:[] = %v, %v; want the buttons removed", m, err)
	}
	if o, ok := it.Original(); !ok || o.ID != msg.ID {
		t.Errorf("@original of a component interaction = %v, want the clicked message", o.ID)
	}
	content := "edited through the token"
	if m, err := b.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content}); err != nil || m.ID != msg.ID {
		t.Errorf("edit @original = %v, %v; want the clicked message", m, err)
	}
}

func TestPrivateContexts(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	// Global commands installable by users.
	cmd := imagineCommand()
	cmd.IntegrationTypes = &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall, discordgo.ApplicationIntegrationUserInstall}
	if _, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), "", []*discordgo.ApplicationCommand{cmd}); err != nil {
		t.Fatal(err)
	}
	dm := srv.AddDM("")
	private, err := srv.AddChannel(discordtest.Channel{Type: discordtest.ChannelGroupDM, BotAbsent: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		channel     string
		wantContext discordgo.InteractionContextType
		wantOwner   discordgo.ApplicationIntegrationType
		botReach    bool
	}{
		{"bot DM", dm.ID, discordgo.InteractionContextBotDM, discordgo.ApplicationIntegrationGuildInstall, true},
		{"private channel", private.ID, discordgo.InteractionContextPrivateChannel, discordgo.ApplicationIntegrationUserInstall, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: tt.channel, Name: "imagine",
				Options: []discordtest.Option{{Name: "prompt", Value: "x"}}})
			if i.User == nil || i.Member != nil || i.GuildID != "" {
				t.Errorf("user %v member %v guild %q, want a user outside a guild", i.User, i.Member, i.GuildID)
			}
			if _, ok := i.AuthorizingIntegrationOwners[tt.wantOwner]; i.Context != tt.wantContext || !ok {
				t.Errorf("context %d owners %v, want %d with owner %d", i.Context, i.AuthorizingIntegrationOwners, tt.wantContext, tt.wantOwner)
			}
			if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "hello"}}); err != nil {
				t.Fatalf("respond: %v", err)
			}
			_, err := b.s.ChannelMessageSend(tt.channel, "via the bot token")
			status, code := restCode(err)
			if tt.botReach && err != nil {
				t.Errorf("bot-token message in %s: %v", tt.name, err)
			}
			if !tt.botReach && (status != http.StatusForbidden || code != discordtest.CodeMissingAccess) {
				t.Errorf("bot-token message: %d %d (%v), want 403 50001", status, code, err)
			}
		})
	}
}
