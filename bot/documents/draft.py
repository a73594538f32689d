"""A draft assembled from a template, the chosen journal entries and what she typed, as PDF and DOCX."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.content.documents import DocumentKind, DocumentTemplates
from bot.documents.model import DraftFiles, PersonalDetails
from bot.journal.model import Entry


def render_draft(
    template_set: DocumentTemplates,
    kind: DocumentKind,
    entries: Sequence[Entry],
    details: PersonalDetails,
    today: dt.date,
) -> DraftFiles:
    """Both files built in memory, never written to disk, never logged. Blocking (fpdf2, python-docx): run it
    in a worker thread."""
    raise NotImplementedError
