-- 0005: agent sessions, the event log behind /api/v1/events, the tool table, per-project
-- workspace settings and per-user tool credentials. Shipped migrations are never edited.

-- How a project's sessions get a working copy: a git worktree per issue (default) or the
-- user's base clone itself. Setup: ignored files copied from the base clone into a new
-- worktree (JSON array of relative paths) and a command run there once (JSON argv).
ALTER TABLE projects ADD COLUMN isolation TEXT NOT NULL DEFAULT 'worktree'
    CHECK (isolation IN ('worktree', 'in-place'));
ALTER TABLE projects ADD COLUMN setup_files TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN setup_command TEXT NOT NULL DEFAULT '[]';

-- What `--tool <name>` starts. JSON columns: args (after the command, the safe default
-- permission mode included), yolo_args (replace the permission part of args under --yolo;
-- empty = the tool has no such mode), env (object of extra variables).
CREATE TABLE tools (
    name       TEXT PRIMARY KEY,
    command    TEXT NOT NULL,
    args       TEXT NOT NULL DEFAULT '[]',
    yolo_args  TEXT NOT NULL DEFAULT '[]',
    env        TEXT NOT NULL DEFAULT '{}',
    -- How the initial prompt reaches the tool: as the last argument, or not at all.
    prompt     TEXT NOT NULL DEFAULT 'none' CHECK (prompt IN ('argument', 'none')),
    -- Which agent hooks aiops writes into the worktree so the tool reports its state.
    hooks      TEXT NOT NULL DEFAULT 'none' CHECK (hooks IN ('claude', 'codex', 'none')),
    builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    updated_at TEXT NOT NULL
) STRICT;

INSERT INTO tools (name, command, args, yolo_args, prompt, hooks, builtin, updated_at) VALUES
    ('claude', 'claude', '["--permission-mode","acceptEdits"]',
        '["--dangerously-skip-permissions"]', 'argument', 'claude', 1, '2026-11-22T00:00:00.000Z'),
    ('codex', 'codex', '["--sandbox","workspace-write","--ask-for-approval","on-request"]',
        '["--dangerously-bypass-approvals-and-sandbox"]', 'argument', 'codex', 1, '2026-11-22T00:00:00.000Z'),
    ('aider', 'aider', '[]', '["--yes-always"]', 'none', 'none', 1, '2026-11-22T00:00:00.000Z'),
    ('shell', 'bash', '["-l"]', '[]', 'none', 'none', 1, '2026-11-22T00:00:00.000Z');

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
    issue_id      INTEGER REFERENCES issues(id) ON DELETE SET NULL,
    tool          TEXT NOT NULL,
    yolo          INTEGER NOT NULL DEFAULT 0 CHECK (yolo IN (0, 1)),
    prompt        TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL
        CHECK (state IN ('starting', 'running', 'waiting', 'exited', 'failed', 'killed')),
    exit_code     INTEGER,
    -- Why a session failed, or what the last state report said.
    detail        TEXT NOT NULL DEFAULT '',
    branch        TEXT NOT NULL,
    worktree_path TEXT NOT NULL,
    tmux_name     TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    ended_at      TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id, id);
CREATE INDEX sessions_live ON sessions(state) WHERE state IN ('starting', 'running', 'waiting');

-- A session-scoped API key belongs to one session and dies with it.
ALTER TABLE api_keys ADD COLUMN session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE;

-- The event log: what /api/v1/events streams (its id is the SSE event id, so
-- Last-Event-ID resumes exactly). Visibility: user_id set → that user and admins;
-- otherwise members of project_id / tenant_id; neither → admins only.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    tenant_id  INTEGER,
    project_id INTEGER,
    user_id    INTEGER,
    payload    TEXT NOT NULL   -- JSON
) STRICT;

-- Tool credentials of one user (Anthropic key, Claude OAuth token, OpenAI key, Codex
-- auth.json), sealed like provider tokens; they reach only that user's sessions.
CREATE TABLE tool_credentials (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL
        CHECK (kind IN ('anthropic_api_key', 'claude_oauth_token', 'openai_api_key', 'codex_auth_json')),
    sealed     BLOB NOT NULL,
    key_id     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
) STRICT, WITHOUT ROWID;
