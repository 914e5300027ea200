package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Prefs returns the user's settings; the zero Prefs if they set none.
func (d *DB) Prefs(ctx context.Context, user string) (imagine.Prefs, error) {
	var data string
	err := d.sql.QueryRowContext(ctx, "SELECT data FROM prefs WHERE user_key = ?", user).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return imagine.Prefs{}, nil
	}
	if err != nil {
		return imagine.Prefs{}, fmt.Errorf("read settings: %w", err)
	}
	var p imagine.Prefs
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return imagine.Prefs{}, fmt.Errorf("read settings of %s: %w", user, err)
	}
	return p, nil
}

// SetPrefs replaces the user's settings; the zero Prefs deletes them.
func (d *DB) SetPrefs(ctx context.Context, user string, p imagine.Prefs) error {
	if p.IsZero() {
		if _, err := d.sql.ExecContext(ctx, "DELETE FROM prefs WHERE user_key = ?", user); err != nil {
			return fmt.Errorf("delete settings: %w", err)
		}
		return nil
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	_, err = d.sql.ExecContext(ctx, `INSERT INTO prefs (user_key, data) VALUES (?, ?)
		ON CONFLICT (user_key) DO UPDATE SET data = excluded.data`, user, string(data))
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// Usage returns how many images the user's jobs made on day's UTC date.
func (d *DB) Usage(ctx context.Context, user string, t time.Time) (int, error) {
	var n int
	err := d.sql.QueryRowContext(ctx, "SELECT images FROM usage WHERE user_key = ? AND day = ?", user, day(t)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read usage: %w", err)
	}
	return n, nil
}
