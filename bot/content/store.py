"""The content the running bot serves: loaded and checked once, swapped whole on reload."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.content.i18n import Localizer
from bot.content.model import ContentTree
from bot.content.problems import ContentError, Problem
from bot.content.render import ScreenView, localizer, render_screen
from bot.content.validate import check_content


class ContentStore:
    def __init__(self, tree: ContentTree, warnings: list[Problem] | None = None) -> None:
        self.tree = tree
        self.warnings = warnings or []

    @classmethod
    def load(cls, content_dir: Path, today: dt.date | None = None) -> ContentStore:
        """Load and check the tree; refuse to serve it if anything is an error."""
        tree, problems = check_content(content_dir, today)
        errors = [problem for problem in problems if problem.is_error]
        if errors:
            raise ContentError(problems)
        return cls(tree, problems)

    def has_screen(self, language: str, screen_id: str) -> bool:
        return screen_id in self.tree.packs[language].screens

    def render(self, language: str, screen_id: str, ticked: frozenset[str] = frozenset()) -> ScreenView:
        return render_screen(self.tree, language, screen_id, ticked)

    def ui(self, language: str) -> Localizer:
        return localizer(self.tree, language)
