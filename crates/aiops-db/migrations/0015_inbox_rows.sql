-- Issue 20: inbox rows show the issue's live session and its pull request.
-- The pull requests aiops opened for an issue (and their state as aiops last saw it:
-- merged or closed through aiops). A pull request opened elsewhere is not known here.
CREATE TABLE issue_pull_requests (
    issue_id   INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    provider   TEXT NOT NULL CHECK (provider IN ('github', 'gitlab')),
    number     INTEGER NOT NULL,
    url        TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('open', 'closed', 'merged')),
    opened_at  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (issue_id, provider, number)
) STRICT;
CREATE INDEX issue_pull_requests_number ON issue_pull_requests (provider, number);

-- The newest live session of an issue, once per inbox row.
CREATE INDEX sessions_issue_live ON sessions (issue_id, id)
    WHERE state IN ('starting', 'running', 'waiting');
