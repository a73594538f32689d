-- Which key the database belongs to (issue 13, item 2): a check value derived from BOT_SECRET_KEY by HKDF,
-- recorded when the database is first used with a key. It reveals nothing of the key; a start with another
-- key is refused instead of silently giving every person a new pseudonym.
CREATE TABLE key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BLOB NOT NULL,
    recorded_at INTEGER NOT NULL
) STRICT;
