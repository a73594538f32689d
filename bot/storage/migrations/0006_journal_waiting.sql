-- Since when the journal waits for something she types (a PIN, an answer of the guided entry), if it does.
-- The journal's place is kept in memory only; after a restart this says that a text she sends may be meant
-- for the journal — a PIN or a private note — and must not be taken as a message to her advocate.
ALTER TABLE users ADD COLUMN journal_waiting_since INTEGER;
