-- Single messages to delete at a given time (an exported journal, some minutes after it was sent), kept in the
-- database so that a restart does not forget them (issue 13, item 10). Ids and times only; the chat id is
-- sealed like the wipe schedule's.
CREATE TABLE timed_deletions (
    user_key   TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    chat_ref   BLOB NOT NULL,
    due_at     INTEGER NOT NULL,
    PRIMARY KEY (user_key, message_id)
) STRICT;
CREATE INDEX timed_deletions_due ON timed_deletions (due_at);
