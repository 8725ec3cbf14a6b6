-- Issue 21: MCP servers an admin gives every session of a tenant (project_id NULL) or of
-- one project, and whether a project's sessions get aiops's own MCP server. Secrets
-- (the stdio server's environment values, the remote server's header value) are one
-- sealed JSON object; only their names are stored in clear.
CREATE TABLE mcp_servers (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    project_id  INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    command     TEXT NOT NULL DEFAULT '[]',  -- JSON array: program, arguments (stdio)
    url         TEXT,                         -- Streamable HTTP endpoint (remote)
    env_names   TEXT NOT NULL DEFAULT '[]',  -- JSON array of variable names
    header_name TEXT,
    secrets     BLOB,                         -- sealed {"env": {…}, "header": "…"}
    key_id      TEXT,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX mcp_servers_name ON mcp_servers (tenant_id, ifnull(project_id, 0), name);

CREATE TABLE project_mcp (
    project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    aiops       INTEGER NOT NULL CHECK (aiops IN (0, 1))
) STRICT;
