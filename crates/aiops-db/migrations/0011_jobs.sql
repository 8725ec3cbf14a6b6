-- Issue 17: background jobs of the operations surface (backups, restores, tool
-- installs). Parameters are not stored (a backup's passphrase must not reach the
-- database): a job interrupted by a restart is marked failed, not re-run.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    queued_at    TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    progress     TEXT,
    -- The last MAX_OUTPUT_BYTES of output; output_dropped counts the bytes cut from
    -- its front, so byte offsets stay stable for clients following it.
    output       TEXT NOT NULL DEFAULT '',
    output_dropped INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    result       TEXT  -- JSON
) STRICT;
CREATE INDEX jobs_kind ON jobs (kind, id);
CREATE INDEX jobs_active ON jobs (state) WHERE state IN ('queued', 'running');
