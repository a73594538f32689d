-- Who is using the bot, reduced to what the bot needs to carry on a conversation after a restart.
-- user_key is a keyed hash of the Telegram user id (bot/privacy.py); the raw id is never stored here.
CREATE TABLE users (
    user_key   TEXT PRIMARY KEY,
    language   TEXT CHECK (language IN ('ru', 'kk', 'en')),
    screen     TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
