-- Claims with heartbeats, dedup by the body's hash, task actions beside 'transition'.
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
ALTER TABLE deliveries ADD COLUMN hash TEXT;
ALTER TABLE tasks ADD COLUMN action TEXT NOT NULL DEFAULT 'transition';
ALTER TABLE tasks ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tasks ADD COLUMN claimed_by TEXT;
ALTER TABLE tasks ADD COLUMN heartbeat REAL;
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_hash ON deliveries(hash);
CREATE INDEX IF NOT EXISTS tasks_claimed ON tasks(claimed_by) WHERE claimed_by IS NOT NULL;
