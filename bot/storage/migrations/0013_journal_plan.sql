-- Her own safety plan (issue 15, part 2): her words for each step (a trusted person and a code word, where she
-- would go, what to take, …), encrypted under her journal's key like an entry (so the journal's PIN and lock
-- apply), one row per journal; deleting the journal deletes it.
CREATE TABLE journal_plans (
    user_key TEXT PRIMARY KEY REFERENCES journal_keys (user_key) ON DELETE CASCADE,
    payload  BLOB NOT NULL
) STRICT;
