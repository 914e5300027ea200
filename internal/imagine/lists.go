package imagine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// ChoiceKind names a list users choose from: the backends' models,
// samplers, schedulers and LoRAs, and the configured styles.
type ChoiceKind string

// The lists Choices offers.
const (
	ChoiceModel     ChoiceKind = "model"
	ChoiceSampler   ChoiceKind = "sampler"
	ChoiceScheduler ChoiceKind = "scheduler"
	ChoiceLora      ChoiceKind = "lora"
	ChoiceStyle     ChoiceKind = "style"
)

// How the backends' lists are kept: refreshed every listTTL by Run, and
// sooner (at most every listRetry) when a name is not found; each refresh
// gives every backend listTimeout to answer. A Submit before the first
// refresh waits up to firstListWait for it.
const (
	listTTL       = time.Minute
	listRetry     = 10 * time.Second
	listTimeout   = 10 * time.Second
	firstListWait = 2 * time.Second
	// maxChoices is the most names Choices returns (Discord's limit).
	maxChoices = 25
	// maxAllowedNamed is the most allowed models a refusal names.
	maxAllowedNamed = 10
)

// backendLists is what one backend listed; nil lists are unknown (the
// backend failed to list them or cannot list them).
type backendLists struct {
	models                     []Model
	samplers, schedulers, lora []string
	current                    string
}

// listCache keeps what the backends list, for checking names at Submit and
// for Choices. Its zero value is ready; it is safe for concurrent use.
type listCache struct {
	kickOnce sync.Once
	kickCh   chan struct{} // cap 1: refresh now
	fetch    sync.Mutex    // one refresh at a time

	mu  sync.Mutex // guards the fields below
	per map[int]backendLists
	at  time.Time // last refresh, successful or not
}

func (c *listCache) kick() chan struct{} {
	c.kickOnce.Do(func() { c.kickCh = make(chan struct{}, 1) })
	return c.kickCh
}

// refreshSoon asks the refresher for a refresh without waiting for it.
func (c *listCache) refreshSoon() {
	select {
	case c.kick() <- struct{}{}:
	default:
	}
}

// refreshLists keeps the lists fresh until ctx ends: now, every listTTL and
// when kicked (at most every listRetry). Run starts it.
func (s *Service) refreshLists(ctx context.Context) {
	t := time.NewTicker(listTTL)
	defer t.Stop()
	for {
		s.refreshListsOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.lists.kick():
			s.lists.mu.Lock()
			wait := listRetry - time.Since(s.lists.at)
			s.lists.mu.Unlock()
			if wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
	}
}

// refreshListsOnce reads every backend's lists, and hands the model lists
// to the dispatcher too, so that a checkpoint added to a server is offered
// there as soon as Submit accepts it.
func (s *Service) refreshListsOnce(ctx context.Context) {
	s.lists.refresh(ctx, s.workers)
	s.lists.mu.Lock()
	models := make(map[int][]string, len(s.lists.per))
	for i, l := range s.lists.per {
		if l.models != nil {
			titles := make([]string, len(l.models))
			for j, m := range l.models {
				titles[j] = m.Title
			}
			models[i] = titles
		}
	}
	s.lists.mu.Unlock()
	s.mu.Lock()
	for i, w := range s.workers {
		if titles, ok := models[i]; ok {
			w.models = titles
		}
	}
	s.mu.Unlock()
	s.kick() // a job may wait for a model that is offered now
}

// refresh asks every backend for its lists at once, keeping a backend's
// last lists when it does not answer.
func (c *listCache) refresh(ctx context.Context, workers []*worker) {
	c.fetch.Lock()
	defer c.fetch.Unlock()
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	got := make([]backendLists, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() { got[i] = fetchLists(ctx, w.backend) })
	}
	wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.per == nil {
		c.per = map[int]backendLists{}
	}
	for i, g := range got {
		old := c.per[i]
		if g.models == nil {
			g.models, g.current = old.models, old.current
		}
		if g.samplers == nil {
			g.samplers = old.samplers
		}
		if g.schedulers == nil {
			g.schedulers = old.schedulers
		}
		if g.lora == nil {
			g.lora = old.lora
		}
		c.per[i] = g
	}
	c.at = time.Now()
}

// fetchLists asks one backend for its lists; a list it fails to give stays
// nil. An empty list is kept as empty, not nil.
func fetchLists(ctx context.Context, b Backend) backendLists {
	var out backendLists
	nonNil := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	if ms, err := b.Models(ctx); err == nil {
		out.models = ms
		if out.models == nil {
			out.models = []Model{}
		}
		if cur, err := b.CurrentModel(ctx); err == nil {
			out.current = cur
		}
	}
	if l, ok := b.(Lister); ok {
		if v, err := l.Samplers(ctx); err == nil {
			out.samplers = nonNil(v)
		}
		if v, err := l.Schedulers(ctx); err == nil {
			out.schedulers = nonNil(v)
		}
		if v, err := l.Loras(ctx); err == nil {
			out.lora = nonNil(v)
		}
	}
	return out
}

// listView is the union of the backends' lists; a nil list is unknown.
type listView struct {
	models                      []Model
	samplers, schedulers, loras []string
	current                     string // the first backend's loaded model
	at                          time.Time
}

func (c *listCache) view() listView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := listView{at: c.at}
	for i := range len(c.per) {
		b := c.per[i]
		if i == 0 {
			v.current = b.current
		}
		if b.models != nil {
			if v.models == nil {
				v.models = []Model{}
			}
			for _, m := range b.models {
				if !slices.ContainsFunc(v.models, func(o Model) bool { return modelKey(o.Title) == modelKey(m.Title) }) {
					v.models = append(v.models, m)
				}
			}
		}
		v.samplers = union(v.samplers, b.samplers)
		v.schedulers = union(v.schedulers, b.schedulers)
		v.loras = union(v.loras, b.lora)
	}
	return v
}

// union adds to a the names of b it lacks (compared folded); nil stays nil
// only when both are.
func union(a, b []string) []string {
	if b == nil {
		return a
	}
	if a == nil {
		a = []string{}
	}
	for _, n := range b {
		if !slices.ContainsFunc(a, func(o string) bool { return fold(o) == fold(n) }) {
			a = append(a, n)
		}
	}
	return a
}

// current returns the lists, waiting up to wait (bounded by ctx) for the
// first refresh when there has been none; it does the refresh itself when
// Run has not started.
func (s *Service) currentLists(ctx context.Context, wait time.Duration) listView {
	s.lists.mu.Lock()
	never := s.lists.at.IsZero()
	s.lists.mu.Unlock()
	if never && len(s.workers) > 0 {
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		s.refreshListsOnce(ctx)
	}
	return s.lists.view()
}

// profileModel is the model a request without --model runs on, for
// choosing its profile: the model /model last chose, else the first
// backend's loaded model as the lists last saw it. It never waits.
func (s *Service) profileModel() string {
	if m := s.getDefaultModel(); m != "" {
		return m
	}
	s.lists.mu.Lock()
	defer s.lists.mu.Unlock()
	return s.lists.per[0].current
}

// resolve checks the names req chose against the backends' lists and
// resolves it with the profile of its model (see Settings.ResolveFor). It
// returns req with the names spelled as the backends list them, which is
// what the store keeps.
func (s *Service) resolve(req Request) (Request, Params, error) {
	var v listView
	if req.Model != "" || req.Sampler != "" || req.Scheduler != "" || req.Lora != "" || len(s.settings.Profiles) > 0 {
		v = s.currentLists(context.Background(), firstListWait)
	}
	r, err := s.checkNames(req, v)
	if err != nil {
		var ue *UserError
		if errors.As(err, &ue) && ue.ID != catalog.MsgModelNotAllowed && ue.ID != catalog.MsgModelNotAllowedNone && time.Since(v.at) > listRetry {
			s.lists.refreshSoon() // the name may be new on the server
		}
		return req, Params{}, err
	}
	model := r.Model
	if model == "" {
		model = v.current
		if s.settings.DefaultModel != nil {
			model = s.settings.DefaultModel()
		}
	}
	p, err := s.settings.ResolveFor(r, model)
	return r, p, err
}

// checkNames returns req with its model, sampler, scheduler and LoRA
// spelled as the backends list them, or a refusal naming close matches. A
// list no backend gave is not checked (the server will refuse a bad
// name). limits.models restricts users, not admins.
func (s *Service) checkNames(req Request, v listView) (Request, error) {
	if req.Model != "" {
		m, err := s.checkModel(req.Model, req.Requester.Admin, v.models)
		if err != nil {
			return req, err
		}
		req.Model = m
	}
	var err error
	if req.Sampler != "" {
		if req.Sampler, err = checkName(req.Sampler, v.samplers, catalog.MsgUnknownSampler, catalog.MsgNoSuchSampler); err != nil {
			return req, err
		}
	}
	if req.Scheduler != "" {
		if req.Scheduler, err = checkName(req.Scheduler, v.schedulers, catalog.MsgUnknownScheduler, catalog.MsgNoSuchScheduler); err != nil {
			return req, err
		}
	}
	if req.Lora != "" {
		name := loraName(req.Lora)
		canon, err := checkName(name, v.loras, catalog.MsgUnknownLora, catalog.MsgNoSuchLora)
		if err != nil {
			return req, err
		}
		req.Lora = canon + strings.TrimPrefix(strings.TrimSpace(req.Lora), name)
	}
	return req, nil
}

// checkModel finds name among models and returns its title.
func (s *Service) checkModel(name string, admin bool, models []Model) (string, error) {
	globs := s.settings.Limits.Models
	allowed := func(m Model) bool {
		return admin || len(globs) == 0 || slices.ContainsFunc(globs, func(g string) bool { return globMatches(g, m) })
	}
	if models == nil { // no backend listed its models: only the limit is checked
		if !allowed(Model{Title: name}) {
			return "", userErr(ErrBadOption, catalog.MsgModelNotAllowedNone, name)
		}
		return name, nil
	}
	i := slices.IndexFunc(models, func(m Model) bool { return NameMatches(name, m) })
	if i < 0 {
		var names []string
		for _, m := range models {
			if allowed(m) {
				names = append(names, modelName(m))
			}
		}
		if close := CloseMatches(name, names, maxCloseMatches); len(close) > 0 {
			return "", userErr(ErrModelNotFound, catalog.MsgUnknownModel, name, quoteList(close))
		}
		return "", userErr(ErrModelNotFound, catalog.MsgModelNotFound, name)
	}
	if !allowed(models[i]) {
		var names []string
		for _, m := range models {
			if allowed(m) && len(names) < maxAllowedNamed {
				names = append(names, modelName(m))
			}
		}
		if len(names) == 0 {
			return "", userErr(ErrBadOption, catalog.MsgModelNotAllowedNone, name)
		}
		return "", userErr(ErrBadOption, catalog.MsgModelNotAllowed, name, quoteList(names))
	}
	return models[i].Title, nil
}

// modelName is how a model is shown to users: its name, else its title.
func modelName(m Model) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Title
}

// checkName finds name in list (compared folded) and returns it as listed;
// else a refusal: withClose naming close matches, or without naming the
// whole list (withList's %s) when none is close. A nil list is not checked.
func checkName(name string, list []string, withClose, withList catalog.MsgID) (string, error) {
	if list == nil {
		return name, nil
	}
	if i := slices.IndexFunc(list, func(o string) bool { return fold(o) == fold(name) }); i >= 0 {
		return list[i], nil
	}
	if close := CloseMatches(name, list, maxCloseMatches); len(close) > 0 {
		return "", userErr(ErrBadOption, withClose, name, quoteList(close))
	}
	if withList == catalog.MsgNoSuchLora {
		return "", userErr(ErrBadOption, withList, name)
	}
	return "", userErr(ErrBadOption, withList, name, strings.Join(list, ", "))
}

// Choices returns up to 25 names of kind that match typed, for
// autocomplete: names starting with it first, then names containing it
// (compared folded, see fold). Models are shown by name, and users see
// only those limits.models allows (admins see all). A LoRA typed with a
// weight ("detail:0.5") gets choices with that weight. It never waits for
// a backend longer than ctx allows; with lists older than a minute it
// answers from them and asks for a refresh.
func (s *Service) Choices(ctx context.Context, who Requester, kind ChoiceKind, typed string) []string {
	var names []string
	if kind == ChoiceStyle {
		names = s.settings.StyleNames()
	} else {
		v := s.currentLists(ctx, firstListWait)
		if time.Since(v.at) > listTTL {
			s.lists.refreshSoon()
		}
		switch kind {
		case ChoiceModel:
			globs := s.settings.Limits.Models
			for _, m := range v.models {
				if who.Admin || len(globs) == 0 || slices.ContainsFunc(globs, func(g string) bool { return globMatches(g, m) }) {
					names = append(names, modelName(m))
				}
			}
		case ChoiceSampler:
			names = v.samplers
		case ChoiceScheduler:
			names = v.schedulers
		case ChoiceLora:
			names = v.loras
		}
	}
	var weight string
	if kind == ChoiceLora {
		if name, w, ok := strings.Cut(typed, ":"); ok {
			typed, weight = name, ":"+strings.TrimSpace(w)
		}
	}
	q := fold(typed)
	var first, then []string
	for _, n := range names {
		fn := fold(n)
		switch {
		case strings.HasPrefix(fn, q):
			first = append(first, n+weight)
		case strings.Contains(fn, q):
			then = append(then, n+weight)
		}
	}
	out := append(first, then...)
	return out[:min(len(out), maxChoices)]
}
