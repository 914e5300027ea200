package discordtest_test

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestNestedAndResolvedOptions(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	owner, err := srv.AddMember(guild.ID, discordtest.Member{User: discordtest.User{Username: "owner"}, Roles: []string{"777"}})
	if err != nil {
		t.Fatal(err)
	}
	cmds := []*discordgo.ApplicationCommand{{
		Name: "queue", Description: "Manage the queue",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "show", Description: "Show the queue"},
			{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: "job", Description: "Jobs", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "cancel", Description: "Cancel a job", Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionInteger, Name: "id", Description: "Job id", Required: true},
					{Type: discordgo.ApplicationCommandOptionUser, Name: "owner", Description: "Owner"},
					{Type: discordgo.ApplicationCommandOptionAttachment, Name: "proof", Description: "Screenshot"},
					{Type: discordgo.ApplicationCommandOptionNumber, Name: "weight", Description: "Weight"},
					{Type: discordgo.ApplicationCommandOptionBoolean, Name: "force", Description: "Force"},
				}},
			}},
		},
	}}
	if _, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), guild.ID, cmds); err != nil {
		t.Fatalf("register: %v", err)
	}
	_, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "queue", Options: []discordtest.Option{
		{Name: "job", Options: []discordtest.Option{{Name: "cancel", Options: []discordtest.Option{
			{Name: "id", Value: 7}, {Name: "owner", Value: owner.User.ID},
			{Name: "proof", Value: discordtest.Upload{Filename: "shot.png", Data: pngFile(t, 3, 2)}},
			{Name: "weight", Value: 0.5}, {Name: "force", Value: true},
		}}}},
	}})
	data := i.ApplicationCommandData()
	group := data.Options[0]
	if group.Type != discordgo.ApplicationCommandOptionSubCommandGroup || group.Options[0].Name != "cancel" {
		t.Fatalf("options = %+v, want job > cancel", data.Options)
	}
	sub := group.Options[0]
	if sub.GetOption("id").IntValue() != 7 || sub.GetOption("weight").FloatValue() != 0.5 || !sub.GetOption("force").BoolValue() {
		t.Errorf("cancel options = %+v", sub.Options)
	}
	if u := data.Resolved.Users[owner.User.ID]; u == nil || u.Username != "owner" {
		t.Errorf("resolved users = %+v, want owner", data.Resolved.Users)
	}
	if m := data.Resolved.Members[owner.User.ID]; m == nil || len(m.Roles) != 1 || m.Roles[0] != "777" {
		t.Errorf("resolved members = %+v, want owner with role 777", data.Resolved.Members)
	}
	proofID := sub.GetOption("proof").Value.(string)
	if a := data.Resolved.Attachments[proofID]; a == nil || a.Filename != "shot.png" || a.Width != 3 || a.Height != 2 {
		t.Errorf("resolved attachment %s = %+v, want shot.png 3x2", proofID, a)
	}
	if data.ID != srv.Commands(guild.ID)[0].ID {
		t.Errorf("data.id = %s, want the registered id", data.ID)
	}

	if _, err := srv.Interact(discordtest.InteractSpec{ChannelID: ch.ID, Name: "queue"}); err == nil {
		t.Error("a command with subcommands was dispatched without one")
	}
}
