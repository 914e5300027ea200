package imagine

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// Moderation limits who may generate what.
type Moderation struct {
	// BannedWords are refused in prompts and negative prompts, in any case.
	// A word of letters is matched as a whole word ("ass" does not match
	// "class"); a word in a script without spaces (Chinese, Japanese) is
	// matched anywhere.
	BannedWords []string
	// BlockedUsers are Requester.Key values, e.g. "tg:123", "dc:456".
	BlockedUsers []string
	// Cooldown is the least time between two accepted requests of a user.
	Cooldown time.Duration
}

// moderator applies a Moderation, and the blocks admins set at runtime.
// It is safe for concurrent use.
type moderator struct {
	blocked  map[string]bool // by the configuration
	config   []string        // the same, in the configuration's order
	banned   *regexp.Regexp  // nil when there are no banned words
	cooldown time.Duration

	mu      sync.Mutex            // guards last and runtime
	last    map[string]time.Time  // user key -> last accepted request
	runtime map[string]BlockEntry // user key -> an admin's block (Service.Block)
}

func newModerator(m Moderation) *moderator {
	md := &moderator{blocked: map[string]bool{}, cooldown: m.Cooldown, last: map[string]time.Time{}, runtime: map[string]BlockEntry{}}
	for _, u := range m.BlockedUsers {
		if !md.blocked[u] {
			md.config = append(md.config, u)
		}
		md.blocked[u] = true
	}
	md.banned = bannedPattern(m.BannedWords)
	return md
}

// bannedPattern compiles the banned words into one case-insensitive
// pattern: whole words for alphabetic scripts, substrings for scripts
// written without spaces.
func bannedPattern(words []string) *regexp.Regexp {
	var alts []string
	for _, w := range words {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		q := regexp.QuoteMeta(w)
		if unspaced(w) {
			alts = append(alts, q)
		} else {
			alts = append(alts, `(?:^|[^\p{L}\p{N}_])`+q+`(?:$|[^\p{L}\p{N}_])`)
		}
	}
	if len(alts) == 0 {
		return nil
	}
	return regexp.MustCompile(`(?i)` + strings.Join(alts, "|"))
}

// unspaced reports whether w is written in a script without spaces
// between words.
func unspaced(w string) bool {
	for _, r := range w {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai) {
			return true
		}
	}
	return false
}

// check refuses a request from a blocked user, with banned words, or
// within the user's cooldown. It records the time of an accepted request
// only when commit is called, so a request refused later (full queue) does
// not start a cooldown.
func (m *moderator) check(r Request, now time.Time) (commit func(), err error) {
	key := r.Requester.Key()
	if m.isBlocked(key) {
		return nil, userErr(ErrBlocked, catalog.MsgBlocked)
	}
	if m.banned != nil && (m.banned.MatchString(r.Prompt) || m.banned.MatchString(r.NegativePrompt)) {
		return nil, userErr(ErrBannedWords, catalog.MsgBannedPrompt)
	}
	if m.cooldown <= 0 {
		return func() {}, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.last[key]; ok {
		if wait := m.cooldown - now.Sub(last); wait > 0 {
			return nil, userErr(ErrCooldown, catalog.MsgCooldown, FormatDuration(r.Requester.Locale, max(wait, time.Second)))
		}
	}
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.last[key] = now
		if len(m.last) > 4096 {
			m.pruneLocked(now)
		}
	}, nil
}

// pruneLocked forgets users whose cooldown is over, keeping memory bounded.
func (m *moderator) pruneLocked(now time.Time) {
	for k, t := range m.last {
		if now.Sub(t) >= m.cooldown {
			delete(m.last, k)
		}
	}
}

// isBlocked reports whether the configuration or an admin blocks user.
func (m *moderator) isBlocked(user string) bool {
	return m.configBlocked(user) || m.runtimeBlocked(user)
}

// configBlocked reports whether the configuration blocks user.
func (m *moderator) configBlocked(user string) bool { return m.blocked[user] }

// runtimeBlocked reports whether an admin blocks user.
func (m *moderator) runtimeBlocked(user string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.runtime[user]
	return ok
}

// block records an admin's block.
func (m *moderator) block(e BlockEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runtime[e.Who] = e
}

// unblock lifts an admin's block.
func (m *moderator) unblock(user string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.runtime, user)
}

// setBlocks replaces the admins' blocks with those the store kept.
func (m *moderator) setBlocks(es []BlockEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.runtime)
	for _, e := range es {
		m.runtime[e.Who] = e
	}
}

// blocks lists the admins' blocks, newest first, then the configuration's.
func (m *moderator) blocks() []BlockEntry {
	m.mu.Lock()
	out := make([]BlockEntry, 0, len(m.runtime)+len(m.config))
	for _, e := range m.runtime {
		out = append(out, e)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b BlockEntry) int {
		return cmp.Or(b.At.Compare(a.At), strings.Compare(a.Who, b.Who))
	})
	for _, u := range m.config {
		out = append(out, BlockEntry{Who: u, Config: true})
	}
	return out
}
