// Package store keeps imaginebot's durable state in one SQLite file: the
// [imagine.Store] of store.path. It uses the pure-Go modernc.org/sqlite
// driver through database/sql (the binary stays static, CGO_ENABLED=0) and
// versioned migrations with pressly/goose, embedded from migrations/.
//
// # The file
//
// [Open] creates the file with mode 0600 before SQLite opens it, and
// narrows an existing file's wider mode to 0600: it holds users' prompts
// and, while their jobs wait or run, platform tokens. It refuses a file
// that is not a SQLite database or is damaged (PRAGMA quick_check reads
// every page at Open: about 0.15 s for a file whose images fill the
// default budget), one it may not read or write (or whose directory it may
// not write: the write-ahead log lives next to it), and one whose schema a
// newer imaginebot wrote. Each error is one line naming the file.
//
// # The lock
//
// The DB has one connection, opened with locking_mode EXCLUSIVE before
// journal_mode WAL: the connection holds the file's lock from Open to
// Close, and the WAL index lives in its memory (there is no -shm file).
// A second imaginebot on the same file, or a second Open in the same
// process, fails at once (busy_timeout 0) with [ErrInUse]: "store: FILE is
// in use by another imaginebot process". synchronous is NORMAL: a commit
// survives a crash of the process, and the last commits before a power
// loss may be lost. foreign_keys is on, so that deleting a job deletes its
// images.
//
// # The schema
//
// Types are those PostgreSQL accepts too, except BLOB (BYTEA there); times
// are Unix milliseconds, so they come back to the millisecond.
//
//   - jobs: one row per job, from the moment it is accepted (AddJob) until
//     Prune deletes it: id (the JobID), user_key, platform, request (the
//     imagine.Request as JSON), source (the platform's id of the command;
//     UNIQUE, NULL when unknown, so that a redelivered command is
//     imagine.ErrDuplicate), state (imagine.State: Queued and Running while
//     it waits or runs, then Done, Failed or Cancelled), submitted_at,
//     ended_at (NULL until it ended), ref and secret (the front end's
//     imagine.Ref), and for the result seeds (JSON), model, width, height
//     and images (how many). Indexes serve History (user_key, state, id)
//     and Prune (ended_at).
//   - turns: each user's queue.Turn, saved with the job that changed it,
//     so that LoadJobs puts the fair queue back as it was.
//   - images: the PNG files of finished jobs by (job_id, idx), kept within
//     Options.MaxImageBytes: past it, the oldest jobs' images are deleted
//     first (their records stay; the PNG button says the file is gone).
//   - prefs: each user's /settings as JSON; the zero Prefs deletes the row.
//   - usage: images made per user and UTC day ('YYYY-MM-DD'), for the
//     daily quota.
//   - meta: last_job_id, the highest job id given out, saved by Prune
//     before it deletes jobs, so that ids are never given out twice.
//   - goose_db_version: goose's record of the migrations applied.
//
// # Tokens
//
// Ref.Secret is what a front end must not keep longer than the job: a
// Discord interaction token, with which the bot edits the reply for 15
// minutes. It is stored in jobs.secret while the job waits or runs, so that
// after a restart the result still reaches the original message, and set
// to NULL in the transaction that records the job's end (EndJob); SetRef
// on an ended job stores no secret. secure_delete FAST zeroes the deleted
// bytes in the database pages; the old pages may stay in the -wal file
// until a checkpoint writes over them (Close checkpoints and deletes it).
//
// # Pruning
//
// Prune (hourly, by the core) deletes the jobs that ended before
// store.retention with their images, usage rows older than two days, and
// the turns of users with no job waiting.
package store
