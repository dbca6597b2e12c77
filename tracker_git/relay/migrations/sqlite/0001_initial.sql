-- The first queue (tracker-git's SQLite-only relay): deliveries, tasks, counters. Its files
-- had no meta table; the relay reads such a file as schema 1.
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    forge TEXT NOT NULL,
    kind TEXT NOT NULL,
    received REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery TEXT NOT NULL,
    issue TEXT NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    pr TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    next_try REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT NOT NULL DEFAULT '',
    finished REAL
);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(next_try) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS tasks_issue ON tasks(issue, state, id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
