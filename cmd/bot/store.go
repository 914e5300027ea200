package main

import (
	"context"
	"log/slog"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/store"
)

// openStore opens the store the config names: the SQLite file at
// store.path, or memory for ":memory:". The caller closes it after the
// service has stopped. Its errors are one line that names the file.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (imagine.Store, func() error, error) {
	if cfg.Store.Path == config.MemoryPath {
		log.Info("store in memory: queued jobs and results' buttons do not survive a restart")
		return imagine.NewMemoryStore(), func() error { return nil }, nil
	}
	db, err := store.Open(ctx, cfg.Store.Path, store.Options{MaxImageBytes: int64(cfg.Store.MaxImageMB) << 20})
	if err != nil {
		return nil, nil, err
	}
	log.Info("store opened", "path", cfg.Store.Path)
	return db, db.Close, nil
}
