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
-- Aider takes its prompt typed at its first input prompt (it has no prompt argument that
-- keeps the chat going): the built-in `aider`, where an admin left it as shipped, gets
-- the prompt like the other agents.
UPDATE tools SET prompt = 'argument'
WHERE name = 'aider' AND builtin = 1 AND command = 'aider' AND prompt = 'none';
