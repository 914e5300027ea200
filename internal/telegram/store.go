package telegram

import (
	"sync"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// storeMaxLists is how many model lists behind /model keyboards are kept.
const storeMaxLists = 16

// store keeps the model lists behind /model keyboards, whose buttons carry
// only 64 bytes of callback data. (What result buttons need, the core
// keeps: see frontend.Results.) It is safe for concurrent use.
type store struct {
	mu     sync.Mutex            // guards the fields below
	lists  map[int][]modelChoice // model lists by id
	nextID int
}

// modelChoice is a checkpoint on a /model keyboard.
type modelChoice struct {
	imagine.Model
	current bool
}

func newStore() *store {
	return &store{lists: map[int][]modelChoice{}}
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
