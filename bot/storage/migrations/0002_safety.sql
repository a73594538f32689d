-- Exit & wipe, automatic wipe, discreet mode, private checklist ticks (issue 3).

-- NULL: the operator's default wipe time; 0: automatic wipe switched off by the user.
ALTER TABLE users ADD COLUMN wipe_after_minutes INTEGER;
ALTER TABLE users ADD COLUMN discreet INTEGER NOT NULL DEFAULT 1;

-- Ids of the messages in a person's chat with the bot (hers and the bot's), so they can be deleted.
-- Ids and times only: never a text. Rows go as soon as the messages are deleted.
CREATE TABLE chat_messages (
    user_key   TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (user_key, message_id)
) STRICT, WITHOUT ROWID;

-- When a chat is next wiped automatically. The chat id is sealed (AES-GCM under a key derived from
-- BOT_SECRET_KEY), so a copy of the database alone does not say who used the bot.
CREATE TABLE wipe_schedule (
    user_key TEXT PRIMARY KEY,
    chat_ref BLOB NOT NULL,
    due_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX wipe_schedule_due ON wipe_schedule (due_at);

-- Safety-plan ticks, as keyed hashes of (user, screen, item): the database alone does not say which
-- items a person ticked.
CREATE TABLE checklist_ticks (
    user_key TEXT NOT NULL,
    tick     TEXT NOT NULL,
    PRIMARY KEY (user_key, tick)
) STRICT, WITHOUT ROWID;
