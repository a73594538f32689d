"""The incident journal: guided entries, encrypted at rest, PIN-lockable, tamper-evident, exportable.

Plain async services, no Telegram imports; the Telegram layer drives `service.JournalService`.

    service.py     JournalService: the API (its docstring shows the guided flow step by step)
    keys.py        the per-user data key: wrapping, PIN (Argon2id), lockouts, idle expiry, shredding
    sealing.py     AES-256-GCM with associated data binding each ciphertext to its user and row
    chain.py       the SHA-256 hash chain: canonical encoding, verification
    export.py      the PDF (bundled DejaVu fonts) and plain-text exports
    parsing.py     dates, times and texts as she types them; errors as codes
    model.py       values and errors; codec.py: their encrypted JSON form; repository.py: SQL; files.py: files
    ui_keys.py     the UI strings it needs (content/<lang>/ui_journal.yaml)
"""
