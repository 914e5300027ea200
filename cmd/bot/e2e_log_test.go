package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// logLines parses the captured log, one JSON object per line; a line that
// is not JSON fails the test.
func (b *e2eBot) logLines() []map[string]any { return b.parseLog(b.logs.String()) }

func (b *e2eBot) parseLog(log string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			b.t.Errorf("log line is not JSON (%v): %s", err, line)
			continue
		}
		out = append(out, m)
	}
	return out
}

// checkLogLines fails the test for each log line that is not one JSON
// object with distinct keys.
func (b *e2eBot) checkLogLines() {
	b.t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(b.logs.String()), "\n") {
		if !json.Valid([]byte(line)) || !strings.HasPrefix(line, "{") {
			b.t.Errorf("log line is not a JSON object: %s", line)
		} else if k := repeatedKey(line); k != "" {
			b.t.Errorf("log line has the key %q twice (JSON readers keep one of them): %s", k, line)
		}
	}
}

// repeatedKey returns a key that a JSON object (a log line) has twice, or "".
func repeatedKey(line string) string {
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil { // {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return ""
		}
		if seen[key] {
			return key
		}
		seen[key] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return ""
		}
	}
	return ""
}

// tail returns the last n lines of the log.
func (b *e2eBot) tail(n int) string {
	lines := strings.Split(strings.TrimSpace(b.logs.String()), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// logged reports whether the log has a line with message msg.
func (b *e2eBot) logged(msg string) bool {
	for _, l := range b.logLines() {
		if l["msg"] == msg {
			return true
		}
	}
	return false
}

// jobsEnded returns the log's "job ended" lines.
func (b *e2eBot) jobsEnded() []map[string]any {
	var out []map[string]any
	// Every bot process's: a job may end in the one after a restart.
	for _, l := range b.parseLog(b.pastLogs.String() + b.logs.String()) {
		if l["msg"] == "job ended" {
			out = append(out, l)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for concurrent use that tells
// waiters about every write.
type syncBuffer struct {
	mu      sync.Mutex // guards buf and changed
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at every write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
	}
	b.changed = make(chan struct{})
	return b.buf.Write(p)
}

// Changed returns a channel closed at the next write.
func (b *syncBuffer) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.changed
}

// waitLog waits until cond, which reads the log, holds; it is re-evaluated
// after every log write.
func (b *e2eBot) waitLog(what string, cond func() bool) {
	b.t.Helper()
	timeout := time.NewTimer(e2eWait)
	defer timeout.Stop()
	for {
		ch := b.logs.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-timeout.C:
			b.t.Fatalf("waiting for %s: timed out", what)
		}
	}
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
