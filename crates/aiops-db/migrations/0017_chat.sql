-- Issue 18 (phase 1): chat integrations (a Telegram or Slack bot) of a tenant and the
-- state their pollers keep. The bot token is sealed like tracker tokens
-- (aiops_core::sealed): nonce ‖ ciphertext ‖ tag, with the id of the key that sealed it.
CREATE TABLE chat_integrations (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    platform            TEXT NOT NULL CHECK (platform IN ('telegram', 'slack')),
    token               BLOB,
    token_key_id        TEXT,
    -- The platform's API root when not the public one (a local Telegram Bot API server).
    api_url             TEXT,
    enabled             INTEGER NOT NULL DEFAULT 1,
    -- JSON array of chat ids (strings); empty: every chat the bot is in.
    allowed_chats       TEXT NOT NULL DEFAULT '[]',
    group_only          INTEGER NOT NULL DEFAULT 1,
    keyword             TEXT,
    default_project_id  INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    answer              TEXT NOT NULL DEFAULT 'none' CHECK (answer IN ('none', 'ollama')),
    ollama_url          TEXT,
    model               TEXT,
    answer_timeout_secs INTEGER NOT NULL DEFAULT 120,
    -- What the poller last saw: `ok` or the last error (redacted), and when.
    health              TEXT,
    last_event_at       TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (tenant_id, name)
) STRICT;

-- A chat user (the platform's user id) acting as an aiops user.
CREATE TABLE chat_users (
    integration_id   INTEGER NOT NULL REFERENCES chat_integrations(id) ON DELETE CASCADE,
    platform_user_id TEXT NOT NULL,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (integration_id, platform_user_id)
) STRICT;

-- Every event handled, by the platform's own id (`update/<update_id>` on Telegram): an
-- event seen twice (a duplicate delivery, a restart before the offset moved) is skipped.
CREATE TABLE chat_processed (
    integration_id INTEGER NOT NULL REFERENCES chat_integrations(id) ON DELETE CASCADE,
    event_key      TEXT NOT NULL,
    processed_at   TEXT NOT NULL,
    PRIMARY KEY (integration_id, event_key)
) STRICT;
CREATE INDEX chat_processed_at ON chat_processed (processed_at);

-- An issue waiting for its ✅/❌; gone once answered, dead after `expires_at`.
CREATE TABLE chat_previews (
    id               INTEGER PRIMARY KEY,
    integration_id   INTEGER NOT NULL REFERENCES chat_integrations(id) ON DELETE CASCADE,
    chat_id          TEXT NOT NULL,
    message_id       TEXT,
    platform_user_id TEXT NOT NULL,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id       INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL
) STRICT;
CREATE INDEX chat_previews_expiry ON chat_previews (expires_at);

-- Where each poll resumes: Telegram's next `offset` (scope ''), Slack's last `ts` per
-- channel (scope = channel id).
CREATE TABLE chat_cursors (
    integration_id INTEGER NOT NULL REFERENCES chat_integrations(id) ON DELETE CASCADE,
    scope          TEXT NOT NULL,
    cursor         TEXT NOT NULL,
    PRIMARY KEY (integration_id, scope)
) STRICT;
