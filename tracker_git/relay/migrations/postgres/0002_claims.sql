-- Claims with heartbeats, dedup by the body's hash, task actions beside 'transition'.
ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS hash TEXT UNIQUE;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS action TEXT NOT NULL DEFAULT 'transition';
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS data TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS claimed_by TEXT;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS heartbeat DOUBLE PRECISION;
CREATE INDEX IF NOT EXISTS tasks_claimed ON tasks(claimed_by) WHERE claimed_by IS NOT NULL;
