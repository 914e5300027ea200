package web

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"
)

// dashSections are the live parts of the dashboard, in the order the
// feed sends them: each is a template ("dash-"+name) rendered into the
// element with that id, and an event of that name on /admin/events.
var dashSections = []string{"queue", "backends", "charts", "blocks", "gallery"}

// dashFeed is the dashboard's one live feed: while anyone views the
// dashboard, a single goroutine (run) reads the core every
// Config.DashboardRefresh (sooner after an admin's action), renders the
// live sections once per language, and leaves the frame with every
// viewer, newest only. However many admins watch, the core is polled
// once per refresh; a viewer that does not keep up is skipped (it gets
// the newest frame when it is ready again) and never waited on.
type dashFeed struct {
	a     *Adapter
	every time.Duration
	wake  chan struct{} // capacity 1: poll now

	mu      sync.Mutex // guards the fields below
	viewers map[*dashViewer]struct{}
	last    *dashSnapshot
	polls   int // readings of the core, for tests
}

// dashFrame is one reading's sections in one language.
type dashFrame struct {
	sections [][]byte // by dashSections' index
}

// dashViewer is one open /admin/events stream.
type dashViewer struct {
	lang   lang
	signal chan struct{} // capacity 1

	mu    sync.Mutex // guards frame
	frame *dashFrame
}

func newDashFeed(a *Adapter) *dashFeed {
	return &dashFeed{a: a, every: a.cfg.DashboardRefresh, wake: make(chan struct{}, 1), viewers: map[*dashViewer]struct{}{}}
}

// kick asks for a reading now (after an admin's action), without waiting.
func (f *dashFeed) kick() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// fresh returns the last reading if it is younger than a refresh.
func (f *dashFeed) fresh() *dashSnapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != nil && len(f.viewers) > 0 && f.a.cfg.Clock().Sub(f.last.at) < f.every {
		return f.last
	}
	return nil
}

// subscribe adds a viewer, or reports false when max are open.
func (f *dashFeed) subscribe(l lang, limit int) (*dashViewer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.viewers) >= limit {
		return nil, false
	}
	v := &dashViewer{lang: l, signal: make(chan struct{}, 1)}
	f.viewers[v] = struct{}{}
	return v, true
}

func (f *dashFeed) unsubscribe(v *dashViewer) {
	f.mu.Lock()
	delete(f.viewers, v)
	f.mu.Unlock()
}

// langs returns the languages the viewers read, and whether there are
// any viewers.
func (f *dashFeed) langs() map[lang]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	ls := map[lang]bool{}
	for v := range f.viewers {
		ls[v.lang] = true
	}
	return ls
}

// run is the feed's goroutine: it polls while there are viewers, and
// sleeps until a viewer or a kick comes otherwise. It returns when ctx
// ends.
func (f *dashFeed) run(ctx context.Context) {
	t := time.NewTimer(f.every)
	defer t.Stop()
	for {
		if ls := f.langs(); len(ls) > 0 {
			f.poll(ls)
		}
		t.Reset(f.every)
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-t.C:
		}
	}
}

// poll reads the core once, renders the sections in each language ls
// holds, and leaves each viewer its frame.
func (f *dashFeed) poll(ls map[lang]bool) {
	snap := f.a.readDash()
	frames := make(map[lang]*dashFrame, len(ls))
	for l := range ls {
		d := snap.view(l, "")
		fr := &dashFrame{sections: make([][]byte, len(dashSections))}
		for i, name := range dashSections {
			var buf bytes.Buffer
			if err := f.a.pages.ExecuteTemplate(&buf, "dash-"+name, d); err != nil {
				f.a.log.Error("dashboard template failed", "section", name, "err", err)
				continue
			}
			fr.sections[i] = buf.Bytes()
		}
		frames[l] = fr
	}
	f.mu.Lock()
	f.last = snap
	f.polls++
	viewers := make([]*dashViewer, 0, len(f.viewers))
	for v := range f.viewers {
		viewers = append(viewers, v)
	}
	f.mu.Unlock()
	for _, v := range viewers {
		fr := frames[v.lang]
		if fr == nil { // subscribed since langs was read: the next poll
			f.kick()
			continue
		}
		v.mu.Lock()
		v.frame = fr
		v.mu.Unlock()
		select {
		case v.signal <- struct{}{}:
		default: // it has not taken the last one yet: it gets this one
		}
	}
}

// pollCount is how many times the feed read the core.
func (f *dashFeed) pollCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

func (v *dashViewer) take() *dashFrame {
	v.mu.Lock()
	defer v.mu.Unlock()
	fr := v.frame
	v.frame = nil
	return fr
}

// handleDashEvents is a dashboard's live updates, as Server-Sent Events:
// for each live section that changed, an event named after it whose data
// is the section's new HTML (rendered by html/template). A write that
// takes longer than Config.WriteTimeout drops the stream.
func (a *Adapter) handleDashEvents(w http.ResponseWriter, r *http.Request) {
	s, ok := a.access.session(w, r, false)
	if !ok || !s.admin || a.admin == nil {
		a.refuse(w, r, s.lang, http.StatusForbidden, s.lang.T("Refused"))
		return
	}
	v, ok := a.dash.subscribe(s.lang, a.cfg.MaxStreams)
	if !ok {
		a.log.Warn("too many dashboard streams; refusing one")
		a.refuse(w, r, s.lang, http.StatusTooManyRequests, s.lang.T("TooMany"))
		return
	}
	defer a.dash.unsubscribe(v)
	a.dash.kick()
	write, ok := a.openStream(w)
	if !ok {
		return
	}
	sent := make([][]byte, len(dashSections))
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	var buf bytes.Buffer
	for {
		select {
		case <-v.signal:
			fr := v.take()
			if fr == nil {
				continue
			}
			buf.Reset()
			for i, html := range fr.sections {
				if html == nil || bytes.Equal(html, sent[i]) {
					continue
				}
				sent[i] = html
				writeEvent(&buf, dashSections[i], html)
			}
			if buf.Len() > 0 && !write(buf.Bytes()) {
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

// writeEvent writes one Server-Sent Event of HTML; data may span lines
// (each becomes a data: line, which the browser joins with newlines). A
// carriage return, which would also end a line, is written as &#13;.
func writeEvent(buf *bytes.Buffer, name string, data []byte) {
	buf.WriteString("event: ")
	buf.WriteString(name)
	buf.WriteByte('\n')
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		buf.WriteString("data: ")
		buf.Write(bytes.ReplaceAll(line, []byte("\r"), []byte("&#13;")))
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
}
