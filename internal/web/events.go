package web

import (
	"bytes"
	"net/http"
	"time"
)

// keepAlive is how often an idle live-update stream gets a comment, so
// that proxies and browsers keep it open.
const keepAlive = 20 * time.Second

// handleEvents is a browser tab's live updates, as Server-Sent Events:
// first the view of each of the browser's jobs, then every new view of
// one ("event: job", the JSON of a jobView), newest only. A write that
// takes longer than Config.WriteTimeout drops the stream; the browser's
// EventSource reconnects by itself. Jobs go on whatever the stream does.
func (a *Adapter) handleEvents(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.access.session(w, r, false)
	if !ok {
		a.refuse(w, r, sess.lang, http.StatusForbidden, sess.lang.T("Refused"))
		return
	}
	ip := clientIP(r)
	s, ok := a.hub.subscribe(sess.userID, ip, streamLimits{perUser: a.cfg.MaxStreamsPerUser, perIP: a.cfg.MaxStreamsPerAddress, total: a.cfg.MaxStreams})
	if !ok {
		a.log.Warn("too many live-update streams; refusing one", "user", sess.who().Key(), "ip", ip)
		a.refuse(w, r, sess.lang, http.StatusTooManyRequests, sess.lang.T("TooMany"))
		return
	}
	defer a.hub.unsubscribe(sess.userID, ip, s)
	for _, v := range a.jobsOf(sess) {
		s.put(v)
	}
	write, ok := a.openStream(w)
	if !ok {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	var buf bytes.Buffer
	for {
		select {
		case <-s.signal:
			buf.Reset()
			for _, v := range s.take() {
				buf.WriteString("event: job\ndata: ")
				buf.Write(v.json())
				buf.WriteString("\n\n")
			}
			if !write(buf.Bytes()) {
				return
			}
		case <-tick.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		case <-a.quit:
			return
		}
	}
}

// openStream starts an event stream on w: its headers and the client's
// reconnect delay. write sends b within the write timeout and flushes it;
// it reports false once the client is gone or stalled, and so does ok.
func (a *Adapter) openStream(w http.ResponseWriter) (write func(b []byte) bool, ok bool) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	rc := http.NewResponseController(w)
	write = func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(a.cfg.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	return write, write([]byte("retry: 2000\n\n"))
}
