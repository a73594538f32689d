"""Statement drafts from the journal: a statement to the police, a complaint to the prosecutor, a request
for a protective order, as PDF and DOCX. No Telegram; the journal's flow calls `render_draft`.

    model.py    PersonalDetails (typed once, never stored, never shown by repr), DraftFiles
    draft.py    render_draft: template + entries + details -> the blocks of the draft -> PDF and DOCX
The templates themselves are content (content/<lang>/documents/<kind>.yaml), modelled and checked in
bot/content/documents.py and reached through `ContentStore.documents(language)`.
"""

from bot.content.documents import DocumentKind, DocumentTemplates
from bot.documents.draft import render_draft
from bot.documents.model import DraftFiles, PersonalDetails

__all__ = ["DocumentKind", "DocumentTemplates", "DraftFiles", "PersonalDetails", "render_draft"]
