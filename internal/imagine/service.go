package imagine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// JobID identifies a job. IDs are never reused, across restarts too: the
// store remembers the highest one given out.
type JobID uint64

// String renders the id compactly (base 36), for callback data.
func (id JobID) String() string { return strconv.FormatUint(uint64(id), 36) }

// ParseJobID reads a JobID written by String.
func ParseJobID(s string) (JobID, error) {
	n, err := strconv.ParseUint(s, 36, 64)
	return JobID(n), err
}

// Config configures a Service.
type Config struct {
	Settings Settings
	PerUser  int // most jobs one user may have waiting or running
	MaxQueue int // most jobs waiting in all
	// PositionRefresh is how often queued jobs learn their new position;
	// default 3s. Positions change for everyone at every start, so this
	// keeps chat edits rare.
	PositionRefresh time.Duration
	// RetryDelays are the waits before retrying a job whose backend was
	// unreachable; default 1s, 2s. The job fails after the last one.
	RetryDelays []time.Duration
	// ShutdownTimeout is how long running jobs may finish after Run's ctx
	// ends before they are cancelled; 0 cancels them at once.
	ShutdownTimeout time.Duration
	Moderation      Moderation
	// Store keeps jobs, results and users' settings; nil: a MemoryStore.
	Store Store
	// Retention is how long finished jobs' buttons and history are kept
	// (store.retention); default 720h.
	Retention time.Duration
	// DailyImages is how many images a user may make per UTC day
	// (limits.daily_images); 0: no limit. Admins have none.
	DailyImages int
	// AffinityWait is how long the next job may wait for a busy backend
	// that has its model loaded before a free backend switches to it
	// (sd.affinity_wait); default 3s.
	AffinityWait time.Duration
	Observer     Observer // optional, e.g. metrics
	Logger       *slog.Logger
}

// Service owns the queue and one worker per backend. Submit, Cancel and the
// other methods are safe for concurrent use; Run does the work.
type Service struct {
	settings Settings
	cfg      Config
	log      *slog.Logger
	queue    *queue.Fair[*job]
	workers  []*worker
	mod      *moderator

	store    Store
	stats    *stats // the last hour, for Stats (stats.go)
	overview overviewCache
	switchMu sync.Mutex // serialises model switches
	lists    listCache  // the backends' models, samplers, schedulers and LoRAs (lists.go)

	restoreOnce sync.Once
	restoreErr  error

	mu       sync.Mutex // guards the fields below
	jobs     map[JobID]*job
	lastID   JobID
	resumed  []*job                   // jobs restored at start, for Resumed
	inputs   map[Platform]InputSource // restored img2imgs' pictures (SetInputSource)
	rerun    []queue.Item[*job]       // restored jobs that had started: they run first
	pending  map[string]int           // images of each user's jobs not yet ended, for quotas
	prefs    map[string]Prefs         // cache of the store's, by user key
	stopping bool
	// The dispatcher's state (dispatch.go).
	switches  []*switchOp // /model loads waiting for a free backend
	headID    queue.ID    // the job last seen next in line
	headSince time.Time   // since when it is
	kicks     chan struct{}
	firstFree bool // tests: ignore models, take the first free backend (a baseline)

	// defaultModel is the model /model last chose ("" until then). It has
	// its own lock: profiles read it while s.mu is held.
	modelMu      sync.Mutex
	defaultModel string

	storeMu  sync.Mutex // guards storeErr
	storeErr error      // the last store write's error, nil once one succeeds
}

// job is one request on its way through the service.
type job struct {
	id        JobID
	qid       queue.ID
	req       Request
	params    Params
	watch     *Watch
	submitted time.Time
	ref       *Ref // the front end's references, when restored

	// Set by the worker while it runs the job; guarded by Service.mu.
	cancel    context.CancelFunc
	cancelled bool
	// endErr, with cancelled, ends the job Failed with this reason rather
	// than Cancelled (Block); guarded by Service.mu.
	endErr error

	// The bools share a word with cancelled: 10,000 queued jobs stay
	// under 20 MB (TestQueuedJobsMemory).
	restarted bool // restored after a restart
	rerun     bool // restored, or moved off a backend that went down: it had started before
}

// New returns a Service that runs jobs on backends. Call Run to start it.
func New(cfg Config, backends []NamedBackend) *Service {
	if cfg.PositionRefresh <= 0 {
		cfg.PositionRefresh = 3 * time.Second
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{time.Second, 2 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 720 * time.Hour
	}
	if cfg.AffinityWait <= 0 {
		cfg.AffinityWait = defaultAffinityWait
	}
	s := &Service{
		settings: cfg.Settings,
		cfg:      cfg,
		log:      cfg.Logger,
		queue:    queue.New[*job](cfg.PerUser, cfg.MaxQueue),
		mod:      newModerator(cfg.Moderation),
		store:    cfg.Store,
		jobs:     map[JobID]*job{},
		pending:  map[string]int{},
		prefs:    map[string]Prefs{},
		kicks:    make(chan struct{}, 1),
		stats:    newStats(len(backends), time.Now()),
	}
	if s.settings.DefaultModel == nil {
		s.settings.DefaultModel = s.profileModel
	}
	for i, b := range backends {
		s.workers = append(s.workers, &worker{
			idx:     i,
			name:    b.Name,
			kind:    cmp.Or(b.Kind, BackendA1111),
			backend: b.Backend,
			svc:     s,
			log:     cfg.Logger.With("backend", b.Name),
			jobs:    make(chan queue.Item[*job], 1),
			ops:     make(chan *switchOp, 1),
		})
	}
	return s
}

// Settings returns the defaults, limits and styles requests are resolved with.
func (s *Service) Settings() Settings { return s.settings }

// Ticket is a submitted job: its id, its resolved parameters and the Watch
// its statuses arrive on.
type Ticket struct {
	ID     JobID
	Params Params
	Watch  *Watch
}

// Submit validates req and queues it. Refusals (bad options, moderation,
// per-user limit, full queue, shutting down) are *UserError values for the
// requester; each is logged.
func (s *Service) Submit(req Request) (*Ticket, error) {
	t, err := s.submit(req)
	if err != nil {
		s.log.Info("request refused", "user", req.Requester.Key(), "platform", string(req.Requester.Platform), "reason", err)
	}
	return t, err
}

func (s *Service) submit(req Request) (*Ticket, error) {
	if err := s.Restore(context.Background()); err != nil {
		// Job IDs would collide with the stored ones.
		return nil, fmt.Errorf("the store could not be read: %w", err)
	}
	req = s.Prefs(req.Requester).Apply(req)
	if req.Init != nil && req.Kind == KindTxt2Img {
		req.Kind = KindImg2Img
	}
	commit, err := s.mod.check(req, time.Now())
	if err != nil {
		return nil, err
	}
	req, p, err := s.resolve(req) // names checked against the backends' lists (lists.go)
	if err != nil {
		return nil, err
	}
	user := req.Requester.Key()
	used, quota := s.usage(req.Requester, time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refuseLocked(user, used, quota, p.BatchSize, time.Now()); err != nil {
		return nil, err
	}
	// The negative prompt (often the seed's 2 KB default plus the user's
	// terms) is composed again when the job starts, so that queued jobs
	// don't each hold a copy.
	p.NegativePrompt = ""
	// The watch exists before the job is in the queue: the position
	// refresher may look at it as soon as it is.
	j := &job{req: req, params: p, submitted: time.Now(), watch: newWatch(Status{State: Queued, Params: p})}
	qid, err := s.queue.Push(user, j)
	switch {
	case errors.Is(err, queue.ErrUserLimit):
		return nil, userErr(ErrUserLimit, catalog.MsgUserLimit, s.cfg.PerUser)
	case errors.Is(err, queue.ErrFull):
		return nil, userErr(ErrQueueFull, catalog.MsgQueueFull)
	case errors.Is(err, queue.ErrClosed):
		return nil, userErr(ErrShuttingDown, catalog.MsgShuttingDown)
	case err != nil:
		return nil, err
	}
	s.lastID++
	j.id, j.qid = s.lastID, qid
	turn, _ := s.queue.Turn(user)
	stored := req
	stored.Init = nil // never stored: see Request.Init
	saved := SavedJob{ID: j.id, Request: stored, Source: req.Source, State: Queued, Submitted: j.submitted}
	if err := s.store.AddJob(context.Background(), saved, turn); errors.Is(err, ErrDuplicate) {
		s.queue.Cancel(qid)
		return nil, err
	} else if err != nil {
		s.storeFailed("add job", err) // the job runs all the same
	} else {
		s.storeOK()
	}
	// A worker that took the job already waits for s.mu before it
	// publishes anything, so this queued status comes first.
	pos, _ := s.queue.Position(qid)
	j.watch.publish(Status{Job: j.id, State: Queued, Position: max(pos, 1), QueueLen: s.queue.Len(), Params: p})
	s.jobs[j.id] = j
	s.pending[user] += p.BatchSize
	commit()
	if s.assignLocked(time.Now()) > 0 {
		s.kick() // the dispatcher keeps the time
	}
	p.NegativePrompt = s.settings.negative(req)
	return &Ticket{ID: j.id, Params: p, Watch: j.watch}, nil
}

// Cancel stops a job: a waiting job leaves the queue, a running one is
// interrupted on its backend. Only its requester or an admin may cancel it
// (ErrNotYourJob); a finished job gives ErrJobNotFound.
func (s *Service) Cancel(id JobID, by Requester, admin bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return userErr(ErrJobNotFound, catalog.MsgJobGone)
	}
	if !admin && j.req.Requester.Key() != by.Key() {
		return userErr(ErrNotYourJob, catalog.MsgNotYourJob)
	}
	if _, ok := s.queue.Cancel(j.qid); ok {
		s.kick() // it may have been next in line
		s.forgetLocked(j)
		s.noteWaitingLocked()
		s.saveEnd(j, JobEnd{Outcome: Cancelled})
		j.watch.publish(Status{Job: id, State: Cancelled, Err: ErrCancelled, Params: j.params})
		logJobEnd(s.log, j, Cancelled, time.Since(j.submitted), 0, nil)
		return nil
	}
	// Running, or just taken by a worker that has not registered it yet:
	// the worker checks cancelled when it does.
	if !j.cancelled {
		j.cancelled = true
		if j.cancel != nil {
			j.cancel()
		}
		return nil
	}
	return userErr(ErrJobNotFound, catalog.MsgJobGone)
}

// JobInfo describes one of a user's jobs, for /queue.
type JobInfo struct {
	ID       JobID
	State    State // Queued or Running
	Position int   // when Queued
	Prompt   string
}

// Jobs lists who's jobs (waiting and running) and the number of jobs
// waiting in all.
func (s *Service) Jobs(who Requester) (mine []JobInfo, waiting int) {
	snap := s.queue.Snapshot()
	key := who.Key()
	for _, it := range snap.Running {
		if it.User == key {
			mine = append(mine, JobInfo{ID: it.Value.id, State: Running, Prompt: it.Value.params.UserPrompt})
		}
	}
	for i, it := range snap.Waiting {
		if it.User == key {
			mine = append(mine, JobInfo{ID: it.Value.id, State: Queued, Position: i + 1, Prompt: it.Value.params.UserPrompt})
		}
	}
	return mine, len(snap.Waiting)
}

// Run starts one worker per backend and keeps queued jobs' positions fresh
// until ctx ends; it restores the stored jobs first if Restore was not
// called. Then it stops taking jobs. With a durable store, waiting jobs end
// their statuses with Restarting and keep their places for the next start;
// otherwise they fail with ErrShuttingDown (their message asks the user to
// send them again). Running jobs may finish for up to
// Config.ShutdownTimeout; what still runs then is cancelled (and, with a
// durable store, runs again after the restart). Run returns nil once every
// worker has stopped.
func (s *Service) Run(ctx context.Context) error {
	if err := s.Restore(ctx); err != nil {
		s.log.Error("cannot restore the stored jobs", "err", err)
	}
	// Jobs run on their own context so that they outlive ctx by the
	// shutdown timeout.
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Go(func() { w.run(ctx, jobsCtx) })
		wg.Go(func() { w.watch(ctx) })
	}
	wg.Go(func() { s.dispatch(ctx) })
	wg.Go(func() { s.refreshPositions(ctx) })
	wg.Go(func() { s.refreshLists(ctx) })
	wg.Go(func() { s.prune(ctx) })
	<-ctx.Done()

	durable := s.store.Durable()
	s.mu.Lock()
	s.stopping = true
	left := s.queue.Close()
	for i, it := range left {
		j := it.Value
		delete(s.jobs, j.id)
		if durable {
			j.watch.publish(Status{Job: j.id, State: Restarting, Position: i + 1, QueueLen: len(left), Restarted: j.restarted, Rerun: j.rerun, Params: j.params})
			continue
		}
		j.watch.publish(Status{Job: j.id, State: Failed, Err: userErr(ErrShuttingDown, catalog.MsgNotRun), Params: j.params})
		logJobEnd(s.log, j, Failed, time.Since(j.submitted), 0, ErrShuttingDown)
	}
	// Restored jobs no worker took yet run again after the next start.
	for _, it := range s.rerun {
		j := it.Value
		delete(s.jobs, j.id)
		j.watch.publish(Status{Job: j.id, State: Restarting, Restarted: true, Rerun: true, Params: j.params})
	}
	s.rerun = nil
	s.noteWaitingLocked()
	s.mu.Unlock()
	if durable {
		s.log.Info("shutting down; waiting jobs keep their places", "waiting", len(left), "grace", s.cfg.ShutdownTimeout)
	} else {
		s.log.Info("shutting down", "not_run", len(left), "grace", s.cfg.ShutdownTimeout)
	}
	stop := time.AfterFunc(s.cfg.ShutdownTimeout, cancelJobs)
	defer stop.Stop()
	wg.Wait()
	return nil
}

// refreshPositions tells waiting jobs their place every PositionRefresh,
// and whether every backend is down, publishing only to jobs whose status
// changed.
func (s *Service) refreshPositions(ctx context.Context) {
	t := time.NewTicker(s.cfg.PositionRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		snap := s.queue.Snapshot()
		n := len(snap.Waiting)
		none := s.noBackend()
		for i, it := range snap.Waiting {
			it.Value.watch.update(func(st *Status) bool {
				if st.State != Queued || (st.Position == i+1 && st.NoBackend == none) {
					return false
				}
				st.Position, st.QueueLen, st.NoBackend = i+1, n, none
				return true
			})
		}
	}
}
