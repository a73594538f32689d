"""A draft as a Word document (python-docx) that a lawyer or the police desk can edit: real paragraphs,
headings and a table, plain fonts, no fields or macros. Imported only when a draft is made."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

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

# Times New Roman is what statements in Kazakhstan are usually typed in; it covers the Kazakh letters.
BODY_FONT = "Times New Roman"


def render_docx(draft: Draft) -> bytes:
    document = Document()
    _neutral_metadata(document, draft)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(12)
    for name in ("Heading 1", "Heading 2"):
        style = document.styles[name]
        style.font.name = BODY_FONT
        style.font.color.rgb = RGBColor(0, 0, 0)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    for block in draft.blocks:
        _render(document, block)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _neutral_metadata(document: WordDocument, draft: Draft) -> None:
    """python-docx's own template says "python-docx" wrote it in 2013: replace all of it with nothing that
    points to her — the kind of document and the day."""
    properties = document.core_properties
    made = dt.datetime.combine(draft.today, dt.time())
    properties.author = ""
    properties.last_modified_by = ""
    properties.title = draft.title
    properties.subject = ""
    properties.keywords = ""
    properties.comments = ""
    properties.category = ""
    properties.language = draft.language
    properties.created = made
    properties.modified = made
    properties.revision = 1


def _render(document: WordDocument, block: Block) -> None:
    if isinstance(block, Note):
        paragraph = document.add_paragraph()
        paragraph.add_run(block.text).bold = True
    elif isinstance(block, HeaderLines):
        for line in block.lines:
            paragraph = document.add_paragraph(line)
            paragraph.paragraph_format.left_indent = Cm(8.5)
            paragraph.paragraph_format.space_after = Pt(0)
        document.add_paragraph()
    elif isinstance(block, Heading):
        heading = document.add_heading(block.text, level=1)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif isinstance(block, Paragraph):
        document.add_paragraph(block.text)
    elif isinstance(block, Incident):
        document.add_heading(block.title, level=2)
        for label, value in block.fields:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.add_run(label + ": ").bold = True
            paragraph.add_run(value)
    elif isinstance(block, AttachmentTable):
        table = document.add_table(rows=1, cols=len(block.header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, block.header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for row in block.rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(9)
        document.add_paragraph()
    elif isinstance(block, FooterLines):
        document.add_paragraph()
        for line in block.lines:
            document.add_paragraph(line)
