-- 0004: the global agent instructions, versioned. Every change (and every rollback)
-- appends a version; the newest is current. Shipped migrations are never edited.

CREATE TABLE agent_instructions (
    version        INTEGER PRIMARY KEY,
    body           TEXT NOT NULL,
    author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    author         TEXT NOT NULL,
    -- Why it changed ("rollback to 3", a user's note).
    note           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
) STRICT;
