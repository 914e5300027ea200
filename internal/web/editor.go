package web

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// editor follows one job for the web: it reads the job's imagine.Watch
// (which keeps only the newest status), renders each status it sees and
// hands the view to the hub, which fans it out to the owner's live-update
// streams. Nothing it does waits on a browser.
type editor struct {
	a   *Adapter
	tk  *imagine.Ticket
	job *liveJob
	loc lang
	log *slog.Logger
}

// startEditor registers a submitted (or resumed) job of who and runs its
// editor in the adapter's group; it returns the job's first view. ip is
// the client address whose job slot (hub.reserveJob) the job holds until
// it ends; "" for none. A job nobody can watch (the adapter stopping) is
// cancelled.
func (a *Adapter) startEditor(tk *imagine.Ticket, who imagine.Requester, ip string) jobView {
	e := &editor{a: a, tk: tk, loc: lang(who.Locale), log: a.log.With("job", tk.ID.String(), "user", who.Key())}
	if e.loc == "" {
		e.loc = "en"
	}
	st := tk.Watch.Latest()
	st.Job = tk.ID
	first := e.view(st)
	e.job = a.hub.add(tk.ID, who.UserID, ip, first)
	if !a.tasks.Go(func() { e.run(a.work) }) {
		if err := a.core.Cancel(tk.ID, who, true); err != nil {
			e.log.Debug("cancel", "err", err)
		}
	}
	return first
}

// run publishes the job's statuses until the terminal one, or ctx ends.
func (e *editor) run(ctx context.Context) {
	seq := -1
	for {
		st := e.tk.Watch.Latest()
		st.Job = e.tk.ID
		if st.Preview != nil && st.PreviewSeq != seq {
			seq = st.PreviewSeq
			e.a.cfg.Recorder.PreviewEdited(imagine.Web)
		}
		e.a.hub.publish(e.job, e.view(st), st)
		if st.State.Terminal() {
			return
		}
		select {
		case <-e.tk.Watch.Changed():
		case <-ctx.Done():
			return
		}
	}
}

func (e *editor) view(st imagine.Status) jobView {
	return renderStatus(e.loc, st, e.tk.Params)
}

// hub holds the jobs the web front end follows and the live-update
// streams of each browser. It is safe for concurrent use; no method
// blocks on a stream.
type hub struct {
	mu       sync.Mutex // guards the fields below
	jobs     map[imagine.JobID]*liveJob
	users    map[string]*user // by user id
	finished []imagine.JobID  // ended jobs still held, oldest first
	streams  int
	byIP     map[string]int // open streams by client address
	ipJobs   map[string]int // live jobs and reserved slots by client address
}

// liveJob is one job the hub follows; its fields are guarded by hub.mu.
type liveJob struct {
	id      imagine.JobID
	owner   string // user id
	ip      string // the client address whose job slot it holds; "" for none
	view    jobView
	preview []byte          // the newest preview image
	result  *imagine.Result // the images once done, for when the store has not kept them
	ended   bool
}

// user is one browser's jobs and streams.
type user struct {
	jobs    []imagine.JobID // newest last, at most maxUserJobs
	streams map[*stream]struct{}
}

// maxUserJobs is how many jobs of one browser the page shows; older
// finished ones are in its history. maxFinished is how many ended jobs
// the hub keeps in memory in all.
const (
	maxUserJobs = 24
	maxFinished = 64
)

func newHub() *hub {
	return &hub{jobs: map[imagine.JobID]*liveJob{}, users: map[string]*user{}, byIP: map[string]int{}, ipJobs: map[string]int{}}
}

func (h *hub) userLocked(id string) *user {
	u := h.users[id]
	if u == nil {
		u = &user{streams: map[*stream]struct{}{}}
		h.users[id] = u
	}
	return u
}

// reserveJob takes one of ip's job slots for a job about to be
// submitted, or reports false when ip has max live jobs (and slots)
// already. The slot passes to the job with add, or goes back with
// releaseJob if the job is not made.
func (h *hub) reserveJob(ip string, max int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ipJobs[ip] >= max {
		return false
	}
	h.ipJobs[ip]++
	return true
}

// releaseJob gives back a job slot of ip.
func (h *hub) releaseJob(ip string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.releaseJobLocked(ip)
}

func (h *hub) releaseJobLocked(ip string) {
	if ip == "" {
		return
	}
	if h.ipJobs[ip]--; h.ipJobs[ip] <= 0 {
		delete(h.ipJobs, ip)
	}
}

// add registers a job of owner with its first view and tells the owner's
// streams; the job holds ip's reserved slot (if ip is set) until it ends.
func (h *hub) add(id imagine.JobID, owner, ip string, v jobView) *liveJob {
	h.mu.Lock()
	defer h.mu.Unlock()
	j := &liveJob{id: id, owner: owner, ip: ip, view: v}
	h.jobs[id] = j
	u := h.userLocked(owner)
	u.jobs = append(u.jobs, id)
	if len(u.jobs) > maxUserJobs {
		u.jobs = u.jobs[len(u.jobs)-maxUserJobs:]
	}
	for s := range u.streams {
		s.put(v)
	}
	return j
}

// publish sets a job's view (and its preview and result) and tells the
// owner's streams. An ended job is kept among the last maxFinished.
func (h *hub) publish(j *liveJob, v jobView, st imagine.Status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	j.view = v
	if st.Preview != nil {
		j.preview = st.Preview
	}
	if st.Result != nil {
		j.result = st.Result
	}
	if st.State.Terminal() && !j.ended {
		// The preview stays: a browser may still ask for the last one.
		j.ended = true
		h.releaseJobLocked(j.ip)
		h.finished = append(h.finished, j.id)
		if len(h.finished) > maxFinished {
			old := h.finished[0]
			h.finished = h.finished[1:]
			h.dropLocked(old)
		}
	}
	if u := h.users[j.owner]; u != nil {
		for s := range u.streams {
			s.put(v)
		}
	}
}

// dropLocked forgets an ended job (its record stays in the core's store).
func (h *hub) dropLocked(id imagine.JobID) {
	j := h.jobs[id]
	if j == nil {
		return
	}
	delete(h.jobs, id)
	if u := h.users[j.owner]; u != nil {
		u.jobs = slices.DeleteFunc(u.jobs, func(x imagine.JobID) bool { return x == id })
		if len(u.jobs) == 0 && len(u.streams) == 0 {
			delete(h.users, j.owner)
		}
	}
}

// job returns a job's state if owner may see it (an admin may see any).
func (h *hub) job(id imagine.JobID, owner string, admin bool) (j liveJob, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.jobs[id]
	if p == nil || (!admin && p.owner != owner) {
		return liveJob{}, false
	}
	return *p, true
}

// views returns the views of a user's jobs, newest first.
func (h *hub) views(owner string) []jobView {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[owner]
	if u == nil {
		return nil
	}
	out := make([]jobView, 0, len(u.jobs))
	for _, id := range slices.Backward(u.jobs) {
		if j := h.jobs[id]; j != nil {
			out = append(out, j.view)
		}
	}
	return out
}

// streamLimits bound the live-update streams: of one browser, from one
// client address, and in all.
type streamLimits struct{ perUser, perIP, total int }

// subscribe opens a stream of owner's job views from address ip, or
// reports false when the user, the address or everyone has as many as
// allowed.
func (h *hub) subscribe(owner, ip string, lim streamLimits) (*stream, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.userLocked(owner)
	if h.streams >= lim.total || len(u.streams) >= lim.perUser || h.byIP[ip] >= lim.perIP {
		if len(u.jobs) == 0 && len(u.streams) == 0 {
			delete(h.users, owner)
		}
		return nil, false
	}
	s := &stream{signal: make(chan struct{}, 1), pending: map[imagine.JobID]jobView{}}
	u.streams[s] = struct{}{}
	h.streams++
	h.byIP[ip]++
	return s, true
}

// unsubscribe closes a stream opened by subscribe.
func (h *hub) unsubscribe(owner, ip string, s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[owner]
	if u == nil {
		return
	}
	if _, ok := u.streams[s]; ok {
		delete(u.streams, s)
		h.streams--
		if h.byIP[ip]--; h.byIP[ip] <= 0 {
			delete(h.byIP, ip)
		}
	}
	if len(u.jobs) == 0 && len(u.streams) == 0 {
		delete(h.users, owner)
	}
}

// stream is one browser tab's live updates: the newest view of each job
// not yet sent (latest wins) and a signal of capacity one. Putting never
// blocks, and a tab that stalls holds one view per job at most.
type stream struct {
	signal chan struct{}

	mu      sync.Mutex // guards the fields below
	pending map[imagine.JobID]jobView
	order   []imagine.JobID // jobs in pending, in the order they first changed
}

func (s *stream) put(v jobView) {
	s.mu.Lock()
	if _, ok := s.pending[v.id]; !ok {
		s.order = append(s.order, v.id)
	}
	s.pending[v.id] = v
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// take returns the pending views and empties the stream.
func (s *stream) take() []jobView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]jobView, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.pending[id])
	}
	clear(s.pending)
	s.order = s.order[:0]
	return out
}
