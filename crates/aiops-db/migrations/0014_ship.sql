-- Issue 20: review comments on a session's changes, sent back to its agent as one
-- consolidated prompt. (Numbered 0014: 0013 is reserved for work landing beside this.)
CREATE TABLE review_comments (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('old', 'new')),
    line_start  INTEGER NOT NULL,
    line_end    INTEGER NOT NULL,
    quote       TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'draft'
        CHECK (state IN ('draft', 'queued', 'sent', 'resolved')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sent_at     TEXT
) STRICT;
CREATE INDEX review_comments_session ON review_comments (session_id, id);

-- The tool of the user's newest session: the tool picker's default (a remembered
-- choice), set when a session starts.
ALTER TABLE users ADD COLUMN last_tool TEXT;
