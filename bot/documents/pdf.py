"""A draft drawn as a PDF with fpdf2, on the journal export's page (bot/journal/pdf.py: A4, the bundled DejaVu
fonts that cover the Kazakh letters, page numbers). Imported only when a draft is made."""

from __future__ import annotations

import datetime as dt

from fpdf import XPos, YPos

from bot.documents.draft import (
    AttachmentTable,
    Block,
    Draft,
    FooterLines,
    HeaderLines,
    Heading,
    Incident,
    Note,
    Paragraph,
)
from bot.journal.export import FONT
from bot.journal.pdf import A4Document

HEADER_X_MM = 105.0  # the to/from block starts at the middle of the page, as on a paper statement


def render_pdf(draft: Draft) -> bytes:
    pdf = A4Document(draft.ui)
    # Neutral metadata: the kind of document, no author, the day (not the minute) it was made.
    pdf.set_title(draft.title)
    pdf.set_lang(draft.language)
    pdf.set_creation_date(dt.datetime.combine(draft.today, dt.time(), tzinfo=dt.UTC))
    pdf.add_page()
    for block in draft.blocks:
        _render(pdf, block)
    return bytes(pdf.output())


def _render(pdf: A4Document, block: Block) -> None:
    if isinstance(block, Note):
        pdf.set_font(FONT, "B", 10)
        pdf.set_fill_color(235)
        pdf.multi_cell(0, 5.5, block.text, border=1, fill=True, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
    elif isinstance(block, HeaderLines):
        pdf.set_font(FONT, "", 11)
        for line in block.lines:
            pdf.set_x(HEADER_X_MM)
            pdf.multi_cell(pdf.w - pdf.r_margin - HEADER_X_MM, 5.5, line, align="L", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)  # fmt: skip
        pdf.ln(8)
    elif isinstance(block, Heading):
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(0, 7, block.text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
    elif isinstance(block, Paragraph):
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 5.5, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2.5)
    elif isinstance(block, Incident):
        pdf.ln(1)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, block.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for label, value in block.fields:
            pdf.field(label, value, line=5.5)
        pdf.ln(2)
    elif isinstance(block, AttachmentTable):
        pdf.grid(block.header, block.rows, widths=(8, 30, 34, 108), size=7.5)
        pdf.ln(4)
    elif isinstance(block, FooterLines):
        pdf.ln(6)
        pdf.set_font(FONT, "", 11)
        for line in block.lines:
            pdf.multi_cell(0, 7, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
