package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// LoadJobs returns the jobs that waited or ran, in ID order, the users'
// turns, and the highest job ID ever given out.
func (d *DB) LoadJobs(ctx context.Context) (imagine.SavedJobs, error) {
	out := imagine.SavedJobs{Turns: map[string]queue.Turn{}}
	rows, err := d.sql.QueryContext(ctx, `SELECT id, request, source, state, submitted_at, ref, secret
		FROM jobs WHERE state IN (?, ?) ORDER BY id`, int(imagine.Queued), int(imagine.Running))
	if err != nil {
		return out, fmt.Errorf("load jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			j              imagine.SavedJob
			req            string
			source, secret sql.NullString
			submitted      int64
		)
		if err := rows.Scan(&j.ID, &req, &source, &j.State, &submitted, &j.Ref.Data, &secret); err != nil {
			return out, fmt.Errorf("load jobs: %w", err)
		}
		if err := json.Unmarshal([]byte(req), &j.Request); err != nil {
			return out, fmt.Errorf("load jobs: job %d: %w", j.ID, err)
		}
		j.Source, j.Ref.Secret, j.Submitted = source.String, secret.String, fromMillis(sql.NullInt64{Int64: submitted, Valid: true})
		out.Jobs = append(out.Jobs, j)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("load jobs: %w", err)
	}
	rows.Close()

	trows, err := d.sql.QueryContext(ctx, "SELECT user_key, round, seq FROM turns")
	if err != nil {
		return out, fmt.Errorf("load turns: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var user string
		var t queue.Turn
		if err := trows.Scan(&user, &t.Round, &t.Seq); err != nil {
			return out, fmt.Errorf("load turns: %w", err)
		}
		out.Turns[user] = t
	}
	if err := trows.Err(); err != nil {
		return out, fmt.Errorf("load turns: %w", err)
	}
	trows.Close()

	last, err := d.lastID(ctx, d.sql)
	if err != nil {
		return out, fmt.Errorf("load the last job id: %w", err)
	}
	out.LastID = last
	return out, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// lastID is the highest job id given out: of the jobs kept, or the one
// Prune saved before it deleted them.
func (d *DB) lastID(ctx context.Context, q querier) (imagine.JobID, error) {
	var maxID sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT MAX(id) FROM jobs").Scan(&maxID); err != nil {
		return 0, err
	}
	var saved sql.NullString
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'last_job_id'").Scan(&saved)
	if err != nil && err != sql.ErrNoRows {
		return 0, err
	}
	last := uint64(max(maxID.Int64, 0))
	if saved.Valid {
		n, err := strconv.ParseUint(saved.String, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("meta last_job_id %q: %w", saved.String, err)
		}
		last = max(last, n)
	}
	return imagine.JobID(last), nil
}

// AddJob records an accepted job and its user's turn; ErrDuplicate if its
// Source is stored already.
func (d *DB) AddJob(ctx context.Context, j imagine.SavedJob, turn queue.Turn) error {
	req, err := json.Marshal(j.Request)
	if err != nil {
		return fmt.Errorf("add job %d: %w", j.ID, err)
	}
	user := j.Request.Requester.Key()
	return d.tx(ctx, "add job", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs
			(id, user_key, platform, request, source, state, submitted_at, ref, secret)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (source) DO NOTHING`,
			int64(j.ID), user, string(j.Request.Requester.Platform), string(req), nullString(j.Source),
			int(j.State), millis(j.Submitted), j.Ref.Data, nullString(j.Ref.Secret))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return imagine.ErrDuplicate
		}
		return putTurn(ctx, tx, user, turn)
	})
}

// putTurn saves user's turn.
func putTurn(ctx context.Context, tx *sql.Tx, user string, t queue.Turn) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO turns (user_key, round, seq) VALUES (?, ?, ?)
		ON CONFLICT (user_key) DO UPDATE SET round = excluded.round, seq = excluded.seq`,
		user, int64(t.Round), int64(t.Seq))
	return err
}

// StartJob records that the job runs, and its user's next turn.
func (d *DB) StartJob(ctx context.Context, id imagine.JobID, next *queue.Turn) error {
	return d.tx(ctx, "start job", func(tx *sql.Tx) error {
		var user string
		err := tx.QueryRowContext(ctx, `UPDATE jobs SET state = ? WHERE id = ? AND ended_at IS NULL
			RETURNING user_key`, int(imagine.Running), int64(id)).Scan(&user)
		if err == sql.ErrNoRows || next == nil {
			return nil
		}
		if err != nil {
			return err
		}
		return putTurn(ctx, tx, user, *next)
	})
}

// RequeueJob records that the job waits again.
func (d *DB) RequeueJob(ctx context.Context, id imagine.JobID) error {
	_, err := d.sql.ExecContext(ctx, "UPDATE jobs SET state = ? WHERE id = ? AND ended_at IS NULL",
		int(imagine.Queued), int64(id))
	if err != nil {
		return fmt.Errorf("requeue job %d: %w", id, err)
	}
	return nil
}

// SetRef replaces the job's references. The secret is kept only while
// the job has not ended.
func (d *DB) SetRef(ctx context.Context, id imagine.JobID, ref imagine.Ref) error {
	_, err := d.sql.ExecContext(ctx, `UPDATE jobs SET ref = ?,
		secret = CASE WHEN ended_at IS NULL THEN ? END WHERE id = ?`,
		ref.Data, nullString(ref.Secret), int64(id))
	if err != nil {
		return fmt.Errorf("set ref of job %d: %w", id, err)
	}
	return nil
}

// tx runs f in a transaction, committed if f returns nil. Errors are
// wrapped with what, except the store's sentinels.
func (d *DB) tx(ctx context.Context, what string, f func(*sql.Tx) error) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		if err == imagine.ErrDuplicate {
			return err
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
