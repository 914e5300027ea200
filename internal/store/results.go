package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// EndJob records how the job ended, deletes its secret, keeps its images
// within the byte budget and counts them in the user's usage of the day.
func (d *DB) EndJob(ctx context.Context, e imagine.JobEnd) error {
	var seeds any
	model, images := "", 0
	if e.Result != nil {
		b, err := json.Marshal(e.Result.Seeds)
		if err != nil {
			return fmt.Errorf("end job %d: %w", e.ID, err)
		}
		seeds, model, images = string(b), e.Result.Model, len(e.Result.Images)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	total := d.bytes
	err := d.tx(ctx, "end job", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, ended_at = ?, width = ?, height = ?,
			secret = NULL, seeds = ?, model = ?, images = ? WHERE id = ?`,
			int(e.Outcome), millis(e.At), e.Width, e.Height, seeds, model, images, int64(e.ID))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 || e.Result == nil {
			return err
		}
		for i, img := range e.Result.Images {
			if _, err := tx.ExecContext(ctx, "INSERT INTO images (job_id, idx, data) VALUES (?, ?, ?)",
				int64(e.ID), i, img); err != nil {
				return err
			}
			total += int64(len(img))
		}
		if images > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO usage (user_key, day, images) VALUES (?, ?, ?)
				ON CONFLICT (user_key, day) DO UPDATE SET images = usage.images + excluded.images`,
				e.User, day(e.At), images); err != nil {
				return err
			}
		}
		total, err = d.dropImages(ctx, tx, total)
		return err
	})
	if err == nil {
		d.bytes = total
	}
	return err
}

// dropImages deletes the oldest jobs' images until total, the bytes
// stored, is within the budget, and returns the new total.
func (d *DB) dropImages(ctx context.Context, tx *sql.Tx, total int64) (int64, error) {
	if total <= d.maxBytes {
		return total, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT job_id, SUM(length(data)) FROM images GROUP BY job_id ORDER BY job_id")
	if err != nil {
		return total, err
	}
	defer rows.Close()
	last := int64(-1)
	for total > d.maxBytes && rows.Next() {
		var n int64
		if err := rows.Scan(&last, &n); err != nil {
			return total, err
		}
		total -= n
	}
	if err := rows.Err(); err != nil {
		return total, err
	}
	rows.Close()
	if _, err := tx.ExecContext(ctx, "DELETE FROM images WHERE job_id <= ?", last); err != nil {
		return total, err
	}
	return total, nil
}

// recordColumns are what scanRecord reads, in its order.
const recordColumns = "id, request, state, seeds, model, width, height, images, ref, submitted_at, ended_at"

// scanRecord reads a row of recordColumns.
func scanRecord(row interface{ Scan(...any) error }) (imagine.Record, error) {
	var (
		r         imagine.Record
		req       string
		seeds     sql.NullString
		submitted int64
		ended     sql.NullInt64
	)
	if err := row.Scan(&r.ID, &req, &r.Outcome, &seeds, &r.Model, &r.Width, &r.Height, &r.Images, &r.Ref, &submitted, &ended); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(req), &r.Request); err != nil {
		return r, fmt.Errorf("job %d: request: %w", r.ID, err)
	}
	if seeds.Valid {
		if err := json.Unmarshal([]byte(seeds.String), &r.Seeds); err != nil {
			return r, fmt.Errorf("job %d: seeds: %w", r.ID, err)
		}
	}
	r.Submitted, r.Ended = fromMillis(sql.NullInt64{Int64: submitted, Valid: true}), fromMillis(ended)
	return r, nil
}

// Record returns the job's record; imagine.ErrNotFound if there is none.
func (d *DB) Record(ctx context.Context, id imagine.JobID) (imagine.Record, error) {
	r, err := scanRecord(d.sql.QueryRowContext(ctx, "SELECT "+recordColumns+" FROM jobs WHERE id = ?", int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return imagine.Record{}, imagine.ErrNotFound
	}
	if err != nil {
		return imagine.Record{}, fmt.Errorf("read record %d: %w", id, err)
	}
	return r, nil
}

// Image returns the i-th image of a finished job; imagine.ErrNotFound once
// it was dropped.
func (d *DB) Image(ctx context.Context, id imagine.JobID, i int) ([]byte, error) {
	var img []byte
	err := d.sql.QueryRowContext(ctx, "SELECT data FROM images WHERE job_id = ? AND idx = ?", int64(id), i).Scan(&img)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, imagine.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read image %d of job %d: %w", i, id, err)
	}
	return img, nil
}

// History returns up to n of the user's jobs that ended with images,
// newest first.
func (d *DB) History(ctx context.Context, user string, n int) ([]imagine.Record, error) {
	if n <= 0 {
		return nil, nil
	}
	return d.records(ctx, "history", "SELECT "+recordColumns+` FROM jobs
		WHERE user_key = ? AND state = ? ORDER BY id DESC LIMIT ?`, user, int(imagine.Done), n)
}

// Recent returns up to n jobs of any user that ended with images, the last
// to end first (then the highest id), by the jobs_recent index.
func (d *DB) Recent(ctx context.Context, n int) ([]imagine.Record, error) {
	if n <= 0 {
		return nil, nil
	}
	return d.records(ctx, "recent results", recentQuery, int(imagine.Done), n)
}

// recentQuery is Recent's query; a test checks its plan.
const recentQuery = "SELECT " + recordColumns + " FROM jobs WHERE state = ? ORDER BY ended_at DESC, id DESC LIMIT ?"

// records runs a query of recordColumns and reads its rows; what names
// them in errors.
func (d *DB) records(ctx context.Context, what, query string, args ...any) ([]imagine.Record, error) {
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []imagine.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}

// usageDays is how many past days of usage Prune keeps besides today's.
const usageDays = 2

// Prune deletes the jobs that ended before t with their images, usage
// older than two days and the turns of users with no job waiting. It
// saves the highest job id first, so that ids are never given out again.
func (d *DB) Prune(ctx context.Context, before time.Time) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var deleted, freed int64
	err := d.tx(ctx, "prune", func(tx *sql.Tx) error {
		last, err := d.lastID(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('last_job_id', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatUint(uint64(last), 10)); err != nil {
			return err
		}
		cut := before.UnixMilli()
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(length(data)), 0) FROM images
			WHERE job_id IN (SELECT id FROM jobs WHERE ended_at < ?)`, cut).Scan(&freed); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM jobs WHERE ended_at < ?", cut)
		if err != nil {
			return err
		}
		if deleted, err = res.RowsAffected(); err != nil {
			return err
		}
		oldest := d.now().UTC().AddDate(0, 0, -usageDays)
		if _, err := tx.ExecContext(ctx, "DELETE FROM usage WHERE day < ?", day(oldest)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM turns
			WHERE user_key NOT IN (SELECT user_key FROM jobs WHERE state = ?)`, int(imagine.Queued))
		return err
	})
	if err != nil {
		return 0, err
	}
	d.bytes -= freed
	return int(deleted), nil
}

// millis is t in Unix milliseconds, NULL for the zero time.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMillis is the time millis stored; the zero time for NULL.
func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64)
}

// nullString is s, NULL when empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// day is t's UTC date, as quotas count.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
