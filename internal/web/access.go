package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The cookies. The session cookie is who a browser is: a random secret
// that never leaves the cookie; the user id the core, the logs and the
// store see is a hash of it (userID). The admin cookie is a sign-in,
// known only to this process: a restart signs admins out.
const (
	sessionCookie = "imaginebot_session"
	adminCookie   = "imaginebot_admin"
	// csrfField and csrfHeader carry the CSRF token of a state-changing
	// request: a form field, or a header for fetch.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// secretLen is the random bytes of a session or sign-in secret.
	secretLen = 32
	// sessionMaxAge is how long a browser keeps its session cookie: its
	// jobs and history stay its own for that long.
	sessionMaxAge = 30 * 24 * time.Hour
	// renewCookie marks a session cookie renewed lately: while the browser
	// keeps it (renewEvery), page loads do not send the session cookie
	// again; once it is gone, the next page load renews both, so a browser
	// that visits keeps its session for sessionMaxAge after its last visit.
	renewCookie = "imaginebot_renewed"
	renewEvery  = 24 * time.Hour
)

// session is who sent a request: the browser's session, and whether an
// admin signed in from it.
type session struct {
	secret string // the cookie value; never logged or shown
	userID string // hash of secret: imagine.Requester.UserID
	csrf   string // the token state-changing requests must carry
	admin  bool
	// expired: the request carried an admin cookie that is no longer
	// valid (expired, signed out, or from before a restart).
	expired bool
	// limited: the request had no session and its address has been given
	// as many new ones as allowed lately (Config.NewSessionsPerAddress).
	limited bool
	lang    lang
}

// who is the session as the core's requester.
func (s session) who() imagine.Requester {
	return imagine.Requester{Platform: imagine.Web, UserID: s.userID, Name: "web:" + s.userID[:8], Locale: string(s.lang), Admin: s.admin}
}

// access keeps the admin sign-ins and the failed-login limits, and derives
// CSRF tokens. It is safe for concurrent use.
type access struct {
	key      []byte   // HMAC key of CSRF tokens, random per process
	password [32]byte // SHA-256 of web.admin_password
	hasPass  bool
	ttl      time.Duration
	now      func() time.Time

	mu     sync.Mutex           // guards admins
	admins map[string]time.Time // SHA-256 of a sign-in cookie (hex) → when it expires

	fails failLimiter
	// mints counts the new sessions given to each address.
	mints failLimiter
}

func newAccess(cfg Config) *access {
	a := &access{
		key:     randomBytes(32),
		hasPass: cfg.AdminPassword != "",
		ttl:     cfg.AdminSession,
		now:     cfg.Clock,
		admins:  map[string]time.Time{},
		fails: failLimiter{
			perIP: cfg.LoginFailuresPerIP, global: cfg.LoginFailures, window: cfg.LoginWindow,
			byIP: map[string][]time.Time{},
		},
		mints: failLimiter{
			perIP: cfg.NewSessionsPerAddress, global: math.MaxInt, window: cfg.NewSessionWindow,
			byIP: map[string][]time.Time{},
		},
	}
	if a.hasPass {
		a.password = sha256.Sum256([]byte(cfg.AdminPassword))
	}
	return a
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func newSecret() string { return base64.RawURLEncoding.EncodeToString(randomBytes(secretLen)) }

// validSecret reports whether s looks like a secret newSecret made.
func validSecret(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == secretLen
}

// userIDOf is the public user id of a session secret: 20 hex digits of
// its SHA-256, the same after a restart, so a reload finds the jobs.
func userIDOf(secret string) string {
	h := sha256.Sum256([]byte("imaginebot web user\x00" + secret))
	return hex.EncodeToString(h[:10])
}

func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// csrfFor is the CSRF token of a session: an HMAC of its secret with this
// process's key. A page from before a restart has a stale token: its
// requests are refused until it is reloaded.
func (a *access) csrfFor(secret string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte("csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session returns the request's session. create is set for page loads:
// a browser without a valid session cookie gets a new one (the response
// carries it), unless its address has had too many lately (s.limited),
// and one whose cookie was not renewed within renewEvery gets it again
// for another sessionMaxAge. Without create, a request without a session
// has ok false.
func (a *access) session(w http.ResponseWriter, r *http.Request, create bool) (s session, ok bool) {
	s.lang = langOf(r.Header.Get("Accept-Language"))
	if c, err := r.Cookie(sessionCookie); err == nil && validSecret(c.Value) {
		s.secret = c.Value
		if _, err := r.Cookie(renewCookie); err != nil && create {
			setCookie(w, r, sessionCookie, s.secret, sessionMaxAge)
			setCookie(w, r, renewCookie, "1", renewEvery)
		}
	} else if create {
		if !a.mints.take(clientIP(r), a.now()) {
			s.limited = true
			return s, false
		}
		s.secret = newSecret()
		setCookie(w, r, sessionCookie, s.secret, sessionMaxAge)
		setCookie(w, r, renewCookie, "1", renewEvery)
	} else {
		return s, false
	}
	s.userID, s.csrf = userIDOf(s.secret), a.csrfFor(s.secret)
	if c, err := r.Cookie(adminCookie); err == nil && c.Value != "" {
		s.admin = a.signedIn(c.Value)
		s.expired = !s.admin
	}
	return s, true
}

// checkCSRF reports whether a state-changing request carries the
// session's token (header or form field), compared in constant time, and
// does not come from another origin (its Origin's host is the one the
// browser asked for: Host, or a trusted proxy's X-Forwarded-Host).
func checkCSRF(r *http.Request, s session) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != requestHost(r) {
			return false
		}
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// setCookie sets an HttpOnly cookie for the whole site, Secure when the
// browser came over HTTPS (directly or through a proxy that says so);
// maxAge 0 deletes it. The session cookie is SameSite=Lax: a link from
// another site (a chat, a search) is a top-level navigation that must
// carry it, or the page would mint a new session and the browser would
// lose its jobs; what changes state is guarded by the CSRF token and the
// Origin check, not by the cookie. The admin cookie is SameSite=Strict.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	same := http.SameSiteStrictMode
	if name == sessionCookie || name == renewCookie {
		same = http.SameSiteLaxMode
	}
	c := &http.Cookie{
		Name: name, Value: value, Path: "/",
		HttpOnly: true, SameSite: same,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
	}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// signedIn reports whether token is a live admin sign-in; an expired one
// is forgotten.
func (a *access) signedIn(token string) bool {
	k := hashKey(token)
	a.mu.Lock()
	defer a.mu.Unlock()
	until, ok := a.admins[k]
	if ok && a.now().Before(until) {
		return true
	}
	delete(a.admins, k)
	return false
}

// loginResult is what a sign-in attempt came to.
type loginResult int

const (
	loginOK loginResult = iota
	loginWrong
	loginLimited  // too many failures: not even checked
	loginDisabled // no admin password is configured
)

// login checks a password from ip. A right one returns a new sign-in
// token; a wrong one counts against ip and against everyone. The check is
// in constant time (both sides are hashed to 32 bytes first).
func (a *access) login(ip, password string) (string, loginResult) {
	if !a.hasPass {
		return "", loginDisabled
	}
	now := a.now()
	// The attempt takes a failure's place before the password is checked,
	// so parallel guesses cannot all slip past the limit; a right password
	// gives it back.
	if !a.fails.take(ip, now) {
		return "", loginLimited
	}
	got := sha256.Sum256([]byte(password))
	if subtle.ConstantTimeCompare(got[:], a.password[:]) != 1 {
		return "", loginWrong
	}
	a.fails.giveBack(ip, now)
	token := newSecret()
	a.mu.Lock()
	a.admins[hashKey(token)] = now.Add(a.ttl)
	a.mu.Unlock()
	return token, loginOK
}

// logout ends a sign-in.
func (a *access) logout(token string) {
	a.mu.Lock()
	delete(a.admins, hashKey(token))
	a.mu.Unlock()
}

// prune forgets expired sign-ins and old failures.
func (a *access) prune() {
	now := a.now()
	a.mu.Lock()
	for k, until := range a.admins {
		if !now.Before(until) {
			delete(a.admins, k)
		}
	}
	a.mu.Unlock()
	a.fails.prune(now)
	a.mints.prune(now)
}

// failLimiter limits failed sign-ins: at most perIP from one address and
// global from everyone within window. Past either, attempts are refused
// unchecked until old failures leave the window, so a password cannot be
// guessed from many addresses either (at the price that a flood also keeps
// the real admin out for the window).
type failLimiter struct {
	perIP, global int
	window        time.Duration

	mu   sync.Mutex             // guards the fields below
	byIP map[string][]time.Time // failures in the window, oldest first
	all  []time.Time
}

// maxTrackedIPs bounds the addresses the limiter remembers; beyond it the
// oldest entries go (the global limit still holds).
const maxTrackedIPs = 10000

// take reports whether ip may try now, and if so counts the try at now,
// in one critical section: of parallel tries, only as many as the limits
// allow get through. A try that turns out not to count (a right
// password) is given back with giveBack.
func (l *failLimiter) take(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = recent(l.all, now, l.window)
	l.byIP[ip] = recent(l.byIP[ip], now, l.window)
	if len(l.all) >= l.global || len(l.byIP[ip]) >= l.perIP {
		if len(l.byIP[ip]) == 0 {
			delete(l.byIP, ip)
		}
		return false
	}
	if _, ok := l.byIP[ip]; !ok && len(l.byIP) >= maxTrackedIPs {
		for k := range l.byIP { // any one: the map is at its bound
			delete(l.byIP, k)
			break
		}
	}
	l.byIP[ip] = append(l.byIP[ip], now)
	l.all = append(l.all, now)
	return true
}

// giveBack uncounts a try take counted at now.
func (l *failLimiter) giveBack(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byIP[ip] = dropOne(l.byIP[ip], now)
	if len(l.byIP[ip]) == 0 {
		delete(l.byIP, ip)
	}
	l.all = dropOne(l.all, now)
}

// dropOne removes the last t from ts, if there is one.
func dropOne(ts []time.Time, t time.Time) []time.Time {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(t) {
			return append(ts[:i], ts[i+1:]...)
		}
	}
	return ts
}

func (l *failLimiter) prune(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = recent(l.all, now, l.window)
	for ip, ts := range l.byIP {
		if ts = recent(ts, now, l.window); len(ts) == 0 {
			delete(l.byIP, ip)
		} else {
			l.byIP[ip] = ts
		}
	}
}

// recent drops the times older than window before now.
func recent(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= window {
		i++
	}
	return ts[i:]
}

// handleLoginPage shows the admin sign-in form (an admin already signed
// in goes to the admin page).
func (a *Adapter) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s, _ := a.access.session(w, r, true)
	if s.limited {
		a.refuseNewSession(w, r, s)
		return
	}
	if s.admin {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	}
	d := pageData{L: s.lang, Title: s.lang.T("SignInTitle"), CSRF: s.csrf}
	switch {
	case !a.access.hasPass:
		d.Error = s.lang.T("NoPassword")
	case s.expired:
		setCookie(w, r, adminCookie, "", 0)
		d.Error = s.lang.T("Expired")
	}
	a.render(w, http.StatusOK, "login", d)
}

// handleLogin checks the admin password. Whatever is wrong, the answer
// says only that signing in failed (or that there were too many failures,
// without checking the password). A success starts a new sign-in with a
// new cookie.
func (a *Adapter) handleLogin(w http.ResponseWriter, r *http.Request, s session) {
	ip := clientIP(r)
	token, res := a.access.login(ip, r.PostFormValue("password"))
	d := pageData{L: s.lang, Title: s.lang.T("SignInTitle"), CSRF: s.csrf}
	switch res {
	case loginOK:
		a.log.Info("admin signed in", "ip", ip)
		setCookie(w, r, adminCookie, token, a.cfg.AdminSession)
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
	case loginLimited:
		a.log.Warn("sign-in refused: too many failures", "ip", ip)
		d.Error = s.lang.T("TooManyAttempts")
		a.render(w, http.StatusTooManyRequests, "login", d)
	case loginDisabled:
		d.Error = s.lang.T("NoPassword")
		a.render(w, http.StatusForbidden, "login", d)
	default:
		a.log.Warn("sign-in failed: wrong password", "ip", ip)
		d.Error = s.lang.T("WrongPassword")
		a.render(w, http.StatusUnauthorized, "login", d)
	}
}

// handleLogout ends the sign-in and goes back to the playground.
func (a *Adapter) handleLogout(w http.ResponseWriter, r *http.Request, s session) {
	if c, err := r.Cookie(adminCookie); err == nil {
		a.access.logout(c.Value)
	}
	setCookie(w, r, adminCookie, "", 0)
	if s.admin {
		a.log.Info("admin signed out", "ip", clientIP(r))
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// refuseNewSession answers a page request without a session from an
// address that has been given too many new ones lately.
func (a *Adapter) refuseNewSession(w http.ResponseWriter, r *http.Request, s session) {
	a.log.Warn("new session refused: too many from this address", "ip", clientIP(r))
	w.Header().Set("Retry-After", strconv.Itoa(int(a.cfg.NewSessionWindow/time.Second)))
	a.refuse(w, r, s.lang, http.StatusTooManyRequests, s.lang.T("TooManySessions"))
}
