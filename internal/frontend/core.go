package frontend

import (
	"context"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Jobs is what a front end asks of the core for users' requests. The
// core's *imagine.Service implements it; adapter tests may use a fake.
type Jobs interface {
	// Submit validates and queues a request; refusals are *imagine.UserError.
	Submit(req imagine.Request) (*imagine.Ticket, error)
	// Cancel stops a job for its requester or an admin.
	Cancel(id imagine.JobID, by imagine.Requester, admin bool) error
	// Jobs lists who's waiting and running jobs, and how many wait in all.
	Jobs(who imagine.Requester) (mine []imagine.JobInfo, waiting int)
	// Settings are the defaults, limits and styles requests get.
	Settings() imagine.Settings
}

// Models is what a front end asks of the core for /model.
type Models interface {
	Models(ctx context.Context) ([]imagine.Model, error)
	CurrentModel(ctx context.Context) (string, error)
	SwitchModel(ctx context.Context, name string) (string, error)
}

// Core is the core as a front end sees it.
type Core interface {
	Jobs
	Models
}

var _ Core = (*imagine.Service)(nil)

// Recorder is told what a front end sends, e.g. to export metrics. Its
// methods must return quickly.
type Recorder interface {
	PreviewEdited(imagine.Platform)
	RateLimited(imagine.Platform)
}

// NopRecorder records nothing; it is a front end's Recorder when none is
// configured.
type NopRecorder struct{}

// PreviewEdited does nothing.
func (NopRecorder) PreviewEdited(imagine.Platform) {}

// RateLimited does nothing.
func (NopRecorder) RateLimited(imagine.Platform) {}
