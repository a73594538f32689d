"""The PDF and text exports, read back: her words, the Kazakh letters, photos, hashes, corrections, gaps."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from bot.content.store import ContentStore
from bot.journal import export, pdf
from bot.journal.model import AttachmentKind, ChildrenPresent, EntryFields, NewAttachment
from tests.support.journal import ALICE, Harness, jpeg_bytes, png_bytes

UNIQUE = "Айгерім-Zq81xT"
KAZAKH_LETTERS = "әғқңөұүһі"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Without whitespace: a hash wrapped over two lines of a table cell still reads as one."""
    return re.sub(r"\s+", "", text)


async def fill(harness: Harness) -> dict[str, object]:
    journal = harness.service
    await journal.create(ALICE, "246813")
    first = await journal.add_entry(
        ALICE,
        EntryFields(
            dt.date(2026, 11, 20), dt.time(21, 30), place="үйде, ас үйде",
            what_happened=f"{UNIQUE}: ол мені итеріп жіберді. Әріптер: ә ғ қ ң ө ұ ү һ і / Ә Ғ Қ Ң Ө Ұ Ү Һ І",
            injuries="қолымда көгеру", witnesses="көрші апай", children_present=ChildrenPresent.YES,
            police="КУИ 2026-0412, сержант Абенов", medical_visit="жедел жәрдем",
        ),
        [
            NewAttachment(png_bytes(120, 80), AttachmentKind.PHOTO, "arm.png", "image/png"),
            NewAttachment(jpeg_bytes(80, 120), AttachmentKind.PHOTO, None, None),
            NewAttachment(b"%PDF-1.4 not really", AttachmentKind.DOCUMENT, "medical-note.pdf", "application/pdf"),
        ],
    )  # fmt: skip
    harness.clock.wall_now += 3600  # written an hour later (the idle timer is not moved)
    earlier = await journal.add_entry(ALICE, EntryFields(dt.date(2026, 10, 5), what_happened="earlier incident"))
    doomed = await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 1), what_happened="to be deleted"))
    correction = await journal.correct_entry(
        ALICE, earlier.entry_id, EntryFields(dt.date(2026, 10, 6), what_happened="earlier incident, right date")
    )
    gap = await journal.delete_entry(ALICE, doomed.entry_id)
    return {"first": first, "earlier": earlier, "doomed": doomed, "correction": correction, "gap": gap}


async def test_the_pdf_in_kazakh_holds_everything(harness: Harness, content: ContentStore):
    made = await fill(harness)
    data = await harness.service.export_pdf(ALICE, content.ui("kk"))
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert UNIQUE in text
    for letter in KAZAKH_LETTERS + KAZAKH_LETTERS.upper():
        assert letter in text, letter
    assert "Оқиғалар күнделігі" in text  # the title says what the document is
    assert "Telegram" in text and "UTC+5" in text
    for label in ("Күні", "Уақыты", "Орны", "Не болды", "Жарақаттар", "Куәгерлер", "Полиция", "Дәрігерге қаралу"):
        assert label in text
    assert "КУИ 2026-0412, сержант Абенов" in text
    assert "20 қараша" in text and "21:30" in text  # Babel, in Kazakh
    compact = squeezed(text)
    for record in made.values():
        assert record.entry_hash in compact  # the chain: every link, the deleted one too
    for attachment in made["first"].attachments:
        assert attachment.sha256 in compact
    assert "arm.png" in text and "medical-note.pdf" in text
    assert "№2 жазбаның түзетуі" in text  # the correction names what it corrects
    assert "Кейін түзетілген: №4 жазбаны қараңыз" in text
    assert "№3 жазбаны авторы жойды" in text  # the gap record
    assert "бұзушылық жоқ" in text  # the chain verified at export

    reader = PdfReader(io.BytesIO(data))
    assert sum(len(page.images) for page in reader.pages) == 2  # both photos embedded, not the document
    assert reader.metadata.title == "Оқиғалар күнделігі"


async def test_entries_appear_in_incident_date_order(harness: Harness, content: ContentStore):
    await fill(harness)
    text = pdf_text(await harness.service.export_pdf(ALICE, content.ui("en")))
    positions = [text.index(marker) for marker in ("earlier incident\n", "earlier incident, right date", UNIQUE)]
    assert positions == sorted(positions)


async def test_the_text_export_in_russian_and_english(harness: Harness, content: ContentStore):
    made = await fill(harness)
    russian = (await harness.service.export_text(ALICE, content.ui("ru"))).decode("utf-8")
    assert UNIQUE in russian and "ә ғ қ ң ө ұ ү һ і" in russian
    assert "Дневник происшествий" in russian and "Исправление записи №2" in russian
    assert "Запись №3 удалена автором" in russian
    assert "Были ли рядом дети: да" in russian
    assert "Обращение к врачу: жедел жәрдем" in russian
    assert "Свидетели: не указано" in russian  # every field, also when empty
    for record in made.values():
        assert record.entry_hash in russian
    for attachment in made["first"].attachments:
        assert attachment.sha256 in russian

    english = (await harness.service.export_text(ALICE, content.ui("en"))).decode("utf-8")
    assert "Incident record" in english and "November 20, 2026" in english
    assert "Children present: yes" in english and "Correction of record #2" in english
    assert "The record holds 2 incident entries." in english  # a correction is not another incident


async def test_a_broken_chain_is_stated_in_the_export(harness: Harness, content: ContentStore):
    await fill(harness)
    await harness.execute("UPDATE journal_entries SET entry_hash = ? WHERE seq = 2", bytes(32))
    text = (await harness.service.export_text(ALICE, content.ui("ru"))).decode("utf-8")
    assert "цепочка нарушена на записи №2" in text


async def test_an_empty_journal_and_an_unreadable_photo_export_cleanly(harness: Harness, content: ContentStore):
    journal = harness.service
    await journal.create(ALICE)
    empty = pdf_text(await journal.export_pdf(ALICE, content.ui("ru")))
    assert "В дневнике нет записей." in empty and "В дневнике 0 записей о происшествиях." in empty
    await journal.add_entry(
        ALICE, EntryFields(dt.date(2026, 11, 1)), [NewAttachment(b"\xff\xd8\xffgarbage", AttachmentKind.PHOTO, "x.jpg")]
    )
    text = pdf_text(await journal.export_pdf(ALICE, content.ui("en")))
    assert "x.jpg: the image could not be shown" in text


@pytest.mark.parametrize("size", [(2400, 300), (300, 2400)])
def test_large_photos_are_reduced_for_the_pdf(size: tuple[int, int]):
    prepared = pdf._prepare_image(png_bytes(*size))
    assert prepared is not None
    image, (width, height) = prepared
    assert max(width, height) == export.MAX_IMAGE_PIXELS and image.startswith(b"\xff\xd8\xff")
    assert pdf._prepare_image(b"plain text") is None


def jpeg_with_location(place: str) -> bytes:
    """A phone photo as it arrives: EXIF with a GPS position, a description and a rotation."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = place  # ImageDescription
    exif[0x0112] = 6  # Orientation: turned 90° clockwise
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 30.0), 3: "E", 4: (76.0, 54.0, 10.0)}  # GPSInfo: Almaty
    buffer = io.BytesIO()
    Image.new("RGB", (90, 60), (10, 120, 10)).save(buffer, format="JPEG", exif=exif, comment=place.encode())
    return buffer.getvalue()


async def test_photos_reach_the_pdf_without_their_location_or_any_metadata(harness: Harness, content: ContentStore):
    # Security review, item 1: EXIF (GPS, time, camera) stays inside the encrypted journal, never in an export.
    place = "SECRET-STREET-17"
    original = jpeg_with_location(place)
    assert place.encode() in original and b"Exif" in original
    journal = harness.service
    await journal.create(ALICE)
    await journal.add_entry(
        ALICE, EntryFields(dt.date(2026, 11, 20)), [NewAttachment(original, AttachmentKind.PHOTO, None, None)]
    )
    data = await journal.export_pdf(ALICE, content.ui("en"))
    reader = PdfReader(io.BytesIO(data))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1  # the photo is there…
    embedded = images[0].data
    assert place.encode() not in data and place.encode() not in embedded  # …without its description or comment
    assert b"Exif" not in embedded and b"GPS" not in embedded
    assert (images[0].image.width, images[0].image.height) == (60, 90)  # turned upright, as the camera meant
