"""Statement drafts, read back as the police desk or a lawyer would open them: the PDF with pypdf, the DOCX
with python-docx. Her entries, their dates and file hashes and her typed name are in both; what she did not
type is a blank line to fill in by hand; nothing shows her values by accident."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re

import docx
import pytest
from pypdf import PdfReader

from bot.content.store import ContentStore
from bot.documents import DocumentKind, PersonalDetails, render_draft
from bot.documents.draft import BLANK
from bot.journal.model import Attachment, AttachmentKind, ChildrenPresent, Entry, EntryFields, RecordKind

TODAY = dt.date(2026, 12, 2)
NAME = "Айгерім Сәрсенова-Qx7"
ADDRESS = "Алматы, Абай даңғылы, 10-Zk3"
FIRST_TEXT = "Итеріп жіберді, басым қабырғаға соғылды Wq1"
SECOND_TEXT = "Телефонымды сындырды, қорқыттым деп айтты Rt2"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PHOTO_HASH = sha(b"photo of the bruise")
VOICE_HASH = sha(b"voice message with threats")


def entries() -> list[Entry]:
    """Two entries, chosen in the wrong order: the draft puts them in date order."""
    later = Entry(
        number=4,
        entry_id="e4",
        kind=RecordKind.ENTRY,
        entry_hash="b" * 64,
        created_at=dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC),
        fields=EntryFields(dt.date(2026, 11, 20), None, place="подъезд", what_happened=SECOND_TEXT),
        attachments=(Attachment("f2", AttachmentKind.VOICE, 48_000, VOICE_HASH, "threat.ogg", "audio/ogg"),),
    )
    earlier = Entry(
        number=2,
        entry_id="e2",
        kind=RecordKind.ENTRY,
        entry_hash="a" * 64,
        created_at=dt.datetime(2026, 10, 6, 8, 0, tzinfo=dt.UTC),
        fields=EntryFields(
            dt.date(2026, 10, 5),
            dt.time(21, 30),
            place="үйде, ас үйде",
            what_happened=FIRST_TEXT,
            injuries="қолымда көгеру",
            witnesses="көрші",
            children_present=ChildrenPresent.YES,
            police="КУИ 2026-0412",
            medical_visit="жедел жәрдем",
        ),
        attachments=(Attachment("f1", AttachmentKind.PHOTO, 120_000, PHOTO_HASH, "IMG_1.jpg", "image/jpeg"),),
    )
    return [later, earlier]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def one_line(text: str) -> str:
    """Lines joined with single spaces: a narrow column wraps an address; Kazakh dates hold a narrow space."""
    return " ".join(text.split())


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def squeezed(text: str) -> str:
    """Without whitespace: a hash wrapped over two lines of a table cell still reads as one."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("language", "dates", "written"),
    [
        ("ru", ("5 октября 2026", "20 ноября 2026", "6 октября 2026", "21 ноября 2026"), "Записано"),
        ("kk", ("2026 ж. 5 қазан", "2026 ж. 20 қараша", "2026 ж. 6 қазан", "2026 ж. 21 қараша"), "Жазылған уақыты"),
    ],
)
def test_a_statement_from_two_entries_holds_them_in_both_files(content: ContentStore, language, dates, written):
    """Each incident with when it happened and when it was written (the draft must not claim she wrote it on
    the day)."""
    details = PersonalDetails(full_name=NAME, address=ADDRESS, phone=None, addressee=None)
    files = render_draft(content.documents(language), DocumentKind.POLICE_STATEMENT, entries(), details, TODAY)

    for raw in (pdf_text(files.pdf), docx_text(files.docx)):
        text = one_line(raw)
        assert NAME in text and ADDRESS in text
        assert FIRST_TEXT in text and SECOND_TEXT in text
        for date in dates:
            assert date in text, (date, text)
        assert text.count(written) == 2
        assert PHOTO_HASH in squeezed(raw) and VOICE_HASH in squeezed(raw)
        assert text.index(FIRST_TEXT) < text.index(SECOND_TEXT)  # date order, not the order chosen
        assert "threat.ogg" not in text and "IMG_1.jpg" not in text  # file names she gave are not shown
        assert "{" not in text and "None" not in text
    assert files.file_stem == "draft-2026-12-02"
    assert NAME not in files.file_stem


def test_the_docx_is_editable_and_lists_files_in_a_table(content: ContentStore):
    files = render_draft(
        content.documents("ru"), DocumentKind.POLICE_STATEMENT, entries(), PersonalDetails(NAME), TODAY
    )
    document = docx.Document(io.BytesIO(files.docx))
    assert any(paragraph.style.name.startswith("Heading") for paragraph in document.paragraphs)
    [table] = document.tables
    assert [cell.text for cell in table.rows[0].cells] == ["№", "Дата", "Вид", "SHA-256"]
    assert [row.cells[3].text for row in table.rows[1:]] == [PHOTO_HASH, VOICE_HASH]


def test_metadata_is_neutral(content: ContentStore):
    files = render_draft(
        content.documents("ru"), DocumentKind.PROTECTIVE_ORDER, entries(), PersonalDetails(NAME, ADDRESS), TODAY
    )
    properties = docx.Document(io.BytesIO(files.docx)).core_properties
    assert properties.author == "" and properties.last_modified_by == ""
    assert properties.title == "Защитное предписание"
    metadata = PdfReader(io.BytesIO(files.pdf)).metadata
    assert metadata.get("/Author") is None
    assert metadata.title == "Защитное предписание"
    for value in (*metadata.values(), properties.title, properties.subject, properties.comments):
        assert NAME not in str(value) and ADDRESS not in str(value)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_nothing_typed_shows_blank_lines_and_no_none(content: ContentStore, kind):
    files = render_draft(content.documents("ru"), kind, entries(), PersonalDetails(), TODAY)
    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        assert "None" not in text and "{" not in text
        assert BLANK in text
        assert "Подпись: ____________________ / " + BLANK in text
        assert "от " + BLANK in text


def test_a_typed_addressee_replaces_the_default_line(content: ContentStore):
    details = PersonalDetails(addressee="Начальнику УП Медеуского района")
    files = render_draft(content.documents("ru"), DocumentKind.POLICE_STATEMENT, entries(), details, TODAY)
    text = docx_text(files.docx)
    assert "Начальнику УП Медеуского района" in text
    assert "(отдел полиции)" not in text


def test_without_files_the_attachments_paragraph_is_left_out(content: ContentStore):
    bare = [Entry(1, "e1", RecordKind.ENTRY, "c" * 64, TODAY_UTC, EntryFields(dt.date(2026, 11, 1)))]
    files = render_draft(content.documents("ru"), DocumentKind.POLICE_STATEMENT, bare, PersonalDetails(), TODAY)
    text = docx_text(files.docx)
    assert "SHA-256" not in text and "Прилагаю" not in text
    assert "не указано" in text  # the empty fields of the entry say so


TODAY_UTC = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def test_the_english_draft_says_it_is_a_translation(content: ContentStore):
    for kind in DocumentKind:
        files = render_draft(content.documents("en"), kind, entries(), PersonalDetails(NAME), TODAY)
        for text in (pdf_text(files.pdf), docx_text(files.docx)):
            assert text.lstrip().startswith("English translation for reading only"), text[:200]
            assert "File the Russian or Kazakh version" in text


def test_personal_details_never_show_their_values():
    details = PersonalDetails(full_name=NAME, address=ADDRESS, phone="+7 701 000 00 00", addressee="УП")
    for shown in (repr(details), str(details), f"{details}", repr([details])):
        assert NAME not in shown and ADDRESS not in shown and "701" not in shown and "УП" not in shown
    assert "full_name=<given>" in repr(details) and "phone=<given>" in repr(details)
    assert "address=None" in repr(PersonalDetails(full_name=NAME))


def test_the_kinds_are_offered_in_order_with_titles(content: ContentStore):
    templates = content.documents("kk")
    assert templates.kinds() == [
        DocumentKind.POLICE_STATEMENT, DocumentKind.PROSECUTOR_COMPLAINT, DocumentKind.PROTECTIVE_ORDER
    ]  # fmt: skip
    assert templates.title(DocumentKind.PROTECTIVE_ORDER) == "Қорғау нұсқамасы"


def test_a_name_in_a_script_the_font_lacks_is_not_logged(content: ContentStore, caplog):
    """fpdf2 lists the glyphs its font is missing: with the bot's logging they never reach the log."""
    from bot.logging_setup import configure_logging

    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    details = PersonalDetails(full_name="王秀英 🌸")
    files = render_draft(content.documents("ru"), DocumentKind.POLICE_STATEMENT, entries(), details, TODAY)
    assert files.pdf.startswith(b"%PDF")
    assert not [record for record in caplog.records if "王" in record.getMessage() or "🌸" in record.getMessage()]
