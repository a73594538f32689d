-- Webhook mode (issue 13, item 7): every update Telegram posts is written here, durably, before the 200 is
-- returned, and deleted once handled. The update's JSON holds her words, so it is sealed (AES-256-GCM, key
-- from BOT_SECRET_KEY by HKDF, bound to its update id); only the id and the arrival time are in the clear.
CREATE TABLE update_inbox (
    update_id   INTEGER PRIMARY KEY,
    body        BLOB NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
