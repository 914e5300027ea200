package telegram

import (
	"cmp"
	"sync"
	"time"
)

// defaultReprobe is how long the adapter believes a server that refused to
// turn a text message into a photo before it tries again: the server may
// be upgraded, or the answer may have been a fluke.
const defaultReprobe = 10 * time.Minute

// textMedia tracks whether the Bot API server can turn a text message into
// a media message (editMessageMedia on a text message, Bot API 7.11+).
// Only the answer that means "not on this server" switches live previews
// of text status messages off, and only for a while. It is safe for
// concurrent use.
type textMedia struct {
	mu           sync.Mutex    // guards the fields below
	reprobe      time.Duration // how long a refusal is believed; 0 for defaultReprobe
	refusedUntil time.Time     // until then, status messages stay text
}

// textOnly reports whether text status messages should stay text now.
func (m *textMedia) textOnly(now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return now.Before(m.refusedUntil)
}

// refused records the server's refusal at now, and reports whether it is
// news (previews were on until now) and how long it is believed.
func (m *textMedia) refused(now time.Time) (news bool, reprobe time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	news = !now.Before(m.refusedUntil)
	reprobe = cmp.Or(m.reprobe, defaultReprobe)
	m.refusedUntil = now.Add(reprobe)
	return news, reprobe
}

// works records a text message turned into media and reports whether the
// server had been taken for one that cannot.
func (m *textMedia) works() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	was := !m.refusedUntil.IsZero()
	m.refusedUntil = time.Time{}
	return was
}

// setReprobe changes how long a refusal is believed (tests shorten it).
func (m *textMedia) setReprobe(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reprobe = d
}
