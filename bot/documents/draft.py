"""A draft assembled from a template, the chosen journal entries and what she typed, as PDF and DOCX.

The template (content/<lang>/documents/<kind>.yaml) gives the words; the entries give the incidents and their
files; PersonalDetails fill {full_name}, {address}, {phone} and {addressee} — or, where she typed nothing, a
blank line she fills in by hand. Both files are drawn from one list of blocks, so they never say different
things, and both are built in memory: nothing here writes a file or logs a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.content.documents import BLOCK_PLACEHOLDERS, BRACES, DocumentKind, DocumentTemplates
from bot.content.i18n import Localizer
from bot.documents.model import DraftFiles, PersonalDetails
from bot.journal.export import FIELD_KEYS, date_order, entry_title, field_value
from bot.journal.model import Attachment, Entry

_Fill = Callable[[str], str]
BLANK = "_" * 30  # where she writes by hand on paper
SHOWN_FIELDS = tuple((name, key) for name, key in FIELD_KEYS if name not in ("occurred_on", "occurred_time"))


@dataclass(frozen=True)
class Note:
    text: str  # the English drafts' "translation, for reading only" line


@dataclass(frozen=True)
class HeaderLines:
    lines: tuple[str, ...]  # top right: to whom, from whom


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Incident:
    title: str  # "Запись №3 · 12 ноября 2026 г., 21:30 · Записано 13 ноября 2026 г., 09:10"
    fields: tuple[tuple[str, str], ...]  # (label, value)


@dataclass(frozen=True)
class AttachmentTable:
    header: tuple[str, str, str, str]
    rows: tuple[tuple[str, str, str, str], ...]


@dataclass(frozen=True)
class FooterLines:
    lines: tuple[str, ...]  # date and signature


Block = Note | HeaderLines | Heading | Paragraph | Incident | AttachmentTable | FooterLines


@dataclass(frozen=True)
class Draft:
    title: str  # the document's metadata title: the kind of document, never her name
    language: str
    today: dt.date
    blocks: tuple[Block, ...]
    ui: Localizer


def assemble(
    template_set: DocumentTemplates,
    kind: DocumentKind,
    entries: Sequence[Entry],
    details: PersonalDetails,
    today: dt.date,
) -> Draft:
    template = template_set.template(kind)
    ui = template_set.ui
    values = {
        "full_name": _typed(details.full_name),
        "address": _typed(details.address),
        "phone": _typed(details.phone),
        "addressee": _typed(details.addressee) if details.addressee and details.addressee.strip() else None,
        "today": ui.date(today),
    }
    inline = {name: value or BLANK for name, value in values.items()}
    inline["addressee"] = values["addressee"] or template.addressee
    chosen = sorted((entry for entry in entries if entry.fields is not None), key=date_order)
    numbered = [(entry, attachment) for entry in chosen for attachment in entry.attachments]

    def fill(text: str) -> str:
        return BRACES.sub(lambda match: inline.get(match.group(1), match.group(0)), text)

    blocks: list[Block] = []
    if template.translation:
        blocks.append(Note(template.translation))
    blocks.append(HeaderLines(tuple(fill(line) for line in template.header)))
    blocks.append(Heading(fill(template.heading)))
    for paragraph in template.text:
        blocks += _paragraph(paragraph, fill, chosen, numbered, ui)
    blocks.append(FooterLines(tuple(fill(line) for line in template.footer)))
    return Draft(template.title, template_set.language, today, tuple(blocks), ui)


def _typed(value: str | None) -> str | None:
    """What she typed, on one line; nothing typed (or only spaces) is a blank to fill in by hand."""
    if value is None or not value.strip():
        return None
    return " ".join(value.split())


def _paragraph(
    text: str,
    fill: _Fill,
    chosen: list[Entry],
    numbered: list[tuple[Entry, Attachment]],
    ui: Localizer,
) -> list[Block]:
    lines = text.split("\n")
    if "attachments" in map(_block_name, lines) and not numbered:
        return []  # "I attach copies of the files:" with no files would mislead
    out: list[Block] = []
    pending: list[str] = []
    for line in lines:
        name = _block_name(line)
        if name is None:
            pending.append(line)
            continue
        if "\n".join(pending).strip():
            out.append(Paragraph(fill("\n".join(pending).strip())))
        pending = []
        out += _incidents(chosen, numbered, ui) if name == "incidents" else [_attachments(numbered, ui)]
    if "\n".join(pending).strip():
        out.append(Paragraph(fill("\n".join(pending).strip())))
    return out


def _block_name(line: str) -> str | None:
    """ "incidents" for a line that is exactly {incidents} (the checker makes sure they stand alone)."""
    stripped = line.strip()
    for name in BLOCK_PLACEHOLDERS:
        if stripped == "{" + name + "}":
            return name
    return None


def _incidents(chosen: list[Entry], numbered: list[tuple[Entry, Attachment]], ui: Localizer) -> list[Block]:
    out: list[Block] = []
    label = ui.text("journal_field_attachments")
    for entry in chosen:
        fields = [(ui.text(key), field_value(getattr(entry.fields, name), ui)) for name, key in SHOWN_FIELDS]
        fields += [
            (label, f"№ {index} · {_kind_and_size(attachment, ui)}")
            for index, (owner, attachment) in enumerate(numbered, start=1)
            if owner is entry
        ]
        # When it was written, beside when it happened: the draft must not claim she wrote it on the day.
        written = ui.text("journal_record_written", datetime=entry.created_at)
        out.append(Incident(f"{entry_title(entry, ui)} · {written}", tuple(fields)))
    return out


def _attachments(numbered: list[tuple[Entry, Attachment]], ui: Localizer) -> AttachmentTable:
    header = (
        ui.text("journal_export_col_number"),
        ui.text("journal_field_date"),
        ui.text("journal_export_col_kind"),
        "SHA-256",
    )
    rows = tuple(
        (str(index), _entry_date(entry, ui), _kind_and_size(attachment, ui), attachment.sha256)
        for index, (entry, attachment) in enumerate(numbered, start=1)
    )
    return AttachmentTable(header, rows)


def _entry_date(entry: Entry, ui: Localizer) -> str:
    assert entry.fields is not None
    return ui.date(entry.fields.occurred_on)


def _kind_and_size(attachment: Attachment, ui: Localizer) -> str:
    # The file's name is left out: she chose it, and it may say more than the file (a name, a place).
    kind = ui.text(f"journal_attachment_kind_{attachment.kind.value}")
    size = ui.text("journal_size_kb", size=max(round(attachment.size / 1024, 1), 0.1))
    return f"{kind}, {size}"


def render_draft(
    template_set: DocumentTemplates,
    kind: DocumentKind,
    entries: Sequence[Entry],
    details: PersonalDetails,
    today: dt.date,
) -> DraftFiles:
    """Both files built in memory, never written to disk, never logged. Blocking (fpdf2, python-docx: a
    fraction of a second; their imports too, the first time): run it in a worker thread."""
    # Imported here, as the journal's export does: fpdf2 and python-docx are slow to import and most starts
    # of the bot never make a draft.
    from bot.documents.docx import render_docx
    from bot.documents.pdf import render_pdf

    draft = assemble(template_set, kind, entries, details, today)
    return DraftFiles(pdf=render_pdf(draft), docx=render_docx(draft), file_stem=f"draft-{today.isoformat()}")
