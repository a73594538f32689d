-- Handoff to advocates (issue 5): cases, the relay outbox, message pairs for replies, the audit log.
-- The survivor is known only by her pseudonym (user_key) and her sealed chat id; advocates are staff and
-- are recorded by their Telegram id in the audit log. No message text is stored: the relay copies messages
-- by id with copyMessage, so texts stay on Telegram.

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,           -- what advocates see, e.g. K7Q2
    user_key        TEXT,                           -- NULL once she erased her data
    chat_ref        BLOB,                           -- her chat id, sealed; NULL once erased
    language        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed', 'erased')),
    urgent          INTEGER NOT NULL DEFAULT 0,
    triage          TEXT NOT NULL DEFAULT '',       -- answer codes only (safe=no;help=legal;when=evening)
    thread_id       INTEGER,                        -- the forum topic of the case
    card_message_id INTEGER,
    claimed_by      INTEGER,
    claimed_name    TEXT,                           -- the advocate's first name, shown on the card
    blocked         INTEGER NOT NULL DEFAULT 0,     -- she blocked the bot: replies cannot reach her
    opened_at       INTEGER NOT NULL,
    activity_at     INTEGER NOT NULL,
    pinged_at       INTEGER,
    closed_at       INTEGER
) STRICT;
CREATE INDEX cases_user ON cases (user_key);
CREATE INDEX cases_thread ON cases (thread_id);

-- Written before anything is sent, marked after: a crash, a 429 or a 5xx delays a message, never loses it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('to_group', 'to_survivor')),
    source_message  INTEGER,                        -- the message to copy (in her chat or in the group)
    media_group_id  TEXT,                           -- album parts travel together
    reply_to        INTEGER,                        -- the source message it replies to, if any
    notice          TEXT,                           -- a bot notice for the topic (by key, never her words)
    -- shown: a discreet notice that she has opened (tapping Show twice must not deliver twice)
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'shown', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_message    INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);
-- Telegram may deliver an update twice (after a crash, before its offset was confirmed): relay it once.
CREATE UNIQUE INDEX outbox_once ON outbox (case_id, direction, source_message) WHERE source_message IS NOT NULL;

-- Which message in her chat is which message in the topic, so replies keep their reply-to links.
CREATE TABLE message_pairs (
    case_id         INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    survivor_message INTEGER NOT NULL,
    group_message   INTEGER NOT NULL,
    PRIMARY KEY (case_id, survivor_message, group_message)
) STRICT, WITHOUT ROWID;
CREATE INDEX pairs_group ON message_pairs (group_message);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    case_code TEXT NOT NULL,
    actor   INTEGER,                                -- the advocate's Telegram id; NULL for the survivor
    action  TEXT NOT NULL CHECK (action IN ('open', 'claim', 'release', 'close', 'reopen', 'erase', 'export')),
    at      INTEGER NOT NULL
) STRICT;

-- Small facts about the advocates' group the bot must remember across restarts (the pinned queue message).
CREATE TABLE desk_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
