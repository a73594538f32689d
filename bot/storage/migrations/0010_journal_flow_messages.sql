-- What must not linger (issue 13, item 10; security review, item 1), in three parts: the journal flow's message
-- ids, the topics of erased cases still to be told, and the sealed reference of a photo waiting to be relayed
-- without its metadata.

-- The journal flow's messages (issue 13, item 10): the guided entry's prompts and answers and the PIN dialog's
-- messages, which the flow deletes when it ends. Kept here rather than in memory only, so that a restart in the
-- middle of an entry or a PIN dialog does not leave them in her chat. Ids only; never text.
CREATE TABLE journal_flow_messages (
    user_key   TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('entry', 'pin')),
    PRIMARY KEY (user_key, message_id)
) STRICT;

-- A case she erased (/forget, issue 13, item 10) is deleted at once, with its relay data and its audit lines
-- but one ("case #CODE was erased"). What the advocates' group must still be told waits here: the topic to
-- close and tell, by its number and the case code — nothing of her. The row goes once the group was told.
CREATE TABLE erased_topics (
    thread_id       INTEGER PRIMARY KEY,
    code            TEXT NOT NULL,
    card_message_id INTEGER,
    erased_at       INTEGER NOT NULL
) STRICT;

-- A photo she sends as a file is relayed redrawn without its metadata (GPS, camera, time) and under a neutral
-- name (security review, item 1). The relay needs the file's id and her caption for that, which the outbox
-- otherwise never holds: both are sealed (AES-256-GCM, key from BOT_SECRET_KEY by HKDF, bound to her case and
-- the message), and cleared once the item is sent or dropped.
ALTER TABLE outbox ADD COLUMN file_ref BLOB;
