"""UI strings the handoff uses (content/<lang>/ui_handoff.yaml), with the placeholders each may contain."""

HANDOFF_UI_KEYS: dict[str, frozenset[str]] = {}
