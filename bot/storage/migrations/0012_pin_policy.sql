-- PINs (issue 13, item 4). New PINs have at least 6 characters; a journal whose PIN is shorter (made before)
-- still opens with it and is asked once to lengthen it: pin_short_asked records that she was asked.
ALTER TABLE journal_keys ADD COLUMN pin_short_asked INTEGER NOT NULL DEFAULT 0;

-- The Argon2id parameters measured on this machine so that one PIN guess costs at least 250 ms (new PINs and
-- changed ones use them; every wrap keeps the parameters it was made with).
CREATE TABLE pin_kdf (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    params        TEXT NOT NULL,
    guess_ms      INTEGER NOT NULL,
    calibrated_at INTEGER NOT NULL
) STRICT;
