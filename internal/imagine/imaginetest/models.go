package imaginetest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Models lists the checkpoints of Options.Models.
func (b *Backend) Models(ctx context.Context) ([]imagine.Model, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return nil, errDown
	}
	return slices.Clone(b.opts.Models), nil
}

// CurrentModel returns the loaded checkpoint's title.
func (b *Backend) CurrentModel(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return "", errDown
	}
	return b.current, nil
}

// SwitchModel loads the checkpoint whose title or name is name, taking
// Options.SwitchDelay, and returns its title. An unknown name fails with
// imagine.ErrModelNotFound; FailNextSwitch scripts other failures.
func (b *Backend) SwitchModel(ctx context.Context, name string) (string, error) {
	b.mu.Lock()
	if b.down {
		b.mu.Unlock()
		return "", errDown
	}
	b.switches = append(b.switches, name)
	b.notifyLocked()
	var fail error
	if len(b.switchErr) > 0 {
		fail, b.switchErr = b.switchErr[0], b.switchErr[1:]
	}
	i := slices.IndexFunc(b.opts.Models, func(m imagine.Model) bool { return m.Title == name || m.Name == name })
	b.mu.Unlock()
	if i < 0 {
		return "", fmt.Errorf("%w: imaginetest: no checkpoint %q", imagine.ErrModelNotFound, name)
	}
	if d := b.opts.SwitchDelay; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if fail != nil {
		return "", scripted(fail)
	}
	title := b.opts.Models[i].Title
	b.mu.Lock()
	defer b.mu.Unlock()
	b.current = title
	b.notifyLocked()
	return title, nil
}

// FailNextSwitch scripts the next checkpoint switches to fail, one error
// each, in order (e.g. imagine.ErrModelLoad). The current checkpoint stays.
func (b *Backend) FailNextSwitch(errs ...error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.switchErr = append(b.switchErr, errs...)
}

// modelLocked returns the model with this title.
func (b *Backend) modelLocked(title string) imagine.Model {
	for _, m := range b.opts.Models {
		if m.Title == title {
			return m
		}
	}
	return imagine.Model{Title: title, Name: title}
}
