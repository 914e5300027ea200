package telegram

import (
	"container/list"
	"sync"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The store's default bounds: results whose buttons still work, and the
// bytes of the images kept for the PNG buttons.
const (
	storeMaxEntries = 1024
	storeMaxBytes   = 256 << 20
	storeMaxLists   = 16 // model lists behind /model keyboards
)

// result is what a finished job's buttons need: the request, for Reroll
// and Try again, and the original PNGs, for the PNG buttons.
type result struct {
	req    imagine.Request
	at     place    // where the job was asked
	images [][]byte // nil for a failed job, or once dropped to save memory
}

func (r *result) size() int {
	n := 0
	for _, img := range r.images {
		n += len(img)
	}
	return n
}

// store keeps the state behind inline buttons, which Telegram lets carry
// only 64 bytes. It is bounded by count and by bytes: when over, the least
// recently used results lose their images first (their Reroll still
// works), then whole results go. It is safe for concurrent use.
type store struct {
	maxEntries int
	maxBytes   int

	mu      sync.Mutex // guards the fields below
	results map[imagine.JobID]*list.Element
	lru     *list.List // of *storeEntry, most recently used first
	bytes   int
	lists   map[int][]modelChoice // model lists by id
	nextID  int
}

type storeEntry struct {
	id imagine.JobID
	r  *result
}

// modelChoice is a checkpoint on a /model keyboard.
type modelChoice struct {
	imagine.Model
	current bool
}

func newStore(maxEntries, maxBytes int) *store {
	return &store{
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
		results:    map[imagine.JobID]*list.Element{},
		lru:        list.New(),
		lists:      map[int][]modelChoice{},
	}
}

// put stores a job's result, replacing an earlier one.
func (s *store) put(id imagine.JobID, r *result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.results[id]; ok {
		s.bytes -= el.Value.(*storeEntry).r.size()
		s.lru.Remove(el)
	}
	s.results[id] = s.lru.PushFront(&storeEntry{id: id, r: r})
	s.bytes += r.size()
	for s.lru.Len() > s.maxEntries {
		s.removeLocked(s.lru.Back())
	}
	for el := s.lru.Back(); s.bytes > s.maxBytes && el != nil; el = el.Prev() {
		e := el.Value.(*storeEntry)
		if len(e.r.images) > 0 {
			s.bytes -= e.r.size()
			e.r = &result{req: e.r.req, at: e.r.at}
		}
	}
}

func (s *store) removeLocked(el *list.Element) {
	e := el.Value.(*storeEntry)
	s.bytes -= e.r.size()
	delete(s.results, e.id)
	s.lru.Remove(el)
}

// get returns a job's result and marks it as recently used.
func (s *store) get(id imagine.JobID) (*result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.results[id]
	if !ok {
		return nil, false
	}
	s.lru.MoveToFront(el)
	return el.Value.(*storeEntry).r, true
}

// putModels stores a model list for a keyboard and returns its id.
func (s *store) putModels(models []modelChoice) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.lists[s.nextID] = models
	delete(s.lists, s.nextID-storeMaxLists)
	return s.nextID
}

// models returns a stored model list.
func (s *store) models(id int) ([]modelChoice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.lists[id]
	return l, ok
}
