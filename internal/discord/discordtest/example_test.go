package discordtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// The bot under test is a discordgo session aimed at the fake; the test dispatches a slash
// command and checks what the bot did with it.
func Example() {
	srv := discordtest.NewServer(discordtest.Options{})
	defer srv.Close()
	guild := srv.AddGuild(discordtest.Guild{Name: "test"})
	ch, _ := srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Name: "general"})

	s, _ := discordgo.New("Bot " + srv.BotToken())
	s.Client = srv.HTTPClient()
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "queued"},
		})
	})
	if err := s.Open(); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	_, _ = s.ApplicationCommandBulkOverwrite(srv.AppID(), "", []*discordgo.ApplicationCommand{{
		Name: "imagine", Description: "Generate an image",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString,
			Name: "prompt", Description: "What to draw", Required: true}},
	}})

	it, err := srv.Interact(discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
		Options: []discordtest.Option{{Name: "prompt", Value: "a cat"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := it.WaitAck(ctx); err != nil {
		fmt.Println(err)
		return
	}
	msg, _ := it.Original()
	fmt.Println(msg.Content)
	// Output: queued
}
