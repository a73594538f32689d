"""The content the running bot serves: loaded and checked once, swapped whole on reload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot.content.documents import DocumentTemplates
from bot.content.i18n import Localizer
from bot.content.model import ContentTree
from bot.content.problems import ContentError, Problem
from bot.content.registry import SOURCE_LANGUAGE, UiKeys
from bot.content.render import (
    ButtonView,
    ScreenView,
    localizer,
    render_parts,
    render_parts_sources,
    render_screen,
    render_sources,
    shows_sources,
)
from bot.content.validate import check_content


class ContentStore:
    """Everything that serves content holds this one object; a reload swaps the tree inside it, so every
    holder sees the new texts at once and nobody can keep a stale copy."""

    def __init__(
        self,
        tree: ContentTree,
        ui_keys: UiKeys,
        warnings: list[Problem] | None = None,
        content_dir: Path | None = None,
    ) -> None:
        self.tree = tree
        self.ui_keys = ui_keys  # what the code expects; checked again on every reload
        self.warnings = warnings or []
        self.content_dir = content_dir
        # Rendering parses the editors' markup; a tree never changes once loaded, so each screen is rendered
        # once per language (and set of ticks) until the next reload.
        self._rendered: dict[tuple[str, str, frozenset[str]], ScreenView] = {}
        self._sources: dict[tuple[str, str], ScreenView] = {}  # the full list of a screen's sources
        self._ui: dict[str, Localizer] = {}  # parsing a Babel locale each time cost more than the lookup
        self._documents: dict[str, DocumentTemplates] = {}

    @classmethod
    def load(cls, content_dir: Path, ui_keys: UiKeys, today: dt.date | None = None) -> ContentStore:
        """Load and check the tree; refuse to serve it if anything is an error."""
        tree, warnings = _checked(content_dir, ui_keys, today)
        return cls(tree, ui_keys, warnings, content_dir=content_dir)

    def reload(self, today: dt.date | None = None) -> list[Problem]:
        """Load the folder again. Invalid content is refused whole (ContentError with every problem) and
        the old content goes on being served; buttons of screens that still exist keep working."""
        if self.content_dir is None:
            raise ValueError("this content was not loaded from a folder")
        self.tree, self.warnings = _checked(self.content_dir, self.ui_keys, today)
        self._rendered = {}
        self._sources = {}
        self._ui = {}
        self._documents = {}
        return self.warnings

    def checklist_items(self) -> list[tuple[str, str]]:
        """(screen id, item id) of every checklist item; item ids are the same in every language."""
        screens = self.tree.packs[SOURCE_LANGUAGE].screens
        return [(screen_id, item.id) for screen_id, screen in screens.items() for item in screen.checklist]

    def has_screen(self, language: str, screen_id: str) -> bool:
        return screen_id in self.tree.packs[language].screens

    def render(self, language: str, screen_id: str, ticked: frozenset[str] = frozenset()) -> ScreenView:
        key = (language, screen_id, ticked)
        view = self._rendered.get(key)
        if view is None:
            view = self._rendered[key] = render_screen(self.tree, language, screen_id, ticked)
        return view

    def shows_sources(self, language: str, screen_id: str) -> bool:
        return shows_sources(self.tree, self.tree.packs[language].screens[screen_id])

    def render_sources(self, language: str, screen_id: str) -> ScreenView:
        view = self._sources.get((language, screen_id))
        if view is None:
            view = self._sources[(language, screen_id)] = render_sources(self.tree, language, screen_id)
        return view

    def render_parts(self, language: str, screen_ids: Sequence[str], view_id: str) -> ScreenView:
        """Several screens as one message, under one source line (bot.content.render.render_parts)."""
        return render_parts(self.tree, language, screen_ids, view_id)

    def render_parts_sources(
        self, language: str, screen_ids: Sequence[str], view_id: str, back: ButtonView
    ) -> ScreenView:
        return render_parts_sources(self.tree, language, screen_ids, view_id, back)

    def documents(self, language: str) -> DocumentTemplates:
        """The document templates of a language (content/<lang>/documents/), swapped with the rest on reload."""
        found = self._documents.get(language)
        if found is None:
            pack = self.tree.packs[language]
            found = self._documents[language] = DocumentTemplates(language, pack.documents, self.ui(language))
        return found

    def document_languages(self) -> list[str]:
        """The languages a draft can be made in, in the content's order (ru, kk, en)."""
        return [language for language, pack in self.tree.packs.items() if pack.documents]

    def ui(self, language: str) -> Localizer:
        found = self._ui.get(language)
        if found is None:
            found = self._ui[language] = localizer(self.tree, language)
        return found


def _checked(content_dir: Path, ui_keys: UiKeys, today: dt.date | None) -> tuple[ContentTree, list[Problem]]:
    tree, problems = check_content(content_dir, ui_keys, today)
    if any(problem.is_error for problem in problems):
        raise ContentError(problems)
    return tree, problems
