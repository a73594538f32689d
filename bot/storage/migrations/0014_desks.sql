-- Advocates' desks (issue 14): each case belongs to a desk (an organisation's forum group), the audit log names
-- the desk, an erased case's topic is found by its group as well as its number, and a desk's figures are kept
-- as counts by day. Nothing here names or points to a survivor.

-- The desk that handles the case (BOT_DESKS_FILE id; 'advocates' for the BOT_ADVOCATE_CHAT_ID shorthand). NULL:
-- opened before desks existed, in the one group of BOT_ADVOCATE_CHAT_ID. Topic numbers are per group, so a
-- topic is found by (desk_id, thread_id).
ALTER TABLE cases ADD COLUMN desk_id TEXT;
-- The region she chose (an ISO 3166-2:KZ code such as KZ-75), or NULL: she skipped the question.
ALTER TABLE cases ADD COLUMN region TEXT;
-- When she was told to expect an answer by (unix time), and when an advocate's first reply was queued for her:
-- for the desk's figures (median time to first reply, share answered within the promised wait).
ALTER TABLE cases ADD COLUMN promised_by INTEGER;
ALTER TABLE cases ADD COLUMN first_reply_at INTEGER;
-- The desk's group an item concerns (message ids are per group): for her message, the group its copy was sent
-- to; for an advocate's reply, the group it was written in (and is copied from, even after a transfer). NULL:
-- relayed before desks, in the one group there was. A transfer copies the case's conversation from these.
ALTER TABLE outbox ADD COLUMN group_chat INTEGER;
-- Which group a pair's group message is in (NULL: relayed before desks, in the one group there was).
ALTER TABLE message_pairs ADD COLUMN group_chat INTEGER;
-- The topics a case had at desks it was transferred from: /forget deletes them too.
CREATE TABLE former_topics (
    case_id   INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    chat_id   INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    PRIMARY KEY (case_id, chat_id, thread_id)
) STRICT;
DROP INDEX cases_thread;
CREATE INDEX cases_topic ON cases (desk_id, thread_id);

-- The audit log names the desk, and knows transfers.
CREATE TABLE audit_log_desks (
    id      INTEGER PRIMARY KEY,
    case_code TEXT NOT NULL,
    actor   INTEGER,                                -- the advocate's Telegram id; NULL for the survivor
    action  TEXT NOT NULL CHECK (
        action IN ('open', 'claim', 'release', 'close', 'reopen', 'erase', 'export', 'transfer')
    ),
    at      INTEGER NOT NULL,
    desk_id TEXT                                    -- the desk acted in (a transfer: the desk it left)
) STRICT;
INSERT INTO audit_log_desks (id, case_code, actor, action, at) SELECT id, case_code, actor, action, at FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_desks RENAME TO audit_log;

-- An erased case's topic is deleted from its group (deleteForumTopic) and the group's general topic told, by the
-- group's id and the topic's number. chat_id 0: erased before desks existed (BOT_ADVOCATE_CHAT_ID's group), or in a
-- group no longer configured.
CREATE TABLE erased_topics_desks (
    chat_id    INTEGER NOT NULL,
    thread_id  INTEGER NOT NULL,
    code       TEXT NOT NULL,
    erased_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, thread_id)
) STRICT;
INSERT INTO erased_topics_desks (chat_id, thread_id, code, erased_at) SELECT 0, thread_id, code, erased_at FROM erased_topics;
DROP TABLE erased_topics;
ALTER TABLE erased_topics_desks RENAME TO erased_topics;

-- A desk's figures for `python -m bot desks stats`: what happened, on which day (Kazakhstan time, never a time of
-- day), with no case code — so they outlive erased and purged cases and point to nobody.
CREATE TABLE desk_events (
    id       INTEGER PRIMARY KEY,
    desk_id  TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('opened', 'closed', 'first_reply', 'transfer_out', 'transfer_in')),
    day      TEXT NOT NULL,                         -- YYYY-MM-DD
    minutes  INTEGER,                               -- first_reply: minutes from opening to the first reply
    in_time  INTEGER                                -- first_reply: 1 if within the wait she was promised
) STRICT;
CREATE INDEX desk_events_day ON desk_events (day);

-- The pinned queue is per desk now: the shorthand desk keeps the message it had.
UPDATE desk_state SET key = 'queue_message_id:advocates' WHERE key = 'queue_message_id';
