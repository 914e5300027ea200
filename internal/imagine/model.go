package imagine

import (
	"context"
	"fmt"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// switchOp asks the dispatcher to load a model on one free backend that
// offers it.
type switchOp struct {
	name string
	done chan switchResult // cap 1
}

type switchResult struct {
	title string
	err   error
}

// SwitchModel makes the checkpoint called name (a title or a model name, as
// Models lists it) the default model: the one requests that do not choose
// run on. It loads it at once on one free backend that offers it, to
// confirm it (or after that backend's running job, never under it; jobs
// queued behind the switch run after it); the other backends load it when
// a job needs it. It returns the loaded title. An unknown name is a
// *UserError.
func (s *Service) SwitchModel(ctx context.Context, name string) (string, error) {
	if len(s.workers) == 0 {
		return "", errNoBackends
	}
	s.switchMu.Lock()
	defer s.switchMu.Unlock()
	m, err := s.findModel(ctx, name)
	if err != nil {
		return "", err
	}
	op := &switchOp{name: m.Title, done: make(chan switchResult, 1)}
	// Jobs dispatched from now on run on the new default, also on the
	// backends the switch does not touch; a failed load restores the old.
	previous := s.setDefaultModel(m.Title)
	s.mu.Lock()
	s.switches = append(s.switches, op)
	s.mu.Unlock()
	s.kick()
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("imagine: switch model: %w", ctx.Err())
	case r := <-op.done:
		if r.err != nil {
			s.modelMu.Lock()
			if s.defaultModel == m.Title {
				s.defaultModel = previous
			}
			s.modelMu.Unlock()
			return "", r.err
		}
		return r.title, nil
	}
}

// assignSwitchesLocked hands each waiting /model load to a free backend
// that is up and offers the model.
func (s *Service) assignSwitchesLocked() {
	for len(s.switches) > 0 {
		op := s.switches[0]
		var w *worker
		for _, c := range s.workers {
			if !c.busy && !c.down && c.offers(op.name) {
				w = c
				break
			}
		}
		if w == nil {
			return
		}
		s.switches = s.switches[1:]
		w.busy = true
		w.ops <- op // cap 1, and a free worker's is empty
	}
}

// runSwitch loads op's model and returns the loaded title ("" on failure).
func (w *worker) runSwitch(ctx context.Context, op *switchOp) string {
	w.log.Info("switching model", "model", op.name)
	title, err := w.backend.SwitchModel(ctx, op.name)
	if err != nil {
		w.log.Warn("model switch failed", "model", op.name, "err", err)
		op.done <- switchResult{err: fmt.Errorf("backend %s: %w", w.name, err)}
		return ""
	}
	w.log.Info("model switched", "model", title)
	w.svc.cfg.Observer.ModelLoaded(w.name, title)
	op.done <- switchResult{title: title}
	return title
}

// Models lists the checkpoints the backends offer, each once, in the order
// of the first backend that lists it.
func (s *Service) Models(ctx context.Context) ([]Model, error) {
	if len(s.workers) == 0 {
		return nil, errNoBackends
	}
	var out []Model
	var firstErr error
	seen := map[string]bool{}
	for _, w := range s.workers {
		models, err := w.backend.Models(ctx)
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			continue
		}
		for _, m := range models {
			if k := strings.ToLower(modelKey(m.Title)); !seen[k] {
				seen[k] = true
				out = append(out, m)
			}
		}
	}
	if out == nil && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// CurrentModel returns the default model: the one /model last chose, or,
// until then, the checkpoint loaded on the first backend.
func (s *Service) CurrentModel(ctx context.Context) (string, error) {
	if len(s.workers) == 0 {
		return "", errNoBackends
	}
	if m := s.getDefaultModel(); m != "" {
		return m, nil
	}
	return s.workers[0].backend.CurrentModel(ctx)
}

// getDefaultModel returns the model /model last chose, "" if none.
func (s *Service) getDefaultModel() string {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	return s.defaultModel
}

// setDefaultModel makes m the default model and returns the one before.
func (s *Service) setDefaultModel(m string) (previous string) {
	s.modelMu.Lock()
	defer s.modelMu.Unlock()
	previous, s.defaultModel = s.defaultModel, m
	return previous
}

// findModel matches name against the backends' models: exact title, then
// model name, then the same model by sameModel (any case, with or without
// folder, extension and hash).
func (s *Service) findModel(ctx context.Context, name string) (Model, error) {
	models, err := s.Models(ctx)
	if err != nil {
		return Model{}, fmt.Errorf("imagine: list models: %w", err)
	}
	name = strings.TrimSpace(name)
	for _, match := range []func(Model) bool{
		func(m Model) bool { return m.Title == name },
		func(m Model) bool { return m.Name == name },
		func(m Model) bool { return sameModel(m.Title, name) || sameModel(m.Name, name) },
	} {
		for _, m := range models {
			if match(m) {
				return m, nil
			}
		}
	}
	return Model{}, &UserError{Kind: ErrModelNotFound, ID: catalog.MsgModelNotFound, Args: []any{name}}
}
