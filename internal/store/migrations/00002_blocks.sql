-- Users admins block at runtime (the dashboard's Block).

-- +goose Up

-- One row per blocked user key ("tg:123"): who blocked them (key and
-- display name) and when (Unix milliseconds). The configuration's
-- moderation.blocked_user_ids are not stored here.
CREATE TABLE blocks (
    user_key   TEXT   PRIMARY KEY,
    by_key     TEXT   NOT NULL,
    by_name    TEXT   NOT NULL DEFAULT '',
    blocked_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE blocks;
