package discord

import (
	"slices"
	"sync"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// storeCapacity is how many recent jobs keep working Reroll, Upscale and Try
// again buttons. An entry is a request and a few seeds, well under 1 KiB.
const storeCapacity = 2000

// storedJob is what a button needs to run a job again.
type storedJob struct {
	req   imagine.Request
	seeds []int64 // the seed of each image, once the job is done
}

// requestStore remembers the requests of the most recent jobs, evicting the
// oldest beyond its capacity. It is safe for concurrent use.
type requestStore struct {
	capacity int

	mu    sync.Mutex // guards jobs and order
	jobs  map[imagine.JobID]*storedJob
	order []imagine.JobID // insertion order, oldest first
}

func newRequestStore(capacity int) *requestStore {
	return &requestStore{capacity: capacity, jobs: map[imagine.JobID]*storedJob{}}
}

// put remembers the request of job id.
func (s *requestStore) put(id imagine.JobID, req imagine.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jobs[id]; !ok {
		s.order = append(s.order, id)
	}
	s.jobs[id] = &storedJob{req: req}
	for len(s.order) > s.capacity {
		delete(s.jobs, s.order[0])
		s.order = s.order[1:]
	}
}

// setSeeds records the seeds of a finished job.
func (s *requestStore) setSeeds(id imagine.JobID, seeds []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[id]; j != nil {
		j.seeds = slices.Clone(seeds)
	}
}

// get returns a copy of the job's entry.
func (s *requestStore) get(id imagine.JobID) (storedJob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[id]
	if j == nil {
		return storedJob{}, false
	}
	return storedJob{req: j.req, seeds: slices.Clone(j.seeds)}, true
}

// len returns the number of remembered jobs.
func (s *requestStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}
