"""Translation status: which screens each language lacks, which lag behind the source, and how much to do.

Russian is the source language. A translated screen records the version of the Russian text it was made
from as `translated_from: <hash>`; when the Russian text changes, the hash no longer matches and the
translation shows as outdated. `content status --stamp kk` records the current hashes after a translator
has brought the Kazakh screens up to date.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.model import ContentTree, Screen
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE

HASH_LENGTH = 8
WORD = re.compile(r"\w+", re.UNICODE)


def source_hash(screen: Screen) -> str:
    """The version of a source screen: its text, button labels and checklist, whitespace-normalised."""
    parts = [screen.text, *(button.text for row in screen.buttons for button in row)]
    parts += [item.text for item in screen.checklist]
    normalised = "\n".join(" ".join(part.split()) for part in parts)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def word_count(screen: Screen) -> int:
    return len(WORD.findall(screen.text))


@dataclass
class LanguageStatus:
    language: str
    missing: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    words_to_translate: int = 0

    @property
    def complete(self) -> bool:
        return not self.missing and not self.outdated


def translation_status(tree: ContentTree) -> list[LanguageStatus]:
    source = tree.packs[SOURCE_LANGUAGE].screens
    result = []
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        status = LanguageStatus(language)
        screens = tree.packs[language].screens
        for screen_id, original in sorted(source.items()):
            translated = screens.get(screen_id)
            if translated is None:
                status.missing.append(screen_id)
            elif translated.translated_from != source_hash(original):
                status.outdated.append(screen_id)
            else:
                status.current.append(screen_id)
                continue
            status.words_to_translate += word_count(original)
        result.append(status)
    return result


def stamp(tree: ContentTree, language: str, screen_ids: list[str] | None = None) -> list[str]:
    """Record the current source hash in the translation's files; returns the screens stamped.
    Lines are edited in place, so the editors' comments and layout stay as they were."""
    source = tree.packs[SOURCE_LANGUAGE].screens
    pack = tree.packs[language]
    chosen = [s for s in (screen_ids or sorted(pack.screens)) if s in pack.screens and s in source]
    by_file: dict[str, list[str]] = {}
    for screen_id in chosen:
        by_file.setdefault(pack.screen_origins[screen_id].source.path, []).append(screen_id)
    for path, ids in by_file.items():
        lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
        # From the bottom up, so inserting a line never moves a line still to be edited.
        for screen_id in sorted(ids, key=lambda s: pack.screen_origins[s].where().line, reverse=True):
            origin = pack.screen_origins[screen_id]
            # Quoted: a hash such as 12345678 or 1e234567 would otherwise be read as a number.
            new_line = f'  translated_from: "{source_hash(source[screen_id])}"\n'
            existing = origin.source.lines.get((screen_id, "translated_from"))
            if existing is not None:
                lines[existing - 1] = new_line
            else:
                lines.insert(origin.where().line, new_line)
        Path(path).write_text("".join(lines), encoding="utf-8")
    return chosen
