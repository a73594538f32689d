"""The journal as a document for a lawyer or the police: a PDF (fpdf2, bundled DejaVu fonts, which cover
the Kazakh letters ә ғ қ ң ө ұ ү һ і) and the same content as plain text.

Both are built from one list of blocks, so they never say different things. Contents, in her language:
a header saying what the document is (kept by the person herself through the help bot; export date; UTC+5;
how the chain works and whether it verified), the entries in incident-date order with every field
("not stated" where empty), corrections and what they correct, photos (JPEG/PNG) embedded, each attachment
with its SHA-256, the deletions (gap records) and the hash chain with each link's creation time.

These are blocking functions (seconds for a large journal): the service runs them in a worker thread. They
return bytes/str; sending is the Telegram layer's job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_time

from bot.content.i18n import Localizer
from bot.journal.model import Attachment, ChainReport, ChildrenPresent, Entry, RecordKind
from bot.journal.plan import SafetyPlan

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MAX_IMAGE_PIXELS = 1600  # longest side of a photo as embedded; the hash listed is the original's
IMAGE_BOX_MM = (100.0, 80.0)
KEEP_WITH_NEXT_MM = 35.0  # an entry heading is not left alone at the foot of a page

FIELD_KEYS = (
    ("occurred_on", "journal_field_date"),
    ("occurred_time", "journal_field_time"),
    ("place", "journal_field_place"),
    ("what_happened", "journal_field_what_happened"),
    ("injuries", "journal_field_injuries"),
    ("witnesses", "journal_field_witnesses"),
    ("children_present", "journal_field_children"),
    ("police", "journal_field_police"),
    ("medical_visit", "journal_field_medical"),
)
KIND_KEYS = {kind: f"journal_kind_{kind.value}" for kind in RecordKind}


@dataclass(frozen=True)
class ExportData:
    records: Sequence[Entry]  # every link, in chain order
    report: ChainReport
    exported_at: dt.datetime
    load_image: Callable[[Attachment], bytes | None]  # decrypted bytes, or None if unreadable
    plan: SafetyPlan | None = None  # her own safety plan, a section of its own when she wrote any of it


# The document as blocks, shared by both renderers.


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class SubHeading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # smaller, grey: who wrote it when, corrections


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Photo:
    attachment: Attachment
    caption: str


@dataclass(frozen=True)
class ChainTable:
    header: tuple[str, str, str, str]
    rows: tuple[tuple[str, str, str, str], ...]


Block = Title | Heading | SubHeading | Paragraph | Field | Photo | ChainTable


def blocks(data: ExportData, ui: Localizer) -> list[Block]:
    records = list(data.records)
    numbers = {record.entry_id: record.number for record in records}
    entries = sorted((record for record in records if record.fields is not None), key=date_order)
    out: list[Block] = [
        Title(ui.text("journal_export_title")),
        Paragraph(ui.text("journal_export_intro", date=data.exported_at)),
        Paragraph(ui.text("journal_export_timezone")),
        # Incidents, not versions: a corrected entry and its correction count once.
        Paragraph(ui.plural("journal_export_count", sum(1 for entry in entries if not entry.corrected_by))),
        Paragraph(ui.text("journal_export_chain_explained")),
    ]
    if data.report.broken is None:
        out.append(Paragraph(ui.text("journal_export_chain_ok")))
    else:
        out.append(Paragraph(ui.text("journal_export_chain_broken", number=data.report.broken.number)))

    if data.plan is not None and data.plan.filled:
        out.append(Heading(ui.text("journal_export_plan")))
        out += [Field(ui.text(f"journal_plan_step_{step}"), text) for step, text in data.plan.answers.items()]

    out.append(Heading(ui.text("journal_export_entries")))
    if not entries:
        out.append(Paragraph(ui.text("journal_export_no_entries")))
    for entry in entries:
        out += _entry_blocks(entry, numbers, ui)

    deletions = [record for record in records if record.kind in (RecordKind.GAP, RecordKind.UNREADABLE)]
    if deletions:
        out.append(Heading(ui.text("journal_export_deletions")))
    for record in deletions:
        if record.kind is RecordKind.UNREADABLE:
            out.append(Paragraph(ui.text("journal_record_unreadable", number=record.number)))
            continue
        out.append(SubHeading(ui.text("journal_record_gap", number=record.number)))
        out.append(Paragraph(_written(record, ui), note=True))
        out += [
            Paragraph(ui.text("journal_record_removed", number=link.seq, hash=link.entry_hash))
            for link in record.removed
        ]

    out.append(Heading(ui.text("journal_export_chain")))
    header = (
        ui.text("journal_export_col_number"),
        ui.text("journal_export_col_kind"),
        ui.text("journal_export_col_created"),
        "SHA-256",
    )
    out.append(ChainTable(header, tuple(_chain_rows(records, ui))))
    out.append(Paragraph(ui.text("journal_export_attachments_note"), note=True))
    return out


def _chain_rows(records: list[Entry], ui: Localizer) -> list[tuple[str, str, str, str]]:
    """Every link in order, the deleted ones too (as their gap records remember them)."""
    rows = {
        record.number: (
            f"#{record.number}",
            ui.text(KIND_KEYS[record.kind]),
            ui.datetime(record.created_at) if record.created_at else "—",
            record.entry_hash,
        )
        for record in records
    }
    for record in records:
        for link in record.removed:
            rows.setdefault(link.seq, (f"#{link.seq}", ui.text("journal_kind_removed"), "—", link.entry_hash))
    return [rows[number] for number in sorted(rows)]


def _entry_blocks(entry: Entry, numbers: dict[str, int], ui: Localizer) -> list[Block]:
    fields = entry.fields
    assert fields is not None
    out: list[Block] = [
        SubHeading(entry_title(entry, ui)),
        Paragraph(_written(entry, ui), note=True),
    ]
    if entry.corrects:
        number = numbers.get(entry.corrects)
        if number is not None:
            out.append(Paragraph(ui.text("journal_record_correction_of", number=number), note=True))
    if entry.corrected_by and entry.corrected_by in numbers:
        out.append(Paragraph(ui.text("journal_record_corrected_by", number=numbers[entry.corrected_by]), note=True))
    for name, key in FIELD_KEYS:
        out.append(Field(ui.text(key), field_value(getattr(fields, name), ui)))
    label = ui.text("journal_field_attachments")
    if not entry.attachments:
        out.append(Field(label, ui.text("journal_value_missing")))
    for attachment in entry.attachments:
        out.append(Field(label, _attachment_line(attachment, ui)))
    out += [
        Photo(attachment, attachment.name or ui.text("journal_attachment_unnamed"))
        for attachment in entry.attachments
        if attachment.maybe_image
    ]
    return out


def entry_title(entry: Entry, ui: Localizer) -> str:
    """ "Record #3 · 12 November 2026, 21:30": how the export and the statement drafts head an entry."""
    assert entry.fields is not None
    when = ui.date(entry.fields.occurred_on)
    if entry.fields.occurred_time:
        when += ", " + format_time(entry.fields.occurred_time, format="short", locale=ui.locale)
    return f"{ui.text('journal_record_number', number=entry.number)} · {when}"


def _written(record: Entry, ui: Localizer) -> str:
    assert record.created_at is not None
    return ui.text("journal_record_written", datetime=record.created_at)


def field_value(value: object, ui: Localizer) -> str:
    """A field as the export and the drafts show it: "not stated" when empty, dates and choices in her language."""
    if value is None:
        return ui.text("journal_value_missing")
    if isinstance(value, ChildrenPresent):
        return ui.text(f"journal_children_{value.value}")
    if isinstance(value, dt.date):
        return ui.date(value)
    if isinstance(value, dt.time):
        return format_time(value, format="short", locale=ui.locale)
    return str(value)


def _attachment_line(attachment: Attachment, ui: Localizer) -> str:
    name = attachment.name or ui.text("journal_attachment_unnamed")
    kind = ui.text(f"journal_attachment_kind_{attachment.kind.value}")
    size = ui.text("journal_size_kb", size=max(round(attachment.size / 1024, 1), 0.1))
    return f"{name} · {kind} · {size} · SHA-256: {attachment.sha256}"


def date_order(record: Entry) -> tuple[dt.date, dt.time, int]:
    assert record.fields is not None
    return record.fields.occurred_on, record.fields.occurred_time or dt.time.min, record.number


# Plain text


def build_text(data: ExportData, ui: Localizer) -> str:
    lines: list[str] = []
    for block in blocks(data, ui):
        if isinstance(block, Title):
            lines += [block.text, "=" * len(block.text), ""]
        elif isinstance(block, Heading):
            lines += ["", block.text, "-" * len(block.text), ""]
        elif isinstance(block, SubHeading):
            lines += ["", block.text]
        elif isinstance(block, Paragraph):
            lines += [block.text] if block.note else [block.text, ""]
        elif isinstance(block, Field):
            lines.append(f"{block.label}: {block.value}")
        elif isinstance(block, ChainTable):
            lines.append(" | ".join(block.header))
            lines += [" | ".join(row) for row in block.rows]
            lines.append("")
        # Photos: the text version lists them with their hashes (Field lines) and cannot show them.
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


# PDF


def build_pdf(data: ExportData, ui: Localizer) -> bytes:
    # fpdf2 and the font tools it loads take about half a second to import (an eighth of the bot's start-up,
    # measured): imported by the first export, not by every start.
    from bot.journal.pdf import render_pdf

    return render_pdf(data, ui)
