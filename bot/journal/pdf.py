"""The journal export drawn as a PDF with fpdf2 (bot/journal/export.py builds the blocks; imported only when
a PDF is made, since fpdf2 is slow to import)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence

from fpdf import FPDF, FontFace, XPos, YPos

from bot.content.i18n import Localizer
from bot.images import without_metadata
from bot.journal.export import (
    FONT,
    FONTS,
    IMAGE_BOX_MM,
    KEEP_WITH_NEXT_MM,
    MAX_IMAGE_PIXELS,
    Block,
    ChainTable,
    ExportData,
    Field,
    Heading,
    Paragraph,
    Photo,
    SubHeading,
    Title,
    blocks,
)
from bot.journal.model import Attachment

log = logging.getLogger(__name__)


class A4Document(FPDF):
    """A4 with the bundled fonts and a page-number footer: the journal export's page, shared by the drafts."""

    def __init__(self, ui: Localizer) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._ui = ui
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def field(self, label: str, value: str, line: float) -> None:
        """ "Label: value", the label bold, on a line of its own."""
        self.set_x(self.l_margin)
        self.set_font(FONT, "B", 10)
        self.write(5, label + ": ")
        self.set_font(FONT, "", 10)
        self.write(5, value)
        self.ln(line)

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: tuple[int, ...], size: float) -> None:
        """A table with a bold header row (the chain of records, a draft's list of files)."""
        self.set_font(FONT, "", size)
        with self.table(
            col_widths=widths, text_align="LEFT", headings_style=FontFace(emphasis="BOLD"), line_height=4
        ) as table:
            for cells in (header, *rows):
                row = table.row()
                for text in cells:
                    row.cell(text)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        # "{nb}" is fpdf2's alias for the page count, filled in when the file is written.
        self.cell(0, 6, self._ui.text("journal_export_page", page=self.page_no(), pages="{nb}"), align="C")
        self.set_text_color(0)


def render_pdf(data: ExportData, ui: Localizer) -> bytes:
    pdf = A4Document(ui)
    pdf.set_title(ui.text("journal_export_title"))
    pdf.set_lang(ui.language)
    pdf.set_creation_date(data.exported_at)
    pdf.add_page()
    for block in blocks(data, ui):
        _render(pdf, block, data.load_image, ui)
    return bytes(pdf.output())


def _render(pdf: A4Document, block: Block, load_image: Callable[[Attachment], bytes | None], ui: Localizer) -> None:
    if isinstance(block, Title):
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(0, 8, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    elif isinstance(block, Heading):
        pdf.ln(3)
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(0, 7, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    elif isinstance(block, SubHeading):
        if pdf.get_y() + KEEP_WITH_NEXT_MM > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    elif isinstance(block, Paragraph):
        pdf.set_font(FONT, "", 8.5 if block.note else 10)
        pdf.set_text_color(90 if block.note else 0)
        pdf.multi_cell(0, 4.5 if block.note else 5, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        if not block.note:
            pdf.ln(1.5)
    elif isinstance(block, Field):
        pdf.field(block.label, block.value, line=6)
    elif isinstance(block, Photo):
        _photo(pdf, block, load_image, ui)
    elif isinstance(block, ChainTable):
        pdf.grid(block.header, block.rows, widths=(9, 17, 26, 66), size=7)
        pdf.ln(2)


def _photo(pdf: A4Document, block: Photo, load_image: Callable[[Attachment], bytes | None], ui: Localizer) -> None:
    prepared = _prepare_image(load_image(block.attachment))
    pdf.set_font(FONT, "", 8.5)
    if prepared is None:
        pdf.multi_cell(
            0, 4.5, f"{block.caption}: {ui.text('journal_export_photo_unreadable')}",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        return
    image, (width_px, height_px) = prepared
    box_w, box_h = IMAGE_BOX_MM
    width = box_w
    height = width * height_px / width_px
    if height > box_h:
        height = box_h
        width = height * width_px / height_px
    if pdf.get_y() + height + 6 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y() + 1
    pdf.image(io.BytesIO(image), x=pdf.l_margin, y=top, w=width, h=height)
    pdf.set_y(top + height + 1)
    pdf.multi_cell(0, 4.5, block.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _prepare_image(data: bytes | None) -> tuple[bytes, tuple[int, int]] | None:
    """The bytes to embed and the pixel size, or None when the file is not a readable JPEG or PNG.

    Every photo is drawn anew (bot/images.py), so nothing but its pixels reaches the PDF: no EXIF (GPS
    position, time, camera), no comments, no embedded thumbnail. The original, with whatever it carries, stays
    only in the encrypted journal, and the hash listed beside it is the original's."""
    if data is None or not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        return None
    # Large photos are reduced so the PDF stays small enough to send.
    clean = without_metadata(data, max_side=MAX_IMAGE_PIXELS, as_jpeg=True)
    if clean is None:  # a damaged or hostile file must not stop the export
        log.warning("journal photo not embedded")
        return None
    return clean.data, clean.size
