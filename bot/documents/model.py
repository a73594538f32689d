"""The values a draft is made of: what she types for one document, and the files it becomes."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, repr=False)
class PersonalDetails:
    """Typed for one document, used once, never stored. Any field may be None: she writes it by hand on paper
    (the draft then shows a blank line ______ there). __repr__/__str__ never show the values."""

    full_name: str | None = None
    address: str | None = None
    phone: str | None = None
    addressee: str | None = None  # to whom; None -> the template's default addressee line with a blank

    def __repr__(self) -> str:
        # Which fields were given, never what: a traceback or a debug log must not carry her name.
        given = ", ".join(f"{field.name}={'<given>' if getattr(self, field.name) else None}" for field in fields(self))
        return f"PersonalDetails({given})"

    __str__ = __repr__


@dataclass(frozen=True)
class DraftFiles:
    pdf: bytes
    docx: bytes
    file_stem: str  # neutral, no name or kind of abuse in it, e.g. "draft-2026-12-02"
