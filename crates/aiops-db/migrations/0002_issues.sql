-- 0002: issues from every provider, their labels and comments, and full-text search.
-- Shipped migrations are never edited: add a new numbered file instead.

CREATE TABLE issues (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL CHECK (provider IN ('native', 'github', 'gitlab', 'jira')),
    -- '#12' or 'PROJ-12': unique per project and provider.
    external_id     TEXT NOT NULL,
    -- Native issues number per project: #1, #2, ...
    number          INTEGER,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    provider_status TEXT NOT NULL,
    assignee        TEXT,
    author          TEXT,
    url             TEXT,
    comments        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT,
    UNIQUE (project_id, provider, external_id)
) STRICT;
CREATE INDEX issues_status ON issues(status, id);
CREATE INDEX issues_project ON issues(project_id, status, id);
CREATE INDEX issues_assignee ON issues(assignee, id);

CREATE TABLE issue_labels (
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    label    TEXT NOT NULL,
    PRIMARY KEY (issue_id, label)
) STRICT, WITHOUT ROWID;
CREATE INDEX issue_labels_label ON issue_labels(label, issue_id);

CREATE TABLE issue_comments (
    id             INTEGER PRIMARY KEY,
    issue_id       INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    -- The tracker's comment id; NULL for native comments.
    external_id    TEXT,
    author         TEXT NOT NULL,
    author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (issue_id, external_id)
) STRICT;
CREATE INDEX issue_comments_issue ON issue_comments(issue_id, id);

-- Full-text search over title and description, kept in step by triggers.
CREATE VIRTUAL TABLE issues_fts USING fts5(
    title, description, content = 'issues', content_rowid = 'id'
);
CREATE TRIGGER issues_fts_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issues_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER issues_fts_delete AFTER DELETE ON issues BEGIN
    INSERT INTO issues_fts (issues_fts, rowid, title, description)
    VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER issues_fts_update AFTER UPDATE OF title, description ON issues BEGIN
    INSERT INTO issues_fts (issues_fts, rowid, title, description)
    VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO issues_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
