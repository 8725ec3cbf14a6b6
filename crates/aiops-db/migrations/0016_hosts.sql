-- Issue 23: session hosts, machines that run sessions over SSH.
CREATE TABLE hosts (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    ssh_user   TEXT NOT NULL,
    address    TEXT NOT NULL,
    port       INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    root       TEXT NOT NULL,
    -- The key aiops logs in with; a deleted key leaves the host without one.
    key_id     INTEGER REFERENCES ssh_keys(id) ON DELETE SET NULL,
    -- A JSON array of strings.
    labels     TEXT NOT NULL DEFAULT '[]',
    capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    draining   INTEGER NOT NULL DEFAULT 0 CHECK (draining IN (0, 1)),
    -- The last `hosts test` report (HostCheck as JSON).
    last_check TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
