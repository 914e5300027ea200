package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// contentSecurityPolicy allows only the site's own script and style (no
// inline ones) and images from the site or data/blob URLs, and forbids
// framing.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// maxFormBytes bounds a form's body.
const maxFormBytes = 64 << 10

// card is what the job template renders: a view with the page's token
// and language.
type card struct {
	V    jobView
	CSRF string
	L    lang
}

func parsePages() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"card": func(v jobView, csrf string, l lang) card { return card{V: v, CSRF: csrf, L: l} },
		"dashAct": func(csrf, url, who, kind, label string) dashAct {
			return dashAct{CSRF: csrf, URL: url, Who: who, Kind: kind, Label: label}
		},
		"cancelURL": func(id string) string { return "/admin/job/" + id + "/cancel" },
	}).ParseFS(templateFS, "templates/*.html")
}

// Handler returns the adapter's routes, wrapped in the security headers.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handlePage)
	mux.HandleFunc("POST /imagine", a.post(a.handleImagine))
	mux.HandleFunc("GET /events", a.handleEvents)
	mux.HandleFunc("GET /job/{id}/preview", a.handlePreview)
	mux.HandleFunc("GET /job/{id}/image/{file}", a.handleImage)
	mux.HandleFunc("POST /job/{id}/{act}", a.post(a.handleButton))
	mux.HandleFunc("GET /login", a.handleLoginPage)
	mux.HandleFunc("POST /login", a.post(a.handleLogin))
	mux.HandleFunc("POST /logout", a.post(a.handleLogout))
	a.adminRoutes(mux)
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files only: a directory (/static/, or one inside) is not listed.
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(static, strings.TrimSuffix(name, "/")); name == "" || err == nil && st.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	return secureHeaders(a.proxies.withClient(mux))
}

// secureHeaders sets the security headers on every response.
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// post wraps a state-changing handler: a bounded body, a session and its
// CSRF token, or a refusal without detail (403).
func (a *Adapter) post(h func(w http.ResponseWriter, r *http.Request, s session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		// Read the form now, so that one over the limit is told so, not
		// refused for a token or a prompt cut off with the rest of it.
		var tooLong *http.MaxBytesError
		err := r.ParseForm() // a url-encoded body; ParseMultipartForm would hide its error
		if err == nil {
			err = r.ParseMultipartForm(maxFormBytes)
		}
		if errors.As(err, &tooLong) {
			l := langOf(r.Header.Get("Accept-Language"))
			a.log.Info("request refused: body too long", "path", r.URL.Path, "ip", clientIP(r), "limit", tooLong.Limit)
			a.refuse(w, r, l, http.StatusRequestEntityTooLarge, l.T("TooLong", maxFormBytes>>10))
			return
		}
		s, ok := a.access.session(w, r, false)
		if !ok || !checkCSRF(r, s) {
			a.log.Info("request refused: missing or forged CSRF token, or no session", "path", r.URL.Path, "ip", clientIP(r))
			a.refuse(w, r, s.lang, http.StatusForbidden, s.lang.T("Refused"))
			return
		}
		h(w, r, s)
	}
}

// wantsJSON reports whether the page's script sent the request (it asks
// for JSON); a plain form gets HTML and redirects.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// refuse answers a refused request with one sentence: JSON {"error": ...}
// for the script, else a small page.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, l lang, status int, text string) {
	if l == "" {
		l = "en"
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": text})
		return
	}
	a.render(w, status, "message", pageData{L: l, Title: l.T("Title"), Error: text})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// pageData is what the page templates render.
type pageData struct {
	L            lang
	Title        string
	CSRF         string
	Nonce        string
	Admin        bool
	CanGenerate  bool
	Error        string
	Notice       string    // an admin action's outcome
	Dash         *dashView // the admin dashboard; nil elsewhere
	Form         formValues
	Jobs         []jobView
	Empty        jobView // the template of a new job's card
	Styles       []string
	Shapes       []string
	Counts       []string
	DefaultSteps int
}

// formValues are the playground form's fields, kept after a refusal.
type formValues struct {
	Prompt, Negative, Shape, Steps, Seed, Style, Count string
	Hires, More                                        bool
}

// render executes a page template into a buffer first, so that a
// template error is a clean 500, not half a page.
func (a *Adapter) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := a.pages.ExecuteTemplate(&buf, name, d); err != nil {
		a.log.Error("page template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// canGenerate reports whether s may use the playground.
func (a *Adapter) canGenerate(s session) bool { return a.cfg.OpenPlayground || s.admin }

// shapes are the playground's aspect ratios and sizes.
var shapes = []string{"1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "512x512", "768x512", "512x768", "1024x1024"}

// handlePage is the playground: the form, and the browser's jobs (those
// the adapter follows, then older ones from the core's history).
func (a *Adapter) handlePage(w http.ResponseWriter, r *http.Request) {
	s, _ := a.access.session(w, r, true)
	if s.limited {
		a.refuseNewSession(w, r, s)
		return
	}
	if s.expired {
		setCookie(w, r, adminCookie, "", 0)
	}
	if !a.canGenerate(s) && s.expired {
		a.refuse(w, r, s.lang, http.StatusUnauthorized, s.lang.T("Expired"))
		return
	}
	a.render(w, http.StatusOK, "page", a.pageFor(s, formValues{}, ""))
}

func (a *Adapter) pageFor(s session, f formValues, errText string) pageData {
	set := a.core.Settings()
	d := pageData{
		L: s.lang, Title: s.lang.T("Title"), CSRF: s.csrf, Nonce: newSecret(), Admin: s.admin,
		CanGenerate: a.canGenerate(s), Error: errText, Form: f,
		Styles: set.StyleNames(), Shapes: shapes, DefaultSteps: set.Defaults.Steps,
		Empty: jobView{State: imagine.Queued.String()},
	}
	for n := 1; n <= max(set.Limits.MaxBatch, 1); n++ {
		d.Counts = append(d.Counts, strconv.Itoa(n))
	}
	if d.Form.Count == "" {
		d.Form.Count = strconv.Itoa(max(set.Defaults.BatchSize, 1))
	}
	d.Jobs = a.jobsOf(s)
	return d
}

// jobsOf lists a browser's jobs, newest first: those the adapter follows,
// then finished ones from the core's history that it no longer holds
// (after a restart, say).
func (a *Adapter) jobsOf(s session) []jobView {
	views := a.hub.views(s.userID)
	seen := map[string]bool{}
	for _, v := range views {
		seen[v.ID] = true
	}
	recs, err := a.core.History(s.who())
	if err != nil {
		a.log.Warn("cannot read the history", "user", s.who().Key(), "err", err)
	}
	up := a.core.Settings().Defaults.UpscaleBy
	if up == 0 {
		up = imagine.DefaultUpscaleBy
	}
	for _, rec := range recs {
		if !seen[rec.ID.String()] && len(views) < maxUserJobs {
			views = append(views, renderRecord(s.lang, rec, up))
		}
	}
	return views
}

// jobParam reads the {id} of a job URL.
func jobParam(r *http.Request) (imagine.JobID, bool) {
	s := r.PathValue("id")
	if s == "" || len(s) > 13 || strings.ContainsAny(s, "+-") {
		return 0, false
	}
	id, err := imagine.ParseJobID(s)
	return id, err == nil
}
