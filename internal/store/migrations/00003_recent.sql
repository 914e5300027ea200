-- An index for Recent, the moderation gallery's newest results across all
-- users: finished jobs (state 2) by the time they ended.

-- +goose Up
CREATE INDEX jobs_recent ON jobs (state, ended_at, id);

-- +goose Down
DROP INDEX jobs_recent;
