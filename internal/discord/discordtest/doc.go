// Package discordtest provides a fake Discord for tests: the REST API (v9 and v10 paths) and the
// gateway websocket, served on a loopback httptest server.
//
// The fake behaves like Discord where a bot can notice the difference: interactions must be
// acknowledged within the acknowledgement deadline and only once, interaction tokens expire, files
// uploaded on an edit are appended unless the edit lists attachments, messages and commands are
// validated against Discord's limits, channels can deny the bot access or refuse uploads (a missing
// Attach Files permission, or RefuseUploads for 50013 and 40005), DMs open with
// POST /users/@me/channels, and every rate-limited
// route answers with X-RateLimit headers and real 429s. Errors have Discord's JSON shape
// ({"message": "...", "code": N}) and HTTP status.
//
// The fake serves only what the bot uses: the routes of the Route constants, the interaction
// callback types 4, 5, 6, 8 and 9 (modals, which SubmitModal then submits as a user would),
// classic (not IS_COMPONENTS_V2) messages and replies (message_reference). Anything else
// answers 501 Not Implemented with an error naming what is missing.
//
// Users' files: attachment options (Upload) come with data.resolved.attachments, a user's
// message with files (PostUserMessage) can be the target of a message context-menu command
// (InteractSpec.TargetID, with data.resolved.messages). Every attachment, the bot's uploads
// too, is served by the fake's file server on its own host at its url and proxy_url, with
// Discord's signed, expiring links (AttachmentLifetime); SetFileFault makes it answer an error,
// slowly or with other content, and FileFetches lists what was fetched.
//
// A test starts a Server, points the real client library at it and drives the bot by dispatching
// interactions over the gateway (see the example):
//
//	srv := discordtest.NewServer(discordtest.Options{})
//	defer srv.Close()
//	g := srv.AddGuild(discordtest.Guild{Name: "test"})
//	ch, _ := srv.AddChannel(discordtest.Channel{GuildID: g.ID, Name: "general"})
//
//	s, _ := discordgo.New("Bot " + srv.BotToken())
//	s.Client = srv.HTTPClient() // sends https://discord.com/api/v9/... to the fake
//	s.Open()                    // GET /gateway, then the websocket: HELLO, IDENTIFY, READY
//
//	it, err := srv.Interact(discordtest.InteractSpec{Name: "imagine", ChannelID: ch.ID,
//		Options: []discordtest.Option{{Name: "prompt", Value: "a cat"}}})
//	ack, err := it.WaitAck(ctx)
//	msg, ok := it.Original()
//
// Everything the bot does is recorded: Calls lists every REST request, Message and
// ChannelMessages return messages with their full edit history, and WaitFor lets a test wait for a
// condition without sleeping.
//
// Times that Discord measures (the acknowledgement deadline, token lifetimes, snowflake ids and
// message timestamps) come from Options.Now, so a test can inject a clock. Rate-limit windows use
// the real clock because the client library sleeps in real time.
package discordtest
