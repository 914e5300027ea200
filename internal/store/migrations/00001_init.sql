-- The first schema. Types are those PostgreSQL accepts too, except BLOB
-- (BYTEA there); SQLite stores INTEGER as up to 8 bytes, and jobs.id is
-- INTEGER PRIMARY KEY so that it is SQLite's rowid (BIGINT there).

-- +goose Up

-- A job from the moment it is accepted until it is pruned: while it waits
-- or runs (state 0 or 1, ended_at NULL) and as the record of how it ended.
-- Times are Unix milliseconds. request, seeds are JSON; secret is deleted
-- when the job ends.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    user_key     TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    request      TEXT    NOT NULL,
    source       TEXT    UNIQUE,
    state        INTEGER NOT NULL,
    submitted_at BIGINT  NOT NULL,
    ended_at     BIGINT,
    ref          BLOB,
    secret       TEXT,
    seeds        TEXT,
    model        TEXT    NOT NULL DEFAULT '',
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    images       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_history ON jobs (user_key, state, id DESC);
CREATE INDEX jobs_ended ON jobs (ended_at);

-- Each user's place in the fair queue's rounds, saved when it changes.
CREATE TABLE turns (
    user_key TEXT   PRIMARY KEY,
    round    BIGINT NOT NULL,
    seq      BIGINT NOT NULL
);

-- The images of finished jobs, for the PNG button, within a byte budget.
CREATE TABLE images (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL,
    data   BLOB    NOT NULL,
    PRIMARY KEY (job_id, idx)
);

-- Each user's /settings, as JSON.
CREATE TABLE prefs (
    user_key TEXT PRIMARY KEY,
    data     TEXT NOT NULL
);

-- Images made per user and UTC day ('YYYY-MM-DD'), for the daily quota.
CREATE TABLE usage (
    user_key TEXT    NOT NULL,
    day      TEXT    NOT NULL,
    images   INTEGER NOT NULL,
    PRIMARY KEY (user_key, day)
);

-- Single values: last_job_id, the highest job id given out, kept when
-- Prune deletes that job.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE meta;
DROP TABLE usage;
DROP TABLE prefs;
DROP TABLE images;
DROP TABLE turns;
DROP TABLE jobs;
