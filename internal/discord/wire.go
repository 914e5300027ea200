package discord

import "github.com/bwmarrin/discordgo"

// outMessage is the body of a message create or edit. Nil pointers leave a
// field unchanged on edits; Attachments = &[] (with Files) replaces every
// file of the message instead of appending to them.
type outMessage struct {
	Content         *string                           `json:"content,omitempty"`
	Embeds          *[]*discordgo.MessageEmbed        `json:"embeds,omitempty"`
	Components      *[]discordgo.MessageComponent     `json:"components,omitempty"`
	Attachments     *[]*discordgo.MessageAttachment   `json:"attachments,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
	// MessageReference makes a new channel message a reply.
	MessageReference *discordgo.MessageReference `json:"message_reference,omitempty"`
	Flags            discordgo.MessageFlags      `json:"flags,omitempty"`
}

// file is an upload; it is kept as bytes so that a retry can send it again.
type file struct {
	Name        string
	ContentType string
	Data        []byte
}

// interactionExtras are an interaction's fields that discordgo does not
// decode.
type interactionExtras struct {
	AttachmentSizeLimit int64 `json:"attachment_size_limit"` // the largest file the channel takes
}

// callbackResponse is Discord's answer to a callback sent with
// ?with_response=true.
type callbackResponse struct {
	Resource struct {
		Message *discordgo.Message `json:"message"`
	} `json:"resource"`
}
