package discordtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AttachmentLifetime is how long an attachment URL the fake hands out stays valid, as Discord's
// signed CDN links (the ex= parameter) do; after it the file server answers 404.
const AttachmentLifetime = 24 * time.Hour

// FileFault changes how the file server answers for an attachment (SetFileFault).
type FileFault struct {
	// Status, if not zero, is answered instead of the file (e.g. 404, 403, 500).
	Status int
	// Delay holds the answer back this long (or until the client gives up).
	Delay time.Duration
	// Body, if not nil, is served instead of the file's content: wrong or larger content than
	// the attachment's metadata declares.
	Body []byte
}

// FileFetch is one request to the file server.
type FileFetch struct {
	AttachmentID string
	Proxy        bool // through proxy_url (media.discordapp.net's role)
	Status       int
	At           time.Time
}

// servedFile is an attachment the file server serves.
type servedFile struct {
	data      []byte
	ctype     string
	expires   time.Time
	signature string
}

// signature is the fake's hm= parameter: it binds an attachment id to its expiry, so a link
// whose ex= was changed is refused like a tampered Discord link.
func (s *Server) signature(id string, ex int64) string {
	h := sha256.Sum256([]byte(s.opts.BotToken + "/" + id + "/" + strconv.FormatInt(ex, 16)))
	return hex.EncodeToString(h[:8])
}

// attachmentURLsLocked registers data as the content of attachment id and returns its url and
// proxy_url, both on the fake's own host: /attachments/... (the role of cdn.discordapp.com) and
// /media/attachments/... (media.discordapp.net), with Discord's ex, is and hm parameters.
func (s *Server) attachmentURLsLocked(channelID, id, filename string, ephemeral bool, data []byte, ctype string, now time.Time) (url, proxy string) {
	kind := "attachments"
	if ephemeral {
		kind = "ephemeral-attachments"
	}
	exp := now.Add(AttachmentLifetime)
	ex := exp.Unix()
	f := &servedFile{data: data, ctype: ctype, expires: exp, signature: s.signature(id, ex)}
	s.files[id] = f
	path := "/" + kind + "/" + channelID + "/" + id + "/" + filename
	q := "?ex=" + strconv.FormatInt(ex, 16) + "&is=" + strconv.FormatInt(now.Unix(), 16) + "&hm=" + f.signature + "&"
	return s.URL + path + q, s.URL + "/media" + path + q
}

// SetFileFault makes the file server answer requests for attachment id with f; id "" applies
// to every attachment without a fault of its own. A zero FileFault lifts it.
func (s *Server) SetFileFault(id string, f FileFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Status == 0 && f.Delay == 0 && f.Body == nil {
		delete(s.fileFaults, id)
		return
	}
	s.fileFaults[id] = &f
}

// FileFetches returns every request the file server answered, oldest first.
func (s *Server) FileFetches() []FileFetch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.fetches)
}

// serveFile serves GET /attachments/{channel}/{id}/{name} and /ephemeral-attachments/...
// (and the same below /media/) with the uploaded content, as Discord's CDN does: 404 for an
// unknown attachment or an expired link, 403 for a link whose signature does not match.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	path, proxy := strings.CutPrefix(r.URL.Path, "/media")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	id := ""
	if len(segs) == 4 && (segs[0] == "attachments" || segs[0] == "ephemeral-attachments") {
		id = segs[2]
	}
	now := s.now()
	s.mu.Lock()
	f := s.files[id]
	fault := s.fileFaults[id]
	if fault == nil {
		fault = s.fileFaults[""]
	}
	status := http.StatusOK
	q := r.URL.Query()
	ex, _ := strconv.ParseInt(q.Get("ex"), 16, 64)
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		status = http.StatusMethodNotAllowed
	case f == nil:
		status = http.StatusNotFound
	case q.Get("hm") != s.signature(id, ex):
		status = http.StatusForbidden
	case !now.Before(f.expires) || now.Unix() >= ex:
		status = http.StatusNotFound
	}
	var body []byte
	var ctype string
	if f != nil {
		body, ctype = f.data, f.ctype
	}
	var delay time.Duration
	if fault != nil {
		delay = fault.Delay
		if fault.Status != 0 {
			status = fault.Status
		}
		if fault.Body != nil {
			body = fault.Body
		}
	}
	s.fetches = append(s.fetches, FileFetch{AttachmentID: id, Proxy: proxy, Status: status, At: now})
	s.mu.Unlock()
	s.changed.broadcast()

	if delay > 0 && !sleepCtx(r.Context(), delay) {
		return
	}
	if status != http.StatusOK {
		http.Error(w, "This content is no longer available.", status)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// sleepCtx waits for d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
