-- 0007: the session sandbox (issue 14). What contained each session's command:
-- 'bubblewrap' (Linux), 'seatbelt' (macOS) or 'none'. Sessions from before this
-- migration ran unsandboxed, which 'none' says truthfully.
ALTER TABLE sessions ADD COLUMN sandbox TEXT NOT NULL DEFAULT 'none';

-- Where a user's tool home is, when an admin moved it from <data>/homes/<user id>.
ALTER TABLE users ADD COLUMN tool_home TEXT;
