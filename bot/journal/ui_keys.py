"""UI strings the journal uses (content/<lang>/ui_journal.yaml), with the placeholders each may contain."""

JOURNAL_UI_KEYS: dict[str, frozenset[str]] = {}
