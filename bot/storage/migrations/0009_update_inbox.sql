-- Webhook mode (issue 13, item 7): every update Telegram posts is written here, durably, before the 200 is
-- returned, and deleted once handled. The update's JSON holds her words, so it is sealed (AES-256-GCM, key
-- from BOT_SECRET_KEY by HKDF, bound to its update id); only the id and the arrival time are in the clear.
CREATE TABLE update_inbox (
    update_id   INTEGER PRIMARY KEY,
    body        BLOB NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;

-- The ids of updates already handled (and deleted from the inbox), so that Telegram sending one again — it
-- retries when the 200 was lost — is answered without handling it twice. Ids and times only; kept for a day,
-- as long as Telegram keeps an undelivered update.
CREATE TABLE update_done (
    update_id INTEGER PRIMARY KEY,
    done_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX update_done_at ON update_done (done_at);

-- Deleting a handled update and remembering its id are one statement, so one cannot happen without the other.
CREATE TRIGGER update_inbox_done AFTER DELETE ON update_inbox
BEGIN
    INSERT OR IGNORE INTO update_done (update_id, done_at) VALUES (old.update_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
