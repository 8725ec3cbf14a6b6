-- Issue 19: automation targets (a Semaphore server, or ansible-playbook on this host) of
-- a tenant, and their runs. A run executes as a job (`jobs`): its state, times and
-- output (the run's log) are the job's; the run adds what it ran and what it links to.
-- Secrets are sealed like tracker tokens (aiops_core::sealed): nonce ‖ ciphertext ‖ tag,
-- with the id of the key that sealed them.
CREATE TABLE automation_targets (
    id                   INTEGER PRIMARY KEY,
    tenant_id            INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('semaphore', 'local')),
    base_url             TEXT,
    token                BLOB,
    token_key_id         TEXT,
    semaphore_project_id INTEGER,
    verify_tls           INTEGER NOT NULL DEFAULT 1,
    http_timeout_secs    INTEGER NOT NULL DEFAULT 15,
    task_timeout_secs    INTEGER NOT NULL DEFAULT 600,
    poll_interval_secs   INTEGER NOT NULL DEFAULT 2,
    inventory            TEXT,
    vault_password       BLOB,
    vault_key_id         TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (tenant_id, name)
) STRICT;

CREATE TABLE automation_runs (
    id                   INTEGER PRIMARY KEY,
    target_id            INTEGER NOT NULL REFERENCES automation_targets(id) ON DELETE CASCADE,
    tenant_id            INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    job_id               INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    project_id           INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    session_id           INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    issue_id             INTEGER REFERENCES issues(id) ON DELETE SET NULL,
    requested_by         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    template_id          INTEGER,
    semaphore_project_id INTEGER,
    remote_task_id       INTEGER,
    playbook             TEXT,
    inventory            TEXT,
    -- JSON: extra_vars, limit, tags, skip_tags, check, diff, writable.
    options              TEXT NOT NULL DEFAULT '{}',
    exit_code            INTEGER,
    created_at           TEXT NOT NULL
) STRICT;
CREATE INDEX automation_runs_target ON automation_runs (target_id, id);
CREATE INDEX automation_runs_tenant ON automation_runs (tenant_id, id);
CREATE INDEX automation_runs_job ON automation_runs (job_id);
CREATE INDEX automation_runs_issue ON automation_runs (issue_id) WHERE issue_id IS NOT NULL;
CREATE INDEX automation_runs_session ON automation_runs (session_id) WHERE session_id IS NOT NULL;
