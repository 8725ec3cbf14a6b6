-- 0006: SSH keys for git over ssh (a user's own keys, or a project's deploy key) and the
-- server's own known_hosts, with first-use confirmation. Shipped migrations are never
-- edited.

-- Exactly one owner: a user (their keys) or a project (its deploy key). The private key
-- is either sealed here (`sealed`, `key_id`) or a path on the server's disk (`path`,
-- single-user installs, admins only). `fingerprint` is OpenSSH's `SHA256:…`.
CREATE TABLE ssh_keys (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    project_id  INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    sealed      BLOB,
    key_id      TEXT,
    path        TEXT,
    created_at  TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (project_id IS NULL)),
    CHECK ((sealed IS NULL) <> (path IS NULL)),
    CHECK ((sealed IS NULL) = (key_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX ssh_keys_user_name ON ssh_keys (user_id, name) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX ssh_keys_project ON ssh_keys (project_id) WHERE project_id IS NOT NULL;

-- Host keys seen by aiops. `host` as known_hosts writes it: `name` for port 22,
-- `[name]:port` otherwise. A key is used only once `trusted`; `pending` keys were seen on
-- first contact and wait for someone to compare the fingerprint and confirm it.
CREATE TABLE known_hosts (
    host         TEXT NOT NULL,
    key_type     TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'trusted')),
    seen_at      TEXT NOT NULL,
    confirmed_at TEXT,
    confirmed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (host, key_type)
) STRICT, WITHOUT ROWID;
