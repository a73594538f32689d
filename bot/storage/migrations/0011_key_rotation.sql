-- Key rotation (issue 13, item 3; `python -m bot keys rotate`).
--
-- The rotation re-seals every sealed value and re-wraps every journal key that needs only the server key at
-- once. Two things cannot move at once: pseudonyms (keyed hashes of Telegram ids, which the server does not
-- keep) and journal keys wrapped with a PIN (the PIN is needed). For them the rotation keeps, sealed under the
-- new key, the few keys derived from the old one that they need (never the old key itself); each person's rows
-- move to her new pseudonym the next time she writes, and a PIN journal is re-wrapped the next time it is
-- unlocked. `python -m bot keys finish` ends the rotation: it deletes those derived keys and whatever still
-- waits for a person who never came back.
CREATE TABLE key_rotation (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    previous_check BLOB NOT NULL,              -- the key check value of the key rotated away from
    legacy_keys    BLOB NOT NULL,              -- the old key's pseudonym, checklist and journal subkeys, sealed
    started_at     INTEGER NOT NULL,
    resealed_at    INTEGER                     -- when every sealed value was under the new key; NULL while not
) STRICT;

-- Pseudonyms as they were when the rotation started: the people who have not written since.
CREATE TABLE unmoved_pseudonyms (
    user_key TEXT PRIMARY KEY
) STRICT;

-- A journal whose owner moved to a new pseudonym keeps its ciphertexts bound to the pseudonym it was created
-- under (re-encrypting needs her PIN): that identity is kept here, sealed under the server key. NULL: the
-- journal's own user_key. legacy_kek = 1: its PIN wrap still uses the old key's journal subkey.
ALTER TABLE journal_keys ADD COLUMN binding BLOB;
ALTER TABLE journal_keys ADD COLUMN legacy_kek INTEGER NOT NULL DEFAULT 0;
