package discordtest

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// Interaction types.
const (
	InteractionApplicationCommand = 2
	InteractionMessageComponent   = 3
	InteractionAutocomplete       = 4
	InteractionModalSubmit        = 5
)

// Interaction callback (response) types.
const (
	CallbackPong                   = 1
	CallbackChannelMessage         = 4
	CallbackDeferredChannelMessage = 5
	CallbackDeferredUpdateMessage  = 6
	CallbackUpdateMessage          = 7
	CallbackAutocompleteResult     = 8
	CallbackModal                  = 9
)

// Interaction contexts.
const (
	ContextGuild          = 0
	ContextBotDM          = 1
	ContextPrivateChannel = 2
)

// Interaction is an interaction the fake dispatched. Its fields never change; its methods report
// what the bot did with it.
type Interaction struct {
	ID        string
	Token     string
	AppID     string
	Type      int
	ChannelID string
	GuildID   string
	UserID    string
	Context   int
	// DispatchedAt is when INTERACTION_CREATE was sent, on the fake's clock; the
	// acknowledgement deadline and the token lifetime count from it.
	DispatchedAt time.Time
	// Payload is the interaction object as dispatched.
	Payload json.RawMessage

	srv *Server
}

// Callback is one request to the interaction's callback endpoint.
type Callback struct {
	Type int
	// Data is the data object of the response, or nil.
	Data json.RawMessage
	// Files lists the names of the uploaded files.
	Files []string
	// Status and Code are the fake's answer: 204 and 0 for the accepted acknowledgement.
	Status int
	Code   int
	At     time.Time
}

// Choice is an autocomplete choice of a callback.
type Choice struct {
	Name              string            `json:"name"`
	NameLocalizations map[string]string `json:"name_localizations,omitempty"`
	Value             any               `json:"value"`
}

// Choices decodes the choices of an autocomplete result.
func (c Callback) Choices() ([]Choice, error) {
	var d struct {
		Choices []Choice `json:"choices"`
	}
	if len(c.Data) == 0 {
		return nil, nil
	}
	err := json.Unmarshal(c.Data, &d)
	return d.Choices, err
}

// interaction is the fake's record of an interaction. Fields after Interaction are guarded by
// Server.mu.
type interaction struct {
	Interaction
	commandName  string
	commandType  int
	userJSON     map[string]any
	owners       map[string]string
	componentMsg *message // the message a component interaction came from
	userInstall  bool

	callbacks []Callback
	ack       *Callback // the accepted acknowledgement
	modal     *Modal    // the modal the acknowledgement opened, if it was one
	submitted bool      // the modal was submitted (SubmitModal)
	original  *message  // what @original refers to once acknowledged
	expired   bool
}

func (it *interaction) metadataJSON() map[string]any {
	out := map[string]any{"id": it.ID, "type": it.Type, "user": it.userJSON,
		"authorizing_integration_owners": it.owners}
	if it.Type == InteractionApplicationCommand {
		out["name"] = it.commandName
		out["command_type"] = it.commandType
	}
	if it.componentMsg != nil {
		out["interacted_message_id"] = it.componentMsg.id
	}
	return out
}

func (i *Interaction) state() *interaction { return i.srv.interactions[i.ID] }

// Callbacks returns every callback request for the interaction, rejected ones included.
func (i *Interaction) Callbacks() []Callback {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	return slices.Clone(i.state().callbacks)
}

// Acknowledgement returns the accepted callback, if the interaction was acknowledged.
func (i *Interaction) Acknowledgement() (Callback, bool) {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	if a := i.state().ack; a != nil {
		return *a, true
	}
	return Callback{}, false
}

// WaitAck waits until the interaction is acknowledged and returns the accepted callback.
func (i *Interaction) WaitAck(ctx context.Context) (Callback, error) {
	var cb Callback
	err := i.srv.WaitFor(ctx, func() bool {
		var ok bool
		cb, ok = i.Acknowledgement()
		return ok
	})
	return cb, err
}

// Original returns the message @original refers to: the response message for types 4 and 5,
// the component's message for types 6 and 7. It is false before the acknowledgement.
func (i *Interaction) Original() (Message, bool) {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	if m := i.state().original; m != nil {
		return m.snapshot(), true
	}
	return Message{}, false
}

// Expire ends the token's validity now, as if TokenLifetime had passed.
func (i *Interaction) Expire() { i.srv.ExpireToken(i.Token) }

// Original returns the message @original of the interaction with this token refers to.
func (s *Server) Original(token string) (Message, bool) {
	s.mu.Lock()
	it := s.tokens[token]
	s.mu.Unlock()
	if it == nil {
		return Message{}, false
	}
	return it.Interaction.Original()
}

// ExpireToken ends an interaction token's validity now: webhook requests with it answer 401
// Invalid Webhook Token. It reports whether the token was known.
func (s *Server) ExpireToken(token string) bool {
	s.mu.Lock()
	it := s.tokens[token]
	if it != nil {
		it.expired = true
	}
	s.mu.Unlock()
	s.changed.broadcast()
	return it != nil
}
