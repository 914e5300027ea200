package imagine

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/queue"
)

// The memory store's bounds: records whose buttons still work, and the
// bytes of the images kept for the PNG buttons.
const (
	memRecords = 2000
	memBytes   = 256 << 20
)

// MemoryStore is the Store of store.path ":memory:": nothing survives the
// process, records and images are kept within fixed bounds (the oldest go
// first), and settings and usage live until the process ends. It is safe
// for concurrent use.
type MemoryStore struct {
	mu      sync.Mutex // guards the fields below
	records map[JobID]*Record
	order   []JobID // record ids, oldest first
	images  map[JobID][][]byte
	bytes   int
	prefs   map[string]Prefs
	usage   map[string]int // by user + " " + UTC date
	sources map[string]JobID
	blocks  map[string]BlockEntry
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		records: map[JobID]*Record{},
		images:  map[JobID][][]byte{},
		prefs:   map[string]Prefs{},
		usage:   map[string]int{},
		sources: map[string]JobID{},
		blocks:  map[string]BlockEntry{},
	}
}

// Durable reports false: jobs end with the process.
func (m *MemoryStore) Durable() bool { return false }

// LoadJobs returns no jobs.
func (m *MemoryStore) LoadJobs(context.Context) (SavedJobs, error) {
	return SavedJobs{Turns: map[string]queue.Turn{}}, nil
}

// AddJob keeps the job's record.
func (m *MemoryStore) AddJob(_ context.Context, j SavedJob, _ queue.Turn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if j.Source != "" {
		if _, ok := m.sources[j.Source]; ok {
			return ErrDuplicate
		}
		m.sources[j.Source] = j.ID
	}
	m.records[j.ID] = &Record{ID: j.ID, Request: j.Request, Outcome: Queued, Ref: j.Ref.Data, Submitted: j.Submitted}
	m.order = append(m.order, j.ID)
	for len(m.order) > memRecords {
		m.dropLocked(m.order[0])
		m.order = m.order[1:]
	}
	return nil
}

func (m *MemoryStore) dropLocked(id JobID) {
	if r := m.records[id]; r != nil && r.Request.Source != "" {
		delete(m.sources, r.Request.Source)
	}
	delete(m.records, id)
	m.dropImagesLocked(id)
}

func (m *MemoryStore) dropImagesLocked(id JobID) {
	for _, img := range m.images[id] {
		m.bytes -= len(img)
	}
	delete(m.images, id)
}

// StartJob records that the job runs.
func (m *MemoryStore) StartJob(_ context.Context, id JobID, _ *queue.Turn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.records[id]; r != nil {
		r.Outcome = Running
	}
	return nil
}

// SetRef replaces the job's references; the secret is not kept.
func (m *MemoryStore) SetRef(_ context.Context, id JobID, ref Ref) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.records[id]; r != nil {
		r.Ref = slices.Clone(ref.Data)
	}
	return nil
}

// EndJob records the end, keeps the images within the byte bound and
// counts them in the user's usage.
func (m *MemoryStore) EndJob(_ context.Context, e JobEnd) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.records[e.ID]
	if r == nil {
		return nil
	}
	r.Outcome, r.Ended, r.Width, r.Height = e.Outcome, e.At, e.Width, e.Height
	if e.Result == nil {
		return nil
	}
	r.Seeds, r.Model, r.Images = slices.Clone(e.Result.Seeds), e.Result.Model, len(e.Result.Images)
	m.usage[e.User+" "+day(e.At)] += len(e.Result.Images)
	m.images[e.ID] = e.Result.Images
	for _, img := range e.Result.Images {
		m.bytes += len(img)
	}
	for i := 0; m.bytes > memBytes && i < len(m.order); i++ {
		m.dropImagesLocked(m.order[i])
	}
	return nil
}

// Record returns the job's record.
func (m *MemoryStore) Record(_ context.Context, id JobID) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.records[id]
	if r == nil {
		return Record{}, ErrNotFound
	}
	c := *r
	c.Seeds = slices.Clone(r.Seeds)
	return c, nil
}

// Image returns a kept image.
func (m *MemoryStore) Image(_ context.Context, id JobID, i int) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	imgs := m.images[id]
	if i < 0 || i >= len(imgs) {
		return nil, ErrNotFound
	}
	return imgs[i], nil
}

// History returns the user's newest jobs that made images.
func (m *MemoryStore) History(_ context.Context, user string, n int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for i := len(m.order) - 1; i >= 0 && len(out) < n; i-- {
		r := m.records[m.order[i]]
		if r.Outcome == Done && r.Request.Requester.Key() == user {
			c := *r
			c.Seeds = slices.Clone(r.Seeds)
			out = append(out, c)
		}
	}
	return out, nil
}

// Recent returns the newest jobs that made images, of any user.
func (m *MemoryStore) Recent(_ context.Context, n int) ([]Record, error) {
	if n <= 0 {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var done []*Record
	for _, id := range m.order {
		if r := m.records[id]; r.Outcome == Done {
			done = append(done, r)
		}
	}
	slices.SortFunc(done, func(a, b *Record) int { return cmp.Or(b.Ended.Compare(a.Ended), cmp.Compare(b.ID, a.ID)) })
	out := make([]Record, 0, min(n, len(done)))
	for _, r := range done[:min(n, len(done))] {
		c := *r
		c.Seeds = slices.Clone(r.Seeds)
		out = append(out, c)
	}
	return out, nil
}

// Prune deletes records of jobs that ended before t.
func (m *MemoryStore) Prune(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	m.order = slices.DeleteFunc(m.order, func(id JobID) bool {
		r := m.records[id]
		if r.Outcome.Terminal() && r.Ended.Before(before) {
			m.dropLocked(id)
			n++
			return true
		}
		return false
	})
	today := day(time.Now())
	maps.DeleteFunc(m.usage, func(k string, _ int) bool { return k[len(k)-len(today):] < today })
	return n, nil
}

// Prefs returns the user's settings.
func (m *MemoryStore) Prefs(_ context.Context, user string) (Prefs, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.prefs[user], nil
}

// SetPrefs replaces the user's settings.
func (m *MemoryStore) SetPrefs(_ context.Context, user string, p Prefs) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.IsZero() {
		delete(m.prefs, user)
	} else {
		m.prefs[user] = p
	}
	return nil
}

// Usage returns the images the user's jobs made on the day.
func (m *MemoryStore) Usage(_ context.Context, user string, d time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usage[user+" "+day(d)], nil
}

// day is t's UTC date, as quotas count.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Blocks returns the blocks, oldest first.
func (m *MemoryStore) Blocks(context.Context) ([]BlockEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Collect(maps.Values(m.blocks))
	slices.SortFunc(out, func(a, b BlockEntry) int { return cmp.Or(a.At.Compare(b.At), strings.Compare(a.Who, b.Who)) })
	return out, nil
}

// Block keeps b, replacing a block of the same user.
func (m *MemoryStore) Block(_ context.Context, b BlockEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b.Config = false
	m.blocks[b.Who] = b
	return nil
}

// Unblock forgets who's block.
func (m *MemoryStore) Unblock(_ context.Context, who string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blocks, who)
	return nil
}
