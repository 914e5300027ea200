package discord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// logBuffer collects log output from many goroutines and lets a test wait
// for a line.
type logBuffer struct {
	mu      sync.Mutex // guards buf and written
	buf     bytes.Buffer
	written chan struct{} // closed and replaced at every write
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitLine waits for a log line containing every one of parts.
func (b *logBuffer) waitLine(t *testing.T, parts ...string) string {
	t.Helper()
	ctx := ctxT(t)
	for {
		b.mu.Lock()
		text := b.buf.String()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		ch := b.written
		b.mu.Unlock()
		for _, line := range strings.Split(text, "\n") {
			if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(line, p) }) {
				return line
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			var near []string
			for _, line := range strings.Split(b.String(), "\n") {
				if len(parts) > 1 && strings.Contains(line, parts[1]) {
					near = append(near, line)
				}
			}
			t.Fatalf("no log line with %q; lines with %q:\n%s", parts, parts[min(1, len(parts)-1)], strings.Join(near, "\n"))
		}
	}
}

// waitMessage waits until the interaction's response message satisfies
// cond and returns it.
func (e *env) waitMessage(it *discordtest.Interaction, what string, cond func(discordtest.Message) bool) discordtest.Message {
	e.t.Helper()
	var m discordtest.Message
	err := e.srv.WaitFor(ctxT(e.t), func() bool {
		var ok bool
		m, ok = it.Original()
		return ok && cond(m)
	})
	if err != nil {
		e.t.Fatalf("message never %s; last state: %s", what, describe(m))
	}
	return m
}

// waitFinal waits until the job message shows a terminal state.
func (e *env) waitFinal(it *discordtest.Interaction) discordtest.Message {
	e.t.Helper()
	return e.waitMessage(it, "ended", isFinal)
}

// isFinal reports whether a job message shows a terminal state: result
// buttons, Try again, or no buttons at all after the first edit.
func isFinal(m discordtest.Message) bool {
	ids := customIDs(m.Revision)
	if slices.ContainsFunc(ids, func(s string) bool { return hasAction(s, actReroll) || hasAction(s, actRetry) }) {
		return true
	}
	return len(m.History) > 1 && m.Flags&discordtest.FlagLoading == 0 && len(ids) == 0
}

// embed is the part of an embed the tests read.
type embed struct {
	Description string `json:"description"`
	Image       *struct {
		URL string `json:"url"`
	} `json:"image"`
}

func embeds(r discordtest.Revision) []embed {
	var out []embed
	for _, raw := range r.Embeds {
		var em embed
		_ = json.Unmarshal(raw, &em)
		out = append(out, em)
	}
	return out
}

// customIDs lists the custom ids of a revision's buttons.
func customIDs(r discordtest.Revision) []string {
	var out []string
	var walk func([]json.RawMessage)
	walk = func(list []json.RawMessage) {
		for _, raw := range list {
			var c struct {
				CustomID   string            `json:"custom_id"`
				Components []json.RawMessage `json:"components"`
			}
			_ = json.Unmarshal(raw, &c)
			if c.CustomID != "" {
				out = append(out, c.CustomID)
			}
			walk(c.Components)
		}
	}
	walk(r.Components)
	return out
}

// hasAction reports whether a custom id is the adapter's button for act.
func hasAction(id string, act action) bool {
	b, ok := parseButtonID(id)
	return ok && b.act == act
}

// buttonWith returns the custom id of the revision's button for an action.
func buttonWith(t *testing.T, r discordtest.Revision, act action, idx int) string {
	t.Helper()
	for _, id := range customIDs(r) {
		if b, ok := parseButtonID(id); ok && b.act == act && b.idx == idx {
			return id
		}
	}
	t.Fatalf("no %c button %d among %v", act, idx, customIDs(r))
	return ""
}

func describe(m discordtest.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "message %s, %d revisions", m.ID, len(m.History))
	for i, r := range m.History {
		fmt.Fprintf(&b, "\n  %d: %q embeds=%d files=%d buttons=%v via %s", i, r.Content, len(r.Embeds), len(r.Attachments), customIDs(r), r.Route)
	}
	return b.String()
}

// callsFor returns the recorded calls whose path contains s (a token or an
// id).
func (e *env) callsFor(s string) []discordtest.Call {
	var out []discordtest.Call
	for _, c := range e.srv.Calls() {
		if strings.Contains(c.Path, s) {
			out = append(out, c)
		}
	}
	return out
}
