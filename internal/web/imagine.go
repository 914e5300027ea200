package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxNonce is the longest form nonce taken as a Source.
const maxNonce = 64

// handleImagine submits the playground form: the prompt (inline options
// work in it, as in chat) and the form's options, as the browser's
// session. The script gets the job's first view as JSON (201), a plain
// form a redirect to the page; a refusal is the core's one-line reason,
// next to the form.
func (a *Adapter) handleImagine(w http.ResponseWriter, r *http.Request, s session) {
	if !a.canGenerate(s) {
		a.refusePlayground(w, r, s)
		return
	}
	f := readForm(r)
	who := s.who()
	req, err := buildRequest(f, who)
	var tk *imagine.Ticket
	var ip string
	if err == nil {
		tk, ip, err = a.submit(r, s, req)
	}
	switch {
	case errors.Is(err, imagine.ErrDuplicate):
		// The same form sent twice (a double click, a resent POST): its
		// job goes on from the first.
		a.log.Info("form sent again; its job already exists", "user", who.Key())
		if !wantsJSON(r) {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		a.refuse(w, r, s.lang, http.StatusConflict, s.lang.T("Duplicate"))
	case err != nil:
		text := imagine.Describe(err, string(s.lang))
		if errors.Is(err, imagine.ErrEmptyPrompt) {
			text = s.lang.T("EmptyPrompt")
		}
		status := refusalStatus(err)
		if wantsJSON(r) {
			writeJSON(w, status, map[string]string{"error": text})
			return
		}
		f.More = f.Negative != "" || f.Shape != "" || f.Steps != "" || f.Seed != "" || f.Style != "" || f.Hires
		a.render(w, status, "page", a.pageFor(s, f, text))
	default:
		a.log.Info("job submitted", "job", tk.ID.String(), "user", who.Key())
		v := a.startEditor(tk, who, ip)
		if !wantsJSON(r) {
			http.Redirect(w, r, "/#job-"+v.ID, http.StatusSeeOther)
			return
		}
		writeJSON(w, http.StatusCreated, v)
	}
}

// submit submits req from the form of r: the form's nonce is its Source
// (a form sent twice makes one job), and a job of the client's address is
// reserved first (reserveJob) and given back when Submit refuses.
func (a *Adapter) submit(r *http.Request, s session, req imagine.Request) (tk *imagine.Ticket, ip string, err error) {
	req.Source = ""
	if n := r.PostFormValue("nonce"); validNonce(n) {
		req.Source = "web:" + s.userID + ":" + n
	}
	if ip, err = a.reserveJob(r, s); err != nil {
		return nil, "", err
	}
	if tk, err = a.core.Submit(req); err != nil {
		a.hub.releaseJob(ip)
		return nil, "", err
	}
	return tk, ip, nil
}

// reserveJob takes a job slot of the request's client address (see
// Config.MaxJobsPerAddress) and returns the address it holds, or the
// core's per-user refusal with the per-address limit. A signed-in admin
// takes none (ip "").
func (a *Adapter) reserveJob(r *http.Request, s session) (ip string, err error) {
	if s.admin {
		return "", nil
	}
	ip = clientIP(r)
	if !a.hub.reserveJob(ip, a.cfg.MaxJobsPerAddress) {
		a.log.Info("request refused: too many jobs from this address", "ip", ip, "user", s.who().Key())
		return "", &imagine.UserError{Kind: imagine.ErrUserLimit, ID: catalog.MsgUserLimit, Args: []any{a.cfg.MaxJobsPerAddress}}
	}
	return ip, nil
}

// refusePlayground answers a browser that may not use the playground.
func (a *Adapter) refusePlayground(w http.ResponseWriter, r *http.Request, s session) {
	text := s.lang.T("AdminsOnly")
	if s.expired {
		text = s.lang.T("Expired")
	}
	a.refuse(w, r, s.lang, http.StatusForbidden, text)
}

// refusalStatus is the HTTP status of a refused request: 429 for limits
// that pass with time, 503 when the bot cannot take it now, else 422.
func refusalStatus(err error) int {
	switch {
	case errors.Is(err, imagine.ErrUserLimit), errors.Is(err, imagine.ErrCooldown), errors.Is(err, imagine.ErrQuota):
		return http.StatusTooManyRequests
	case errors.Is(err, imagine.ErrQueueFull), errors.Is(err, imagine.ErrShuttingDown):
		return http.StatusServiceUnavailable
	case errors.Is(err, imagine.ErrBlocked), errors.Is(err, imagine.ErrNotYourJob):
		return http.StatusForbidden
	case errors.Is(err, imagine.ErrJobNotFound), errors.Is(err, imagine.ErrExpired), errors.Is(err, imagine.ErrImageGone), errors.Is(err, imagine.ErrNotFound):
		return http.StatusNotFound
	}
	var ue *imagine.UserError
	if errors.As(err, &ue) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

func validNonce(n string) bool {
	if n == "" || len(n) > maxNonce {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func readForm(r *http.Request) formValues {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return formValues{
		Prompt: r.PostFormValue("prompt"), Negative: v("negative"), Shape: v("shape"), Steps: v("steps"),
		Seed: v("seed"), Style: v("style"), Count: v("count"), Hires: r.PostFormValue("hires") != "",
	}
}

// buildRequest turns the form into a request: the prompt is read as in
// chat (its inline options work), then the form's fields set theirs. Bad
// values are refused with the catalogue's sentences for the inline
// options they stand for.
func buildRequest(f formValues, who imagine.Requester) (imagine.Request, error) {
	req, err := imagine.ParseInline(f.Prompt, who)
	if err != nil {
		return req, err
	}
	if f.Negative != "" {
		req.NegativePrompt = f.Negative
	}
	if f.Shape != "" {
		if strings.ContainsAny(f.Shape, "xX×") {
			w, h, err := parseSize(f.Shape)
			if err != nil {
				return req, err
			}
			req.Width, req.Height, req.Aspect = w, h, imagine.Ratio{}
		} else {
			ar, err := imagine.ParseRatio(f.Shape)
			if err != nil {
				return req, err
			}
			req.Aspect, req.Width, req.Height = ar, 0, 0
		}
	}
	if f.Steps != "" {
		if req.Steps, err = number("--steps", f.Steps); err != nil {
			return req, err
		}
	}
	if f.Count != "" {
		if req.BatchSize, err = number("--n", f.Count); err != nil {
			return req, err
		}
	}
	if f.Seed != "" {
		seed, err := strconv.ParseInt(f.Seed, 10, 64)
		if err != nil {
			return req, badNumber("--seed", f.Seed)
		}
		req.Seed = seed
	}
	if f.Style != "" {
		req.Style = f.Style
	}
	req.HiresFix = req.HiresFix || f.Hires
	return req, nil
}

func number(opt, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || strings.ContainsFunc(s, unicode.IsSpace) {
		return 0, badNumber(opt, s)
	}
	return n, nil
}

func badNumber(opt, s string) error {
	return &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgBadNumber, Args: []any{opt, s}}
}

// parseSize reads 768x512.
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.NewReplacer("X", "x", "×", "x").Replace(s), "x")
	w, err1 := strconv.Atoi(strings.TrimSpace(ws))
	h, err2 := strconv.Atoi(strings.TrimSpace(hs))
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgBadSize, Args: []any{s}}
	}
	return w, h, nil
}
