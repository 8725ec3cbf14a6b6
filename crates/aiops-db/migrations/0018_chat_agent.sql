-- Issue 18 (phase 2): the `agent` answer backend, and sessions started from a chat.
--
-- `answer` gains 'agent'. A column's own CHECK cannot be changed in place: the column is
-- added anew, filled, the old one dropped and the new one renamed (SQLite's DROP COLUMN
-- allows a CHECK that belongs to the dropped column alone).
ALTER TABLE chat_integrations ADD COLUMN answer_next TEXT NOT NULL DEFAULT 'none'
    CHECK (answer_next IN ('none', 'ollama', 'agent'));
UPDATE chat_integrations SET answer_next = answer;
ALTER TABLE chat_integrations DROP COLUMN answer;
ALTER TABLE chat_integrations RENAME COLUMN answer_next TO answer;
-- The aiops user whose tool credential the agent uses (NULL: the agent cannot answer).
ALTER TABLE chat_integrations ADD COLUMN agent_user_id INTEGER
    REFERENCES users(id) ON DELETE SET NULL;
-- A chat's context expires this long after its last question.
ALTER TABLE chat_integrations ADD COLUMN context_ttl_secs INTEGER NOT NULL DEFAULT 7200;
-- Most chats with a live context at once.
ALTER TABLE chat_integrations ADD COLUMN max_chats INTEGER NOT NULL DEFAULT 10;

-- A chat's agent context: its workspace folder and the agent's conversation to resume.
CREATE TABLE chat_contexts (
    integration_id  INTEGER NOT NULL REFERENCES chat_integrations(id) ON DELETE CASCADE,
    chat_id         TEXT NOT NULL,
    -- The agent's own conversation id (Claude Code's `session_id`), once it answered.
    conversation_id TEXT,
    workspace       TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    last_used_at    TEXT NOT NULL,
    PRIMARY KEY (integration_id, chat_id)
) STRICT;

-- A session started with `work` in a chat: its state changes are posted there.
CREATE TABLE chat_session_watches (
    integration_id INTEGER NOT NULL REFERENCES chat_integrations(id) ON DELETE CASCADE,
    session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    chat_id        TEXT NOT NULL,
    -- The message the bot's notes reply to (its `work` answer).
    reply_to       TEXT,
    -- The last state posted (or seen at the start).
    state          TEXT NOT NULL,
    PRIMARY KEY (integration_id, session_id)
) STRICT;

-- Native issues can be deleted (chat `delete`, `DELETE /issues/{id}`): the highest native
-- number a project ever gave, so a deleted issue's number (and its branch names) is
-- never given again.
ALTER TABLE projects ADD COLUMN native_issue_last INTEGER NOT NULL DEFAULT 0;
UPDATE projects SET native_issue_last = (
    SELECT ifnull(max(number), 0) FROM issues
    WHERE issues.project_id = projects.id AND provider = 'native'
);
