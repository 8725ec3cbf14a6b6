-- Issue 16: the defaults the seed system's CLI had. A user's preferred tool for
-- `issues work` / `sessions start` without `--tool` (NULL: the server's `default_tool`,
-- else the first installed of claude, codex, aider, shell), and a project's merge method
-- for `git pr-merge` without `--method`.
ALTER TABLE users ADD COLUMN default_tool TEXT;
ALTER TABLE projects ADD COLUMN merge_method TEXT NOT NULL DEFAULT 'merge'
    CHECK (merge_method IN ('merge', 'squash', 'rebase'));
