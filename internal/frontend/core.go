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
	// Admit refuses early what Submit would refuse for who asks or how
	// often (blocked, cooldown, per-user cap, quota): a front end asks it
	// before it downloads a user's picture.
	Admit(req imagine.Request) error
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

// Choices is what a front end asks of the core for autocomplete: the
// names of kind (models, samplers, schedulers, LoRAs, styles) that match
// what the user typed, at most 25, as who may choose them (limits.models
// applies to users, not admins). It answers from cached lists.
type Choices interface {
	Choices(ctx context.Context, who imagine.Requester, kind imagine.ChoiceKind, typed string) []string
}

// Results is what a front end asks of the core for the buttons under
// results and for /history. Records outlive restarts for store.retention;
// after that Record is a *imagine.UserError of kind imagine.ErrExpired.
type Results interface {
	Record(id imagine.JobID) (imagine.Record, error)
	Image(id imagine.JobID, i int) ([]byte, error)
	History(who imagine.Requester) ([]imagine.Record, error)
}

// Users is what a front end asks of the core for /settings and quotas.
// Prefs(who).ApplyLocale(who) is who with the reply language they chose.
type Users interface {
	Prefs(who imagine.Requester) imagine.Prefs
	SetPrefs(who imagine.Requester, p imagine.Prefs) error
	Quota(who imagine.Requester) imagine.Quota
}

// Restarts is what a front end asks of the core so that its jobs survive
// a restart: it saves its message references with SetRef, and at start
// takes back its platform's jobs with Resumed.
type Restarts interface {
	Resumed(p imagine.Platform) []imagine.Resumed
	SetRef(id imagine.JobID, ref imagine.Ref)
}

// Core is the core as a front end sees it.
type Core interface {
	Jobs
	Models
	Choices
	Results
	Users
	Restarts
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
