-- The journal flow's messages (issue 13, item 10): the guided entry's prompts and answers and the PIN dialog's
-- messages, which the flow deletes when it ends. Kept here rather than in memory only, so that a restart in the
-- middle of an entry or a PIN dialog does not leave them in her chat. Ids only; never text.
CREATE TABLE journal_flow_messages (
    user_key   TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('entry', 'pin')),
    PRIMARY KEY (user_key, message_id)
) STRICT;
