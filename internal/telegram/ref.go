package telegram

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// jobRef is what the adapter keeps with a job in the core's store
// (imagine.Ref.Data), to find its messages again after a restart: where
// the status message replies, the status message itself and, once the
// job ended, the message carrying the result's buttons. Telegram needs no
// secret (Ref.Secret stays empty). The PNG and Upscale buttons take the
// original images from the store; only an img2img keeps the file_id of the
// user's picture (Input), which Reroll, Vary and Try again fetch again.
type jobRef struct {
	Chat    int64 `json:"chat"`
	Group   bool  `json:"group,omitempty"`
	Thread  int   `json:"thread,omitempty"`   // forum topic
	ReplyTo int   `json:"reply_to,omitempty"` // the command (or pressed message) the status message replies to
	Status  int   `json:"status,omitempty"`   // the status message; 0 until posted
	Media   bool  `json:"media,omitempty"`    // it holds a photo or document
	Mention bool  `json:"mention,omitempty"`  // new messages name the requester
	Result  int   `json:"result,omitempty"`   // the message with the result's buttons, once delivered
	// Input is the user's picture an img2img started from.
	Input *picture `json:"input,omitempty"`
}

// errNoRef is a stored reference without a chat.
var errNoRef = errors.New("telegram: the job has no message reference")

// decodeRef reads a reference saved by saveRef.
func decodeRef(data []byte) (jobRef, error) {
	var r jobRef
	if len(data) == 0 {
		return r, errNoRef
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, err
	}
	if r.Chat == 0 {
		return r, errNoRef
	}
	return r, nil
}

// place is where the status message replies.
func (r jobRef) place() place {
	return place{chat: chatRef{id: r.Chat, group: r.Group}, replyTo: r.ReplyTo, thread: r.Thread}
}

// saveRef saves where the job's messages are (see jobRef): when the
// editor starts, when the status message is posted (first, or anew after
// it moved or was deleted), when it becomes a photo, and after the result
// was delivered. A store failure is the core's to log; the job goes on.
func (e *editor) saveRef() {
	r := jobRef{Chat: e.at.chat.id, Group: e.at.chat.group, Thread: e.at.thread, ReplyTo: e.at.replyTo,
		Status: e.msgID, Media: e.isMedia, Mention: e.mention, Input: e.input}
	if e.delivered {
		r.Result = e.msgID
	}
	data, _ := json.Marshal(r)
	e.restarts.SetRef(e.tk.ID, imagine.Ref{Data: data})
}

// resume takes back the jobs the last process left (see
// imagine.Service.Resumed): each gets an editor on its stored status
// message, which it edits in place (or, if none was posted, posts anew
// replying to the command). A job whose messages are unknown cannot be
// shown anywhere and is cancelled.
func (a *Adapter) resume(ctx context.Context) {
	jobs := a.core.Resumed(imagine.Telegram)
	for _, r := range jobs {
		ref, err := decodeRef(r.Ref.Data)
		if err != nil {
			a.log.Warn("a job from before the restart has no message to show it in; cancelling it", "job", r.Ticket.ID.String(), "err", err)
			if err := a.core.Cancel(r.Ticket.ID, r.Request.Requester, true); err != nil {
				a.log.Debug("cancel", "err", err)
			}
			continue
		}
		// The last process may have just written to the chat.
		a.client.lim.spent(ref.place().chat)
		e := a.editing.newEditor(r.Ticket, ref.place(), r.Request)
		e.msgID, e.isMedia, e.mention, e.input = ref.Status, ref.Media, ref.Mention, ref.Input
		if !a.tasks.Go(func() { e.run(ctx) }) {
			return
		}
	}
	if len(jobs) > 0 {
		a.log.Info("resumed the jobs of the last run", "jobs", len(jobs))
	}
}
