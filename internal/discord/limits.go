package discord

import (
	"strconv"
	"sync"
)

// slotPool hands out keys for discordgo's rate-limit buckets. discordgo
// keeps one bucket per key forever and holds a bucket's lock for a whole
// request, so keys made from interaction tokens would grow its map without
// bound, and one shared key would serialise unrelated requests (as its
// built-in key for text-only webhook edits does). A slot is used by one
// message (or one callback) at a time; released slots are reused oldest
// first, when the bucket state they carry has most likely expired. The
// number of keys is the peak number of concurrent users.
type slotPool struct {
	prefix string

	mu   sync.Mutex // guards free and n
	free []int      // released slots, oldest first
	n    int        // slots created
}

// get returns a slot key no one else holds.
func (p *slotPool) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var i int
	if len(p.free) > 0 {
		i = p.free[0]
		p.free = p.free[1:]
	} else {
		i = p.n
		p.n++
	}
	return p.prefix + strconv.Itoa(i)
}

// put releases a key returned by get.
func (p *slotPool) put(key string) {
	i, err := strconv.Atoi(key[len(p.prefix):])
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, i)
}

// size returns how many slots exist.
func (p *slotPool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Discord's upload limits: 10 MiB per file unless the interaction says more
// (attachment_size_limit), 25 MiB per request, 10 files per message.
const (
	defaultFileLimit = 10 << 20
	requestLimit     = 25 << 20
	maxFiles         = 10
	// requestOverhead leaves room for the JSON part and multipart framing.
	requestOverhead = 64 << 10
)

// fileBudget is the most bytes each of n files may have in one message.
func fileBudget(limit int64, n int) int64 {
	if limit <= 0 {
		limit = defaultFileLimit
	}
	if n < 1 {
		n = 1
	}
	return min(limit, (requestLimit-requestOverhead)/int64(n))
}
