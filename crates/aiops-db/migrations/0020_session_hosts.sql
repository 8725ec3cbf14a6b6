-- Issue 23: sessions run on session hosts. A session keeps the host it runs on (NULL:
-- the control plane's own machine) and its name, which stays after the host is removed;
-- a project may pin its sessions to a host or a label of hosts.
ALTER TABLE sessions ADD COLUMN host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN host_name TEXT;
-- A host name, or `label:<label>` for the least-loaded host with that label; NULL: the
-- control plane's machine.
ALTER TABLE projects ADD COLUMN session_host TEXT;
-- When no pinned host can take a session: `refuse` it with the reason, or run it `local`.
ALTER TABLE projects ADD COLUMN host_fallback TEXT NOT NULL DEFAULT 'refuse'
    CHECK (host_fallback IN ('refuse', 'local'));
-- Since when the host has not answered (the scheduler checks hosts with live sessions);
-- NULL while it answers. Its sessions show `host_unreachable` meanwhile.
ALTER TABLE hosts ADD COLUMN unreachable_since TEXT;
