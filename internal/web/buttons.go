package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The actions under a job, as the chat buttons: POST /job/{id}/{act}.
const (
	actCancel  = "cancel"  // ✖ Cancel a waiting or running job
	actReroll  = "reroll"  // 🎲 the same request with a new seed
	actRetry   = "retry"   // 🔄 Try again: the same request and seed
	actUpscale = "upscale" // ⬆ enlarge image ?i= of the result
	actVary    = "vary"    // 🎨 variations of image ?i= of the result
)

// handleButton runs an action on one of the browser's jobs (an admin may
// act on any). Cancel answers with the job's view; the others submit a
// new job, made from the core's record of this one, as the browser who
// pressed (their limits and quota apply), and answer with its first view.
func (a *Adapter) handleButton(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := jobParam(r)
	if !ok {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return
	}
	who := s.who()
	act := r.PathValue("act")
	if act == actCancel {
		a.handleCancel(w, r, s, id)
		return
	}
	if !a.canGenerate(s) {
		a.refusePlayground(w, r, s)
		return
	}
	rec, err := a.core.Record(id)
	if err == nil && !a.owns(s, rec.Request.Requester) {
		err = errNotYours
	}
	var req imagine.Request
	if err == nil {
		req, err = a.buttonRequest(act, rec, who, r.URL.Query().Get("i"))
	}
	var tk *imagine.Ticket
	var ip string
	if err == nil {
		tk, ip, err = a.submit(r, s, req)
	}
	switch {
	case errors.Is(err, errNotYours), errors.Is(err, errNoSuchAction):
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
	case errors.Is(err, imagine.ErrDuplicate):
		a.refuse(w, r, s.lang, http.StatusConflict, s.lang.T("Duplicate"))
	case err != nil:
		a.log.Info("button refused", "job", id.String(), "action", act, "user", who.Key(), "reason", err)
		a.refuse(w, r, s.lang, refusalStatus(err), imagine.Describe(err, string(s.lang)))
	default:
		a.log.Info("job submitted by a button", "job", tk.ID.String(), "from", id.String(), "action", act, "user", who.Key())
		v := a.startEditor(tk, who, ip)
		if !wantsJSON(r) {
			http.Redirect(w, r, "/#job-"+v.ID, http.StatusSeeOther)
			return
		}
		writeJSON(w, http.StatusCreated, v)
	}
}

// errNotYours is an action on a job of another browser; it is answered
// as if the job did not exist. errNoSuchAction is an unknown action, or an
// image index the result does not have.
var (
	errNotYours     = errors.New("web: not this browser's job")
	errNoSuchAction = errors.New("web: no such action")
)

// owns reports whether the session may act on a job of who: its own
// (by the hash of its cookie), or any job for an admin.
func (a *Adapter) owns(s session, who imagine.Requester) bool {
	return s.admin || who.Platform == imagine.Web && who.UserID == s.userID
}

// buttonRequest is the request an action asks for, as the chat buttons
// build it (imagine.Request.Reroll, Record.Again, UpscaleImage, Vary).
func (a *Adapter) buttonRequest(act string, rec imagine.Record, who imagine.Requester, index string) (imagine.Request, error) {
	var i int
	if act == actUpscale || act == actVary {
		n, err := strconv.Atoi(index)
		if err != nil || n < 0 || n >= rec.Images || strings.ContainsAny(index, "+-") {
			return imagine.Request{}, errNoSuchAction
		}
		i = n
	}
	if rec.NeedsInput() && act != actUpscale {
		// An upscale's or img2img's image is not kept with its request.
		return imagine.Request{}, errNoSuchAction
	}
	switch act {
	case actReroll:
		return rec.Request.Reroll(who), nil
	case actRetry:
		return rec.Again(who), nil
	case actVary:
		return rec.Vary(who, i), nil
	case actUpscale:
		if rec.Request.Kind == imagine.KindUpscale {
			return imagine.Request{}, errNoSuchAction
		}
		img, err := a.core.Image(rec.ID, i)
		if err != nil {
			return imagine.Request{}, err
		}
		return rec.UpscaleImage(who, i, img), nil
	}
	return imagine.Request{}, errNoSuchAction
}

// handleCancel cancels a job of the browser's (an admin's: any).
func (a *Adapter) handleCancel(w http.ResponseWriter, r *http.Request, s session, id imagine.JobID) {
	who := s.who()
	if _, ok := a.hub.job(id, s.userID, s.admin); !ok {
		if rec, err := a.core.Record(id); err != nil || !a.owns(s, rec.Request.Requester) {
			a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
			return
		}
	}
	if err := a.core.Cancel(id, who, s.admin); err != nil {
		a.refuse(w, r, s.lang, refusalStatus(err), imagine.Describe(err, string(s.lang)))
		return
	}
	a.log.Info("job cancelled", "job", id.String(), "by", who.Key())
	if !wantsJSON(r) {
		http.Redirect(w, r, "/#job-"+id.String(), http.StatusSeeOther)
		return
	}
	j, _ := a.hub.job(id, s.userID, s.admin)
	writeJSON(w, http.StatusOK, j.view)
}

// handlePreview serves a running job's newest preview, from memory, to
// the browser whose job it is. The ?v= of its URL only makes each preview
// a new URL.
func (a *Adapter) handlePreview(w http.ResponseWriter, r *http.Request) {
	s, ok := a.access.session(w, r, false)
	id, okID := jobParam(r)
	var j liveJob
	if ok && okID {
		j, ok = a.hub.job(id, s.userID, s.admin)
	}
	if !ok || !okID || j.preview == nil {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return
	}
	serveImage(w, j.preview, "private, max-age=300", "")
}

// handleImage serves image {i}.png of a finished job: the original from
// the core's store (or, if the store has not kept it, from the hub), to
// the browser whose job it is; ?download=1 as a file to save.
func (a *Adapter) handleImage(w http.ResponseWriter, r *http.Request) {
	s, ok := a.access.session(w, r, false)
	id, okID := jobParam(r)
	num, isPNG := strings.CutSuffix(r.PathValue("file"), ".png")
	i, err := strconv.Atoi(num)
	if !ok || !okID || !isPNG || err != nil || i < 0 || strings.ContainsAny(num, "+-") {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return
	}
	j, inHub := a.hub.job(id, s.userID, s.admin)
	if !inHub {
		rec, err := a.core.Record(id)
		if err != nil || !a.owns(s, rec.Request.Requester) {
			a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
			return
		}
	}
	img, err := a.core.Image(id, i)
	if err != nil && inHub && j.result != nil && i < len(j.result.Images) {
		img, err = j.result.Images[i], nil
	}
	if err != nil {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("ImageGone"))
		return
	}
	name := ""
	if r.URL.Query().Get("download") != "" {
		name = "imagine-" + id.String() + "-" + strconv.Itoa(i+1) + ".png"
	}
	serveImage(w, img, "private, max-age=86400", name)
}

// serveImage writes an image with its sniffed type (PNG, JPEG or WebP),
// as an attachment called name when name is set.
func serveImage(w http.ResponseWriter, img []byte, cache, name string) {
	ct := http.DetectContentType(img)
	if !strings.HasPrefix(ct, "image/") {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	if name != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	_, _ = w.Write(img)
}
