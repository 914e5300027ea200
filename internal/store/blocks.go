package store

import (
	"context"
	"fmt"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Blocks returns the users admins blocked, oldest block first.
func (d *DB) Blocks(ctx context.Context) ([]imagine.BlockEntry, error) {
	rows, err := d.sql.QueryContext(ctx, "SELECT user_key, by_key, by_name, blocked_at FROM blocks ORDER BY blocked_at, user_key")
	if err != nil {
		return nil, fmt.Errorf("read blocks: %w", err)
	}
	defer rows.Close()
	var out []imagine.BlockEntry
	for rows.Next() {
		var b imagine.BlockEntry
		var at int64
		if err := rows.Scan(&b.Who, &b.By, &b.ByName, &at); err != nil {
			return nil, fmt.Errorf("read blocks: %w", err)
		}
		b.At = time.UnixMilli(at)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read blocks: %w", err)
	}
	return out, nil
}

// Block stores b, replacing a block of the same user.
func (d *DB) Block(ctx context.Context, b imagine.BlockEntry) error {
	_, err := d.sql.ExecContext(ctx, `INSERT INTO blocks (user_key, by_key, by_name, blocked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_key) DO UPDATE SET by_key = excluded.by_key, by_name = excluded.by_name, blocked_at = excluded.blocked_at`,
		b.Who, b.By, b.ByName, b.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("block %s: %w", b.Who, err)
	}
	return nil
}

// Unblock deletes who's block, if any.
func (d *DB) Unblock(ctx context.Context, who string) error {
	if _, err := d.sql.ExecContext(ctx, "DELETE FROM blocks WHERE user_key = ?", who); err != nil {
		return fmt.Errorf("unblock %s: %w", who, err)
	}
	return nil
}
