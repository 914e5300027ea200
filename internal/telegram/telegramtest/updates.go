package telegramtest

import (
	"net/http"
	"slices"
	"time"
)

// pendingUpdate is an update waiting to be confirmed by getUpdates.
type pendingUpdate struct {
	kind string // "message", "callback_query"
	body wireUpdate
}

// longPoll is an open getUpdates request; conflict is closed when a newer
// getUpdates terminates it.
type longPoll struct {
	conflict chan struct{}
}

// defaultExcludedUpdates are not delivered unless allowed_updates names them.
var defaultExcludedUpdates = []string{"chat_member", "message_reaction", "message_reaction_count"}

var (
	errConflictPoll    = &apiError{code: http.StatusConflict, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	errConflictWebhook = &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
)

// enqueueLocked adds an update unless allowed_updates filters it out.
func (s *Server) enqueueLocked(kind string, body wireUpdate) {
	if len(s.allowedUpdates) > 0 {
		if !slices.Contains(s.allowedUpdates, kind) {
			return
		}
	} else if slices.Contains(defaultExcludedUpdates, kind) {
		return
	}
	s.nextUpdateID++
	body.UpdateID = s.nextUpdateID
	u := pendingUpdate{kind: kind, body: body}
	s.updates = append(s.updates, u)
	s.past[u.body.UpdateID] = u
	s.notifyLocked()
}

// LastUpdateID returns the update_id of the last update queued (by
// SendMessage, Click, ...), or 0 if there was none.
func (s *Server) LastUpdateID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.past[s.nextUpdateID]; !ok {
		return 0
	}
	return s.nextUpdateID
}

// Redeliver queues update id again, with the same update_id and content,
// as Telegram does after a bot stopped without confirming it (a crash, or
// a getUpdates offset that never arrived). It goes in update_id order
// among the pending updates, so a getUpdates whose offset is past it
// drops it, as Telegram would. It reports false if no such update was
// ever queued.
func (s *Server) Redeliver(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.past[id]
	if !ok {
		return false
	}
	i := 0
	for i < len(s.updates) && s.updates[i].body.UpdateID <= id {
		i++
	}
	s.updates = slices.Insert(s.updates, i, u)
	s.notifyLocked()
	return true
}

// confirmLocked applies getUpdates' offset: updates below a positive offset
// are confirmed, a negative offset keeps only the last -offset updates.
func (s *Server) confirmLocked(offset int) {
	before := len(s.updates)
	defer func() {
		if len(s.updates) != before {
			s.notifyLocked()
		}
	}()
	switch {
	case offset > 0:
		i := 0
		for i < len(s.updates) && s.updates[i].body.UpdateID < offset {
			i++
		}
		s.updates = s.updates[i:]
	case offset < 0:
		if keep := -offset; len(s.updates) > keep {
			s.updates = s.updates[len(s.updates)-keep:]
		}
	}
}

// serveGetUpdates answers getUpdates, holding the request open for up to
// timeout seconds while no update is pending. A newer getUpdates ends an
// open one with 409 Conflict, as Telegram does.
func (s *Server) serveGetUpdates(w http.ResponseWriter, r *http.Request, req *request, call Call) {
	s.mu.Lock()
	aerr := s.takeFailureLocked(req)
	if aerr == nil {
		aerr = s.spec.checkParams(req)
	}
	if aerr == nil && s.webhook != "" {
		aerr = errConflictWebhook
	}
	if aerr == nil && s.secondPoller {
		aerr = errConflictPoll
	}
	var allowed []string
	if aerr == nil && req.has("allowed_updates") {
		if err := decodeJSON(req.str("allowed_updates"), &allowed); err != nil {
			aerr = badRequest("can't parse allowed_updates JSON object")
		}
	}
	if aerr != nil {
		s.recordLocked(call, aerr)
		s.mu.Unlock()
		writeError(w, aerr)
		return
	}
	if req.has("allowed_updates") {
		s.allowedUpdates = allowed
	}
	limit := req.intParam("limit")
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := max(req.intParam("timeout"), 0)
	s.confirmLocked(req.intParam("offset"))
	if s.poll != nil {
		close(s.poll.conflict)
	}
	p := &longPoll{conflict: make(chan struct{})}
	s.poll = p
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)

	result := []wireUpdate{}
	for {
		n := min(limit, len(s.updates))
		if n > 0 {
			for _, u := range s.updates[:n] {
				result = append(result, u.body)
			}
			break
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		changed := s.changed
		s.mu.Unlock()
		timer := time.NewTimer(wait)
		stop := false
		select {
		case <-changed:
		case <-timer.C:
		case <-p.conflict:
			aerr = errConflictPoll
		case <-r.Context().Done():
			stop = true
			aerr = s.hungUp(p)
		case <-s.done:
			stop = true
		}
		timer.Stop()
		s.mu.Lock()
		if aerr != nil || stop {
			break
		}
	}
	if s.poll == p {
		s.poll = nil
	}
	s.recordLocked(call, aerr)
	s.mu.Unlock()
	respond(w, result, aerr)
}

// hungUp keeps a long poll the bot hung up open for PollHangUpDelay (see
// Options) and returns the 409 a getUpdates meanwhile gives it, or nil.
// It is called without the mutex held.
func (s *Server) hungUp(p *longPoll) *apiError {
	if s.pollHangUpLag <= 0 {
		return nil
	}
	t := time.NewTimer(s.pollHangUpLag)
	defer t.Stop()
	select {
	case <-p.conflict:
		return errConflictPoll
	case <-t.C:
	case <-s.done:
	}
	return nil
}

func (s *Server) deleteWebhookLocked(req *request) (any, *apiError) {
	if req.boolParam("drop_pending_updates") {
		s.updates = nil
	}
	if s.webhook == "" {
		return okWithDescription{true, "Webhook is already deleted"}, nil
	}
	s.webhook = ""
	return okWithDescription{true, "Webhook was deleted"}, nil
}
