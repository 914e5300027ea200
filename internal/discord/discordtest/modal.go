package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Modal is a modal the bot opened (interaction callback type 9).
type Modal struct {
	CustomID string
	Title    string
	Inputs   []TextInput
}

// TextInput is a text input of a modal.
type TextInput struct {
	CustomID    string `json:"custom_id"`
	Style       int    `json:"style"` // 1 short, 2 paragraph
	Label       string `json:"label"`
	MinLength   *int   `json:"min_length"`
	MaxLength   *int   `json:"max_length"`
	Required    *bool  `json:"required"` // nil: required, as Discord defaults
	Value       string `json:"value"`
	Placeholder string `json:"placeholder"`
}

// required reports whether the input must be filled.
func (t TextInput) required() bool { return t.Required == nil || *t.Required }

// ComponentTextInput is the component type of a text input.
const ComponentTextInput = 4

// parseModal validates a modal callback's data against Discord's limits: a custom_id of 1-100
// characters, a title of 1-45, one to five action rows each holding exactly one text input with
// a unique custom_id, a label of 1-45 characters, style 1 or 2, lengths within 0-4000.
func parseModal(raw json.RawMessage) (*Modal, *apiError) {
	var d struct {
		CustomID   *string `json:"custom_id"`
		Title      *string `json:"title"`
		Components []struct {
			Type       int               `json:"type"`
			Components []json.RawMessage `json:"components"`
		} `json:"components"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return nil, formError("", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
	}
	if d.CustomID == nil || runeLen(*d.CustomID) < 1 || runeLen(*d.CustomID) > 100 {
		return nil, badLength("custom_id", 1, 100)
	}
	if d.Title == nil || runeLen(*d.Title) < 1 || runeLen(*d.Title) > 45 {
		return nil, badLength("title", 1, 45)
	}
	if len(d.Components) < 1 || len(d.Components) > 5 {
		return nil, badLength("components", 1, 5)
	}
	m := &Modal{CustomID: *d.CustomID, Title: *d.Title}
	seen := map[string]bool{}
	for i, row := range d.Components {
		p := "components." + itoa(i)
		if row.Type != ComponentActionRow {
			return nil, formError(p+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
		}
		if len(row.Components) != 1 {
			return nil, formError(p+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length.")
		}
		var typ struct {
			Type int `json:"type"`
		}
		var t TextInput
		if json.Unmarshal(row.Components[0], &typ) != nil || json.Unmarshal(row.Components[0], &t) != nil {
			return nil, formError(p+".components.0", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		}
		cp := p + ".components.0."
		switch {
		case typ.Type != ComponentTextInput:
			return nil, formError(cp+"type", "COMPONENT_TYPE_INVALID", "Component type is not valid in a modal")
		case runeLen(t.CustomID) < 1 || runeLen(t.CustomID) > 100:
			return nil, badLength(cp+"custom_id", 1, 100)
		case seen[t.CustomID]:
			return nil, formError(cp+"custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
		case t.Style != 1 && t.Style != 2:
			return nil, formError(cp+"style", "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
		case runeLen(t.Label) < 1 || runeLen(t.Label) > 45:
			return nil, badLength(cp+"label", 1, 45)
		case t.MinLength != nil && (*t.MinLength < 0 || *t.MinLength > 4000):
			return nil, formError(cp+"min_length", "NUMBER_TYPE_MAX", "int value should be between 0 and 4000.")
		case t.MaxLength != nil && (*t.MaxLength < 1 || *t.MaxLength > 4000):
			return nil, formError(cp+"max_length", "NUMBER_TYPE_MAX", "int value should be between 1 and 4000.")
		case runeLen(t.Value) > 4000:
			return nil, tooLong(cp+"value", 4000)
		case runeLen(t.Placeholder) > 100:
			return nil, tooLong(cp+"placeholder", 100)
		}
		seen[t.CustomID] = true
		m.Inputs = append(m.Inputs, t)
	}
	return m, nil
}

// Modal returns the modal the interaction's acknowledgement opened.
func (i *Interaction) Modal() (Modal, bool) {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	if m := i.state().modal; m != nil {
		out := *m
		out.Inputs = slices.Clone(m.Inputs)
		return out, true
	}
	return Modal{}, false
}

// ModalSubmitSpec is what a user enters in a modal (SubmitModal).
type ModalSubmitSpec struct {
	// Values are the texts entered, by the inputs' custom ids; inputs not named are left empty.
	Values map[string]string
	// Modify, if set, may change the payload just before dispatch (see InteractSpec.Modify).
	Modify func(payload map[string]any)
}

// SubmitModal submits the modal that the interaction's acknowledgement opened, as the same
// user in the same channel: it dispatches a MODAL_SUBMIT interaction (type 5) with the modal's
// custom_id and the entered values, checked as Discord's client does (required inputs filled,
// lengths within the input's bounds). A modal is submitted at most once.
func (s *Server) SubmitModal(from *Interaction, spec ModalSubmitSpec) (*Interaction, error) {
	s.mu.Lock()
	src := s.interactions[from.ID]
	if src == nil || src.modal == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: submit modal: interaction %s opened no modal", from.ID)
	}
	if src.submitted {
		s.mu.Unlock()
		return nil, errors.New("discordtest: submit modal: this modal was submitted already")
	}
	rows := []any{}
	for _, in := range src.modal.Inputs {
		v := spec.Values[in.CustomID]
		n := runeLen(v)
		switch {
		case n == 0 && in.required():
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: submit modal: input %q is required", in.CustomID)
		case n > 0 && in.MinLength != nil && n < *in.MinLength, n > 0 && in.MaxLength != nil && n > *in.MaxLength:
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: submit modal: input %q: length %d out of bounds", in.CustomID, n)
		}
		rows = append(rows, map[string]any{"type": ComponentActionRow, "components": []any{
			map[string]any{"type": ComponentTextInput, "custom_id": in.CustomID, "value": v}}})
	}
	for k := range maps.Keys(spec.Values) {
		if !slices.ContainsFunc(src.modal.Inputs, func(t TextInput) bool { return t.CustomID == k }) {
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: submit modal: the modal has no input %q", k)
		}
	}
	var p map[string]any
	if err := json.Unmarshal(src.Payload, &p); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: submit modal: %w", err)
	}
	now := s.now()
	id := s.ids.next(now)
	it := &interaction{Interaction: Interaction{ID: id, Token: newInteractionToken(id), AppID: src.AppID,
		Type: InteractionModalSubmit, ChannelID: src.ChannelID, GuildID: src.GuildID, UserID: src.UserID,
		Context: src.Context, DispatchedAt: now, srv: s},
		userJSON: src.userJSON, owners: src.owners, componentMsg: src.componentMsg, userInstall: src.userInstall}
	p["id"], p["token"], p["type"] = id, it.Token, InteractionModalSubmit
	p["data"] = map[string]any{"custom_id": src.modal.CustomID, "components": rows}
	if it.componentMsg != nil {
		p["message"] = s.messageJSONLocked(it.componentMsg)
	}
	if spec.Modify != nil {
		spec.Modify(p)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: submit modal: %w", err)
	}
	it.Payload = raw
	src.submitted = true
	s.interactions[id] = it
	s.tokens[it.Token] = it
	s.mu.Unlock()
	if s.gw.dispatch("INTERACTION_CREATE", json.RawMessage(raw), eventFilter{guildID: it.GuildID}) == 0 {
		s.mu.Lock()
		delete(s.interactions, id)
		delete(s.tokens, it.Token)
		src.submitted = false
		s.mu.Unlock()
		return nil, ErrNoSession
	}
	s.changed.broadcast()
	return &it.Interaction, nil
}
