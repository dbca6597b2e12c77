-- The first queue's tables, as on SQLite (PostgreSQL came with schema 2: a database of the
-- relay's is never at 1, but the steps are the same on both backends).
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    forge TEXT NOT NULL,
    kind TEXT NOT NULL,
    received DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id BIGSERIAL PRIMARY KEY,
    delivery TEXT NOT NULL,
    issue TEXT NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    pr TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    next_try DOUBLE PRECISION,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT NOT NULL DEFAULT '',
    finished DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(next_try) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS tasks_issue ON tasks(issue, state, id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
