-- The incident journal (issue 4). Everything a person writes is encrypted before it reaches this file
-- (bot/journal/): entry fields, drafts, attachment names and types. What stays in clear is only what the
-- server needs to find rows: the pseudonymous user_key, random ids, positions in the chain and hashes.

-- One row per journal: the per-user data key, only ever stored wrapped (AES-256-GCM) by a key derived from
-- BOT_SECRET_KEY, and, when she set a PIN, also from Argon2id(PIN, pin_salt). Deleting this row destroys
-- every entry and file of the journal (crypto-shredding).
CREATE TABLE journal_keys (
    user_key     TEXT PRIMARY KEY,
    wrapped_key  BLOB NOT NULL,
    pin_salt     BLOB,                               -- NULL: no PIN
    pin_kdf      TEXT,                               -- Argon2id parameters of this wrap, e.g. 'argon2id;t=3;m=65536;p=1'
    chain_head   BLOB,                               -- sealed (length, last hash) of the chain; NULL while empty
    failed_tries INTEGER NOT NULL DEFAULT 0,         -- wrong PINs since the last success or lockout
    lockouts     INTEGER NOT NULL DEFAULT 0,         -- lockouts since the last success; each one doubles the next
    locked_until INTEGER NOT NULL DEFAULT 0,         -- unix time; 0 when not locked
    CHECK ((pin_salt IS NULL) = (pin_kdf IS NULL))
) STRICT;

-- Entries, corrections and gap records: the links of one hash chain per journal, in the order written.
-- entry_id is random; payload is nonce || AES-GCM(data key, padded JSON), bound to (user_key, entry_id, seq).
CREATE TABLE journal_entries (
    user_key   TEXT NOT NULL REFERENCES journal_keys (user_key) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    entry_id   TEXT NOT NULL UNIQUE,
    entry_hash BLOB NOT NULL CHECK (length(entry_hash) = 32),
    payload    BLOB NOT NULL,
    PRIMARY KEY (user_key, seq)
) STRICT;

-- The entry being written step by step, so it survives a restart. Encrypted like an entry.
CREATE TABLE journal_drafts (
    user_key TEXT PRIMARY KEY REFERENCES journal_keys (user_key) ON DELETE CASCADE,
    payload  BLOB NOT NULL
) STRICT;

-- Attachment files under BOT_DATA_DIR/journal/, by their random names, so that deleting a journal can
-- remove its files without reading anything. Original names and types are only inside the encrypted entry.
CREATE TABLE journal_files (
    file_name TEXT PRIMARY KEY,
    user_key  TEXT NOT NULL REFERENCES journal_keys (user_key) ON DELETE CASCADE
) STRICT;
CREATE INDEX journal_files_user ON journal_files (user_key);
