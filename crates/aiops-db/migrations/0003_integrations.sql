-- 0003: tracker integrations, project links, personal tokens and identities, sync runs.
-- Shipped migrations are never edited: add a new numbered file instead.
-- Tokens are sealed (XChaCha20-Poly1305, aiops_core::sealed): `*_token` holds nonce ‖
-- ciphertext ‖ tag, `*_key_id` the id of the key that sealed it. Plaintext never lands here.

CREATE TABLE integrations (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider          TEXT NOT NULL CHECK (provider IN ('github', 'gitlab', 'jira')),
    name              TEXT NOT NULL,
    base_url          TEXT NOT NULL,
    email             TEXT,
    token             BLOB,
    token_key_id      TEXT,
    -- JSON: {"close": [...], "reopen": [...]} transition names (Jira).
    jira_transitions  TEXT NOT NULL DEFAULT '{}',
    sync_interval_secs INTEGER NOT NULL DEFAULT 300,
    -- NULL: never checked; 1 healthy; 0 the last test or sync failed (health_error says why).
    healthy           INTEGER,
    health_error      TEXT,
    health_checked_at TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (tenant_id, name)
) STRICT;

CREATE TABLE project_links (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    integration_id  INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    -- owner/repo, group/project or id, KEY or jql:<filter>
    external        TEXT NOT NULL,
    token           BLOB,
    token_key_id    TEXT,
    -- Sync cursor: newest updated_at seen, and GitHub's ETag of the first page.
    sync_since      TEXT,
    sync_etag       TEXT,
    last_synced_at  TEXT,
    last_full_sync_at TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (project_id, integration_id)
) STRICT;
CREATE INDEX project_links_integration ON project_links(integration_id);

-- A user's own token and identity (login / username / accountId) for an integration.
CREATE TABLE user_integrations (
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    integration_id  INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    token           BLOB,
    token_key_id    TEXT,
    login           TEXT,
    -- Jira: the Atlassian account email the personal token belongs to.
    email           TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (user_id, integration_id)
) STRICT;
CREATE INDEX user_integrations_login ON user_integrations(integration_id, login);

CREATE TABLE sync_runs (
    id               INTEGER PRIMARY KEY,
    integration_id   INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    trigger          TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    requested_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    queued_at        TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    issues_seen      INTEGER NOT NULL DEFAULT 0,
    issues_created   INTEGER NOT NULL DEFAULT 0,
    issues_updated   INTEGER NOT NULL DEFAULT 0,
    issues_removed   INTEGER NOT NULL DEFAULT 0,
    comments_fetched INTEGER NOT NULL DEFAULT 0,
    requests         INTEGER NOT NULL DEFAULT 0,
    error            TEXT
) STRICT;
CREATE INDEX sync_runs_integration ON sync_runs(integration_id, id);
CREATE INDEX sync_runs_state ON sync_runs(state, id);

-- Tracker-backed issues remember their link and the provider's own address.
ALTER TABLE issues ADD COLUMN link_id INTEGER REFERENCES project_links(id) ON DELETE SET NULL;
ALTER TABLE issues ADD COLUMN remote_id TEXT;
ALTER TABLE issues ADD COLUMN removed_at TEXT;
CREATE UNIQUE INDEX issues_link_remote ON issues(link_id, remote_id) WHERE link_id IS NOT NULL;
