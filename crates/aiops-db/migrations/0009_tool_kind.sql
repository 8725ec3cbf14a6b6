-- Issue 15: a tool declares which agent it is (claude, codex, aider, generic): that kind,
-- not its name or its program, decides its hooks, its keys and its tool-home files. The
-- `hooks` column stays (older clients read it); it follows `kind`.
ALTER TABLE tools ADD COLUMN kind TEXT NOT NULL DEFAULT 'generic'
    CHECK (kind IN ('claude', 'codex', 'aider', 'generic'));
UPDATE tools SET kind = CASE
    WHEN hooks IN ('claude', 'codex') THEN hooks
    WHEN name = 'aider' OR command = 'aider' OR command LIKE '%/aider' THEN 'aider'
    ELSE 'generic'
END;
