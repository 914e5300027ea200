package main

import (
	"context"
	"log/slog"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/metrics"
)

// platform is one chat adapter, ready to run.
type platform struct {
	name    string
	run     func(ctx context.Context) error
	healthy func(ctx context.Context) error // nil when connected
}

// platformCheck reaches one enabled platform for "bot check".
type platformCheck struct {
	name  string
	check func(ctx context.Context) (string, error)
}

func platforms(cfg *config.Config, svc *imagine.Service, m *metrics.Metrics, log *slog.Logger) ([]platform, error) {
	return nil, nil
}

func platformChecks(cfg *config.Config) []platformCheck { return nil }
