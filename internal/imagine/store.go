package imagine

import (
	"context"
	"errors"
	"time"

	"github.com/imaginebot/imaginebot/internal/queue"
)

// The store's sentinel errors.
var (
	// ErrDuplicate is a request whose Source is already stored: a platform
	// delivered the same command twice (Telegram does after a crash). The
	// job it made goes on; front ends ignore the second delivery.
	ErrDuplicate = errors.New("imagine: request already received")
	// ErrNotFound is a record or an image the store does not have (never
	// had, or pruned).
	ErrNotFound = errors.New("imagine: not found")
)

// Store keeps what must outlive one process: jobs, results, and what users
// chose. The core reads and writes it; internal/store implements it on
// SQLite, and MemoryStore in memory (store.path ":memory:"). Methods are
// called concurrently.
type Store interface {
	JobStore
	ResultStore
	UserStore
	BlockStore
}

// JobStore keeps the jobs that wait or run, so that a restart resumes them.
type JobStore interface {
	// Durable reports whether jobs survive the process. If not, the core
	// asks waiting users to send their requests again when it stops.
	Durable() bool
	// LoadJobs returns the jobs that waited or ran when the store was last
	// used, in ID order, with the users' turns.
	LoadJobs(ctx context.Context) (SavedJobs, error)
	// AddJob records an accepted job (State Queued) and its user's turn. It
	// fails with ErrDuplicate when j.Source is not empty and already stored.
	AddJob(ctx context.Context, j SavedJob, turn queue.Turn) error
	// StartJob records that a job runs. next is its user's new turn, when
	// the user has more jobs waiting. A job the process stops before it
	// ends stays running in the store, and runs again first after the
	// restart, whether the process crashed or was stopped.
	StartJob(ctx context.Context, id JobID, next *queue.Turn) error
	// SetRef replaces a job's front-end references, while it waits or runs
	// or after it ended.
	SetRef(ctx context.Context, id JobID, ref Ref) error
	// EndJob records how a job ended. It deletes the job's Ref.Secret,
	// keeps its result for the buttons and history, and counts its images
	// in the user's usage of the day it ended (UTC).
	EndJob(ctx context.Context, e JobEnd) error
}

// ResultStore keeps finished jobs for the buttons under their results,
// for /history and for the admins' gallery.
type ResultStore interface {
	// Record returns a job's record; ErrNotFound if the store has none.
	Record(ctx context.Context, id JobID) (Record, error)
	// Image returns the i-th image of a finished job; ErrNotFound once it
	// was dropped (stores keep images within a byte budget).
	Image(ctx context.Context, id JobID, i int) ([]byte, error)
	// History returns up to n of user's jobs that ended with images,
	// newest first.
	History(ctx context.Context, user string, n int) ([]Record, error)
	// Recent returns up to n jobs of any user that ended with images, the
	// last to end first (then the highest ID).
	Recent(ctx context.Context, n int) ([]Record, error)
	// Prune deletes the records of jobs that ended before t, and returns
	// how many it deleted.
	Prune(ctx context.Context, before time.Time) (int, error)
}

// UserStore keeps what each user chose (/settings) and how much they used.
type UserStore interface {
	// Prefs returns a user's settings; the zero Prefs if they set none.
	Prefs(ctx context.Context, user string) (Prefs, error)
	// SetPrefs replaces a user's settings; the zero Prefs deletes them.
	SetPrefs(ctx context.Context, user string, p Prefs) error
	// Usage returns how many images the user's jobs made on day's UTC
	// date.
	Usage(ctx context.Context, user string, day time.Time) (int, error)
}

// BlockStore keeps the users admins blocked at runtime (Service.Block);
// those the configuration blocks are not stored.
type BlockStore interface {
	// Blocks returns every stored block, oldest first.
	Blocks(ctx context.Context) ([]BlockEntry, error)
	// Block stores b, replacing a block of the same user.
	Block(ctx context.Context, b BlockEntry) error
	// Unblock deletes the block of the user with key who; deleting none
	// is no error.
	Unblock(ctx context.Context, who string) error
}

// SavedJob is a job as the store keeps it while it waits or runs.
type SavedJob struct {
	ID        JobID
	Request   Request // its Requester.Key() is the user
	Source    string  // the platform's id of the command, for ErrDuplicate; may be empty
	State     State   // Queued or Running
	Submitted time.Time
	Ref       Ref
}

// SavedJobs are the jobs LoadJobs found.
type SavedJobs struct {
	Jobs   []SavedJob            // in ID order
	Turns  map[string]queue.Turn // by user key
	LastID JobID                 // the highest job ID ever given out, finished jobs' too
}

// Ref is what a front end keeps with a job to find its messages again after
// a restart: Data is the front end's own encoding (message and file ids),
// kept with the result; Secret (e.g. a Discord interaction token) is
// deleted when the job ends.
type Ref struct {
	Data   []byte
	Secret string
}

// JobEnd is how a job ended, for EndJob.
type JobEnd struct {
	ID      JobID
	User    string
	Outcome State   // Done, Failed or Cancelled
	Result  *Result // Done only: images, seeds, model
	Width   int
	Height  int
	At      time.Time
}

// Record is a job as it is kept after it ended, or while it waits or runs
// (Outcome Queued or Running).
type Record struct {
	ID        JobID
	Request   Request
	Outcome   State
	Seeds     []int64 // of each image, Done only
	Model     string
	Width     int
	Height    int
	Images    int // how many images it made
	Ref       []byte
	Submitted time.Time
	Ended     time.Time
}

// Again returns the request that makes the record's result again, asked
// by who (🔄 Try again, /history's run again): its request, with the seed
// of its first image when it asked for a random one.
func (r Record) Again(who Requester) Request {
	req := r.Request.Retry(who)
	if req.Seed == -1 && len(r.Seeds) > 0 {
		req.Seed = r.Seeds[0]
	}
	return req
}
