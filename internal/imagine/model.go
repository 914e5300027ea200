package imagine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// switchOp asks one worker to switch its backend's model between jobs.
type switchOp struct {
	name string
	done chan switchResult // cap 1
}

type switchResult struct {
	title string
	err   error
}

// SwitchModel switches every backend to the checkpoint called name (a title
// or a model name, as listed by Models). Each backend switches after its
// running job ends, never under it; jobs queued behind the switch run after
// it. It returns the loaded title. An unknown name is a *UserError.
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
	ops := make([]*switchOp, len(s.workers))
	for i, w := range s.workers {
		ops[i] = &switchOp{name: m.Title, done: make(chan switchResult, 1)}
		w.enqueue(ops[i])
	}
	var errs []error
	title := m.Title
	for i, op := range ops {
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("imagine: switch model: %w", ctx.Err())
		case r := <-op.done:
			if r.err != nil {
				errs = append(errs, fmt.Errorf("backend %s: %w", s.workers[i].name, r.err))
			} else if i == 0 {
				title = r.title
			}
		}
	}
	return title, errors.Join(errs...)
}

// Models lists the checkpoints of the first backend.
func (s *Service) Models(ctx context.Context) ([]Model, error) {
	if len(s.workers) == 0 {
		return nil, errNoBackends
	}
	return s.workers[0].backend.Models(ctx)
}

// CurrentModel returns the checkpoint loaded on the first backend.
func (s *Service) CurrentModel(ctx context.Context) (string, error) {
	if len(s.workers) == 0 {
		return "", errNoBackends
	}
	return s.workers[0].backend.CurrentModel(ctx)
}

// findModel matches name against the first backend's models: exact title,
// then model name, then a case-insensitive match of either.
func (s *Service) findModel(ctx context.Context, name string) (Model, error) {
	models, err := s.Models(ctx)
	if err != nil {
		return Model{}, fmt.Errorf("imagine: list models: %w", err)
	}
	name = strings.TrimSpace(name)
	for _, match := range []func(Model) bool{
		func(m Model) bool { return m.Title == name },
		func(m Model) bool { return m.Name == name },
		func(m Model) bool { return strings.EqualFold(m.Title, name) || strings.EqualFold(m.Name, name) },
	} {
		for _, m := range models {
			if match(m) {
				return m, nil
			}
		}
	}
	return Model{}, &UserError{Kind: ErrModelNotFound, ID: catalog.MsgModelNotFound, Args: []any{name}}
}

// enqueue hands op to the worker and wakes it if it is waiting for a job.
func (w *worker) enqueue(op *switchOp) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ops = append(w.ops, op)
	if w.wake != nil {
		w.wake()
	}
}

func (w *worker) nextOp() *switchOp {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.ops) == 0 {
		return nil
	}
	op := w.ops[0]
	w.ops = w.ops[1:]
	return op
}

func (w *worker) runSwitch(ctx context.Context, op *switchOp) {
	w.log.Info("switching model", "model", op.name)
	title, err := w.backend.SwitchModel(ctx, op.name)
	if err != nil {
		w.log.Warn("model switch failed", "model", op.name, "err", err)
	} else {
		w.log.Info("model switched", "model", title)
		w.svc.cfg.Observer.ModelLoaded(w.name, title)
	}
	op.done <- switchResult{title: title, err: err}
}
