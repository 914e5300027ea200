package queue

import (
	"strings"
	"testing"
)

// script drives a Fair[string] whose values are job labels such as "A1"; the
// label's leading letters name the user. Steps, separated by spaces:
//
//	A1         push job A1 for user A (must succeed)
//	pop        TryPop (must start a job)
//	drain      TryPop until nothing waits
//	done:A1    Done for job A1
//	cancel:A1  Cancel job A1 (must succeed)
//	close      Close
type script struct {
	t       *testing.T
	q       *Fair[string]
	ids     map[string]ID
	started []string
}

func newScript(t *testing.T, q *Fair[string]) *script {
	return &script{t: t, q: q, ids: make(map[string]ID)}
}

// userOf returns the user of a job label: its leading letters.
func userOf(label string) string {
	return strings.TrimRight(label, "0123456789")
}

// run executes steps and returns the labels started by its pops, space-separated.
func (s *script) run(steps string) string {
	s.t.Helper()
	s.started = s.started[:0]
	for _, step := range strings.Fields(steps) {
		op, label, _ := strings.Cut(step, ":")
		switch op {
		case "pop":
			if !s.pop() {
				s.t.Fatalf("step %q: nothing to pop", step)
			}
		case "drain":
			for s.pop() {
			}
		case "done":
			s.q.Done(s.id(label))
		case "cancel":
			if _, ok := s.q.Cancel(s.id(label)); !ok {
				s.t.Fatalf("step %q: cancel failed", step)
			}
		case "close":
			s.q.Close()
		default:
			if err := s.push(op); err != nil {
				s.t.Fatalf("step %q: push: %v", step, err)
			}
		}
	}
	return strings.Join(s.started, " ")
}

func (s *script) push(label string) error {
	id, err := s.q.Push(userOf(label), label)
	if err == nil {
		s.ids[label] = id
	}
	return err
}

func (s *script) pop() bool {
	it, ok := s.q.TryPop()
	if !ok {
		return false
	}
	if it.ID != s.ids[it.Value] || it.User != userOf(it.Value) {
		s.t.Fatalf("popped %+v, want ID %d and user %q", it, s.ids[it.Value], userOf(it.Value))
	}
	s.started = append(s.started, it.Value)
	return true
}

func (s *script) id(label string) ID {
	s.t.Helper()
	id, ok := s.ids[label]
	if !ok {
		s.t.Fatalf("unknown job %q", label)
	}
	return id
}

// labels joins the values of items with spaces.
func labels(items []Item[string]) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(it.Value)
	}
	return b.String()
}
