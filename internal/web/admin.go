package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// switchTimeout bounds a model switch from the dashboard: loading a
// checkpoint can take minutes.
const switchTimeout = 10 * time.Minute

// adminRoutes adds the dashboard's routes: the page, its live feed, the
// running jobs' previews and the gallery's images (GET, admins only), and
// the actions (POST, admins only, with the CSRF token).
func (a *Adapter) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin", a.handleAdmin)
	mux.HandleFunc("GET /admin/events", a.handleDashEvents)
	mux.HandleFunc("GET /admin/job/{id}/preview", a.handleAdminPreview)
	mux.HandleFunc("GET /admin/image/{id}/{file}", a.handleAdminImage)
	mux.HandleFunc("POST /admin/model", a.adminPost(a.handleSwitchModel))
	mux.HandleFunc("POST /admin/job/{id}/cancel", a.adminPost(a.handleAdminCancel))
	mux.HandleFunc("POST /admin/block", a.adminPost(a.handleBlock))
	mux.HandleFunc("POST /admin/unblock", a.adminPost(a.handleUnblock))
}

// handleAdmin is the signed-in admin page: the dashboard.
func (a *Adapter) handleAdmin(w http.ResponseWriter, r *http.Request) {
	s, _ := a.access.session(w, r, true)
	if !s.admin {
		// The sign-in page says when a sign-in expired, and clears it.
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	a.renderAdmin(w, r, s, http.StatusOK, "", "")
}

func (a *Adapter) renderAdmin(w http.ResponseWriter, r *http.Request, s session, status int, notice, errText string) {
	a.render(w, status, "admin", pageData{
		L: s.lang, Title: s.lang.T("AdminTitle"), CSRF: s.csrf, Admin: true,
		Dash: a.dashPage(r.Context(), s), Notice: notice, Error: errText,
	})
}

// adminPost wraps an admin action: the CSRF check of post, then a live
// admin sign-in, or a refusal without detail (403).
func (a *Adapter) adminPost(h func(w http.ResponseWriter, r *http.Request, s session)) http.HandlerFunc {
	return a.post(func(w http.ResponseWriter, r *http.Request, s session) {
		if !s.admin || a.admin == nil {
			a.log.Info("admin action refused: not signed in", "path", r.URL.Path, "ip", clientIP(r))
			a.refuse(w, r, s.lang, http.StatusForbidden, s.lang.T("Refused"))
			return
		}
		h(w, r, s)
	})
}

// actionDone answers an admin action: for the script, JSON {"message":
// ...} or {"error": ...}; for a plain form, the dashboard with the
// outcome at its top. Either way the live feed reads the core again now.
func (a *Adapter) actionDone(w http.ResponseWriter, r *http.Request, s session, err error, notice string) {
	a.dash.kick()
	switch {
	case err != nil && wantsJSON(r):
		a.refuse(w, r, s.lang, refusalStatus(err), imagine.Describe(err, string(s.lang)))
	case err != nil:
		a.renderAdmin(w, r, s, refusalStatus(err), "", imagine.Describe(err, string(s.lang)))
	case wantsJSON(r):
		writeJSON(w, http.StatusOK, map[string]string{"message": notice})
	default:
		a.renderAdmin(w, r, s, http.StatusOK, notice, "")
	}
}

// handleSwitchModel loads another checkpoint (SwitchModel), waiting for
// the backends, and says which, or why not.
func (a *Adapter) handleSwitchModel(w http.ResponseWriter, r *http.Request, s session) {
	name := strings.TrimSpace(r.PostFormValue("model"))
	if name == "" {
		a.refuse(w, r, s.lang, http.StatusUnprocessableEntity, s.lang.T("NoModel"))
		return
	}
	// The server's write timeout is shorter than a checkpoint's load.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(switchTimeout + 10*time.Second))
	ctx, cancel := context.WithTimeout(r.Context(), switchTimeout)
	defer cancel()
	title, err := a.core.SwitchModel(ctx, name)
	if err != nil {
		a.log.Warn("model switch failed", "model", name, "by", s.who().Key(), "err", err)
		a.actionDone(w, r, s, err, "")
		return
	}
	a.log.Info("model switched", "model", title, "by", s.who().Key())
	a.actionDone(w, r, s, nil, s.lang.T("ModelSwitched", title))
}

// handleAdminCancel cancels any job (Cancel with admin set): its user's
// chat or page says it was cancelled.
func (a *Adapter) handleAdminCancel(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := jobParam(r)
	if !ok {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return
	}
	err := a.core.Cancel(id, s.who(), true)
	if err == nil {
		a.log.Info("job cancelled by an admin", "job", id.String(), "by", s.who().Key())
	}
	a.actionDone(w, r, s, err, s.lang.T("JobCancelled", id.String()))
}

// handleBlock blocks a user by key (form field who).
func (a *Adapter) handleBlock(w http.ResponseWriter, r *http.Request, s session) {
	who := strings.TrimSpace(r.PostFormValue("who"))
	err := a.admin.Block(who, s.who())
	a.actionDone(w, r, s, err, s.lang.T("UserBlocked", who))
}

// handleUnblock lifts an admin's block of a user (form field who).
func (a *Adapter) handleUnblock(w http.ResponseWriter, r *http.Request, s session) {
	who := strings.TrimSpace(r.PostFormValue("who"))
	err := a.admin.Unblock(who, s.who())
	a.actionDone(w, r, s, err, s.lang.T("UserUnblocked", who))
}

// adminOnly returns the request's session if an admin signed in from it;
// otherwise it answers 404, saying nothing of what is there.
func (a *Adapter) adminOnly(w http.ResponseWriter, r *http.Request) (session, bool) {
	s, ok := a.access.session(w, r, false)
	if !ok || !s.admin || a.admin == nil {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return s, false
	}
	return s, true
}

// handleAdminPreview serves the newest preview of any running job, from
// the feed's last reading (or a new one), to admins.
func (a *Adapter) handleAdminPreview(w http.ResponseWriter, r *http.Request) {
	s, ok := a.adminOnly(w, r)
	if !ok {
		return
	}
	id, ok := jobParam(r)
	var img []byte
	if ok {
		snap := a.dash.fresh()
		if snap != nil {
			img = snap.preview(id)
		}
		if img == nil {
			for _, j := range a.admin.Overview().Running {
				if j.ID == id {
					img = j.Preview
				}
			}
		}
	}
	if img == nil {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return
	}
	serveImage(w, img, "private, max-age=300", "")
}

// handleAdminImage serves image {i}.png of any finished job to admins:
// the gallery's pictures.
func (a *Adapter) handleAdminImage(w http.ResponseWriter, r *http.Request) {
	s, ok := a.adminOnly(w, r)
	if !ok {
		return
	}
	id, okID := jobParam(r)
	num, isPNG := strings.CutSuffix(r.PathValue("file"), ".png")
	i, err := strconv.Atoi(num)
	if !okID || !isPNG || err != nil || i < 0 || strings.ContainsAny(num, "+-") {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("NotFound"))
		return
	}
	img, err := a.core.Image(id, i)
	if err != nil {
		a.refuse(w, r, s.lang, http.StatusNotFound, s.lang.T("ImageGone"))
		return
	}
	serveImage(w, img, "private, max-age=86400", "")
}
