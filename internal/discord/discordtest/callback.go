package discordtest

import (
	"encoding/json"
	"net/http"
	"slices"
)

// allowedCallbacks lists the callback types Discord accepts per interaction type, among those
// the fake implements: the ones the bot sends. Others (Pong, Update Message) answer 501.
var allowedCallbacks = map[int][]int{
	InteractionApplicationCommand: {CallbackChannelMessage, CallbackDeferredChannelMessage, CallbackModal},
	InteractionMessageComponent:   {CallbackChannelMessage, CallbackDeferredChannelMessage, CallbackDeferredUpdateMessage, CallbackModal},
	InteractionAutocomplete:       {CallbackAutocompleteResult},
	InteractionModalSubmit:        {CallbackChannelMessage, CallbackDeferredChannelMessage, CallbackDeferredUpdateMessage},
}

// implementedCallbacks are the callback types the fake serves.
var implementedCallbacks = []int{CallbackChannelMessage, CallbackDeferredChannelMessage,
	CallbackDeferredUpdateMessage, CallbackAutocompleteResult, CallbackModal}

// handleCallback serves POST /interactions/{id}/{token}/callback: the single acknowledgement of
// an interaction, accepted only within AckDeadline of the dispatch.
func (s *Server) handleCallback(rq *request) (int, any, error) {
	p, perr := s.readPayload(rq)
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.interactions[rq.param("interaction_id")]
	if it == nil || it.Token != rq.param("interaction_token") {
		return 0, nil, errCode(CodeUnknownInteraction)
	}
	cb := Callback{Files: rq.call.Files, At: rq.now}
	status, body, err := s.acknowledgeLocked(rq, it, p, perr, &cb)
	cb.Status = status
	var ae *apiError
	if err != nil {
		ae = err
		cb.Status, cb.Code = ae.Status, ae.Code
	}
	it.callbacks = append(it.callbacks, cb)
	if ae != nil {
		return 0, nil, ae
	}
	c := cb
	it.ack = &c
	return status, body, nil
}

// acknowledgeLocked checks and applies one callback; it fills cb's type and data.
func (s *Server) acknowledgeLocked(rq *request, it *interaction, p *payload, perr error, cb *Callback) (int, any, *apiError) {
	if perr != nil {
		return 0, nil, asAPIError(perr)
	}
	if err := json.Unmarshal(p.fields["type"], &cb.Type); err != nil {
		return 0, nil, formError("type", "BASE_TYPE_REQUIRED", "This field is required")
	}
	if d, ok := p.fields["data"]; ok && string(d) != "null" {
		cb.Data = d
	}
	if !slices.Contains(implementedCallbacks, cb.Type) {
		return 0, nil, errNotImplemented("interaction callback type " + itoa(cb.Type))
	}
	if it.ack != nil {
		return 0, nil, errCode(CodeInteractionAcknowledged)
	}
	if rq.now.Sub(it.DispatchedAt) > s.opts.AckDeadline || it.expired {
		return 0, nil, errCode(CodeUnknownInteraction)
	}
	if !slices.Contains(allowedCallbacks[it.Type], cb.Type) ||
		(cb.Type == CallbackDeferredUpdateMessage && it.componentMsg == nil) {
		return 0, nil, formErrorf("type", "INTERACTION_RESPONSE_TYPE_INVALID",
			"Interaction response type %d is not valid for interaction type %d.", cb.Type, it.Type)
	}
	data := &payload{fields: map[string]json.RawMessage{}, uploads: p.uploads}
	if cb.Data != nil && json.Unmarshal(cb.Data, &data.fields) != nil {
		return 0, nil, formError("data", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
	}
	if cb.Type == CallbackModal {
		m, err := parseModal(cb.Data)
		if err != nil {
			return 0, nil, prefixed("data", err)
		}
		it.modal = m
		return http.StatusNoContent, nil, nil
	}
	f, ferr := parseMsgFields(data)
	if ferr != nil {
		return 0, nil, prefixed("data", ferr)
	}
	ch := s.channels[it.ChannelID]
	in := revisionInput{fields: f, uploads: p.uploads, version: rq.version, channelID: it.ChannelID,
		ephemeral: f.flags&FlagEphemeral != 0, route: rq.route.name, now: rq.now}
	switch cb.Type {
	case CallbackChannelMessage, CallbackDeferredChannelMessage:
		var rev Revision
		if cb.Type == CallbackDeferredChannelMessage {
			rev = Revision{Route: in.route, At: in.now, Flags: FlagLoading}
			if in.ephemeral {
				rev.Flags |= FlagEphemeral
			}
		} else {
			var err *apiError
			if rev, err = s.nextRevisionLocked(nil, in); err != nil {
				return 0, nil, prefixed("data", err)
			}
		}
		typ := MessageTypeDefault
		if it.Type == InteractionApplicationCommand {
			typ = MessageTypeChatInputCommand
		}
		it.original = s.newMessageLocked(ch, rev, it, typ, in.ephemeral)
		rq.emit("MESSAGE_CREATE", it.original)
	case CallbackDeferredUpdateMessage:
		it.original = it.componentMsg
	case CallbackAutocompleteResult:
		if err := validateChoices(data); err != nil {
			return 0, nil, err
		}
	}
	if rq.r.URL.Query().Get("with_response") == "true" {
		resp := map[string]any{"interaction": map[string]any{"id": it.ID, "type": it.Type}}
		if it.original != nil {
			resp["resource"] = map[string]any{"type": cb.Type, "message": s.messageJSONLocked(it.original)}
		}
		return http.StatusOK, resp, nil
	}
	return http.StatusNoContent, nil, nil
}

// prefixed moves a form error's field tree under a parent field (the callback's "data").
func prefixed(parent string, e *apiError) *apiError {
	if e.Errors != nil {
		e.Errors = map[string]any{parent: e.Errors}
	}
	return e
}

func validateChoices(data *payload) *apiError {
	var choices []Choice
	if v, ok := data.fields["choices"]; ok && json.Unmarshal(v, &choices) != nil {
		return formError("data.choices", "BASE_TYPE_ARRAY", "Must be an array.")
	}
	if len(choices) > 25 {
		return tooLong("data.choices", 25)
	}
	for i, c := range choices {
		p := "data.choices." + itoa(i) + "."
		if n := runeLen(c.Name); n < 1 || n > 100 {
			return badLength(p+"name", 1, 100)
		}
		switch v := c.Value.(type) {
		case string:
			if runeLen(v) > 100 {
				return tooLong(p+"value", 100)
			}
		case float64:
		default:
			return formError(p+"value", "BASE_TYPE_REQUIRED", "This field is required")
		}
	}
	return nil
}
