-- Issue 18 (Slack Socket Mode): a chat integration's second secret, the Slack app-level
-- token (`xapp-…`) that opens Socket Mode connections. Sealed like the bot token, bound to
-- `chat_integration/{id}/app_token`; NULL: the bot polls.
ALTER TABLE chat_integrations ADD COLUMN app_token BLOB;
ALTER TABLE chat_integrations ADD COLUMN app_token_key_id TEXT;
