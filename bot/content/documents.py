"""Document templates: the drafts a survivor can make from her journal (a statement to the police, a
complaint to the prosecutor, a request for a protective order), one YAML file per kind and language in
content/<lang>/documents/<kind>.yaml. Editors maintain them like legal screens; this module is their model.

It lives in the content package (not in bot/documents) because the content is loaded, checked and reloaded
here, and the content layer never imports a feature; bot/documents renders what this describes.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    POLICE_STATEMENT = "police_statement"  # a written statement to the police about the incidents
    PROSECUTOR_COMPLAINT = "prosecutor_complaint"  # the police did not register it or did not act
    PROTECTIVE_ORDER = "protective_order"  # a request to the police for a protective order


class DocumentTemplates:
    """What the content holds for one language, loaded with the rest of the content."""

    def kinds(self) -> list[DocumentKind]:
        """The kinds, in the order shown to her."""
        raise NotImplementedError

    def title(self, kind: DocumentKind) -> str:
        """The button / screen title in that language."""
        raise NotImplementedError
