"""Document templates: the drafts a survivor can make from her journal (a statement to the police, a
complaint to the prosecutor, a request for a protective order), one YAML file per kind and language in
content/<lang>/documents/<kind>.yaml. Editors maintain them like legal screens; this module is their model and
their rules (`content check` runs `check_documents`).

It lives in the content package (not in bot/documents) because the content is loaded, checked and reloaded
here, and the content layer never imports a feature; bot/documents renders what this describes.

A template, top to bottom as the draft shows it:
    translation  (English only) the visible line saying it is a translation, for reading
    header       lines at the top right: to whom ({addressee}), from whom ({full_name}, {address}, {phone})
    heading      ЗАЯВЛЕНИЕ / ЖАЛОБА …, centred
    text         paragraphs; {incidents} and {attachments} stand on a line of their own and become the
                 chosen entries and the table of their files (a paragraph with {attachments} is left out
                 when the entries have no files)
    footer       the date ({today}) and the signature line
    addressee    what {addressee} becomes when she did not type it: a line with a blank to fill in by hand
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from bot.content.model import NonEmptyText, Review, SourceRef
from bot.content.problems import Location, Problem
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE

if TYPE_CHECKING:
    from bot.content.i18n import Localizer
    from bot.content.model import ContentTree, LanguagePack

DOCUMENTS_FOLDER = "documents"


class DocumentKind(StrEnum):
    POLICE_STATEMENT = "police_statement"  # a written statement to the police about the incidents
    PROSECUTOR_COMPLAINT = "prosecutor_complaint"  # the police did not register it or did not act
    PROTECTIVE_ORDER = "protective_order"  # a request to the police for a protective order


# What a template may write in braces, and what it becomes. Kept small on purpose: everything else in a draft
# is the editors' text or comes from the chosen journal entries.
INLINE_PLACEHOLDERS = {
    "full_name": "her full name as she typed it, or a blank line",
    "address": "her address as she typed it, or a blank line",
    "phone": "her phone as she typed it, or a blank line",
    "addressee": "to whom, as she typed it, or the template's `addressee:` line",
    "today": "the date the draft is made, written out in the template's language",
}
BLOCK_PLACEHOLDERS = {
    "incidents": "the chosen journal entries in date order, every field",
    "attachments": "a table of the entries' files: kind, size, SHA-256",
}
PLACEHOLDERS = {**INLINE_PLACEHOLDERS, **BLOCK_PLACEHOLDERS}
# Without these a draft would lose what makes it hers: the incidents, their files, to whom, who signs, when.
REQUIRED_PLACEHOLDERS = frozenset({"addressee", "full_name", "today", "incidents", "attachments"})
TRANSLATION_LANGUAGE = "en"  # drafts for reading only: they carry a visible `translation:` line

BRACES = re.compile(r"\{([^{}]*)\}")


class DocumentTemplate(BaseModel):
    """One file, content/<lang>/documents/<kind>.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["legal"]  # a draft states the law: sources, a checked date and (for a release) a review
    title: NonEmptyText  # the button and the screen title
    translation: NonEmptyText | None = None  # English only: "a translation for reading; file the ru/kk one"
    addressee: NonEmptyText
    header: list[NonEmptyText]
    heading: NonEmptyText
    text: list[NonEmptyText]
    footer: list[NonEmptyText]
    sources: list[SourceRef] = []
    checked: dt.date | None = None
    reviewed: Review | None = None

    @field_validator("sources", mode="before")
    @classmethod
    def _source_ids(cls, value: Any) -> Any:
        # As on screens: a bare id, or {id: …, note: …} for the articles the draft relies on.
        if isinstance(value, list):
            return [{"id": item} if isinstance(item, str) else item for item in value]
        return value

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Every text an editor wrote, with its key in the file (for the checker's file:line)."""
        yield ("title",), self.title
        if self.translation is not None:
            yield ("translation",), self.translation
        yield ("addressee",), self.addressee
        for index, line in enumerate(self.header):
            yield ("header", index), line
        yield ("heading",), self.heading
        for index, paragraph in enumerate(self.text):
            yield ("text", index), paragraph
        for index, line in enumerate(self.footer):
            yield ("footer", index), line

    def placeholders(self) -> set[str]:
        return {name for _key, text in self.texts() for name in BRACES.findall(text)}


class DocumentTemplates:
    """What the content holds for one language, loaded with the rest of the content
    (`ContentStore.documents(language)`). `ui` is that language's UI strings: the drafts reuse the journal's
    field names, so the police read the same words in a draft and in the journal's export."""

    def __init__(self, language: str, templates: Mapping[DocumentKind, DocumentTemplate], ui: Localizer) -> None:
        self.language = language
        self._templates = dict(templates)
        self.ui = ui

    def kinds(self) -> list[DocumentKind]:
        """The kinds, in the order shown to her."""
        return [kind for kind in DocumentKind if kind in self._templates]

    def title(self, kind: DocumentKind) -> str:
        """The button / screen title in that language."""
        return self._templates[kind].title

    def template(self, kind: DocumentKind) -> DocumentTemplate:
        return self._templates[kind]

    @property
    def for_reading_only(self) -> bool:
        """A translation (English): the drafts to file are the Russian and Kazakh ones."""
        return any(template.translation is not None for template in self._templates.values())


# The checker's rules (reported by `content check` with the others, each as path:line).

LANGUAGE_NAMES_EN = {"ru": "Russian", "kk": "Kazakh", "en": "English"}
UnknownPhones = Callable[[str, Callable[[int], Location]], list[Problem]]


@dataclass(frozen=True)
class _Where:
    pack: LanguagePack
    kind: DocumentKind

    def __call__(self, *key: str | int) -> Location:
        return self.pack.document_origins[self.kind].where(*key)

    def in_text(self, key: tuple[str | int, ...], text: str) -> Callable[[int], Location]:
        origin = self.pack.document_origins[self.kind]
        return lambda offset: origin.where_in_text(key, text, offset)


def check_documents(tree: ContentTree, today: dt.date, unknown_phones: UnknownPhones) -> list[Problem]:
    problems = _kinds_everywhere(tree)
    for language in LANGUAGES:
        pack = tree.packs[language]
        for kind, template in pack.documents.items():
            where = _Where(pack, kind)
            problems += _template_rules(tree, template, where, today, unknown_phones)
            original = tree.packs[SOURCE_LANGUAGE].documents.get(kind)
            if language != SOURCE_LANGUAGE and original is not None:
                problems += _same_as_source(original, template, where)
    return problems


def _kinds_everywhere(tree: ContentTree) -> list[Problem]:
    """Every kind the bot offers, in every language: she may switch language between choosing and getting."""
    problems = []
    for kind in DocumentKind:
        present = [language for language in LANGUAGES if kind in tree.packs[language].document_origins]
        for language in LANGUAGES:
            pack = tree.packs[language]
            if kind in pack.document_origins or not pack.complete or kind.value in pack.invalid_documents:
                continue
            path = f"{language}/{DOCUMENTS_FOLDER}/{kind.value}.yaml"
            if present:
                other = tree.packs[present[0]]
                problems.append(
                    Problem(other.document_origins[kind].where(), f'document "{kind.value}" is missing in '
                            f"{LANGUAGE_NAMES_EN[language]} (add {path})")
                )  # fmt: skip
            else:
                problems.append(
                    Problem(Location(f"{pack.folder}/{DOCUMENTS_FOLDER}", 1),
                            f'document "{kind.value}" is required by the bot but missing in {language} (add {path})')
                )  # fmt: skip
    return problems


def _template_rules(
    tree: ContentTree, template: DocumentTemplate, where: _Where, today: dt.date, unknown_phones: UnknownPhones
) -> list[Problem]:
    problems = []
    name = f'document "{where.kind.value}"'
    for key, text in template.texts():
        problems += unknown_phones(text, where.in_text(key, text))
        problems += _braces(key, text, where)
    missing = sorted(REQUIRED_PLACEHOLDERS - template.placeholders())
    if missing:
        problems.append(
            Problem(where(), f"{name} must use {_names(missing)} (see content/README.md, document templates)")
        )
    if where.pack.language == TRANSLATION_LANGUAGE and template.translation is None:
        problems.append(
            Problem(where(), f"{name}: an English draft is for reading only; add translation: (a visible line "
                    "saying that the Russian or Kazakh version is the one to file)")
        )  # fmt: skip
    if where.pack.language != TRANSLATION_LANGUAGE and template.translation is not None:
        problems.append(
            Problem(where("translation"), f"{name}: translation: belongs only in the English drafts; this one is "
                    "filed as it is")
        )  # fmt: skip
    if not template.sources:
        problems.append(Problem(where(), f"{name} must list its sources (sources:)"))
    seen: set[str] = set()
    for index, ref in enumerate(template.sources):
        if ref.id in seen:
            problems.append(Problem(where("sources", index), f'source "{ref.id}" is listed twice in this document'))
        seen.add(ref.id)
        if ref.note:
            problems += unknown_phones(ref.note, _fixed(where("sources", index)))
        if ref.id not in tree.sources and ref.id not in tree.invalid_sources and tree.sources_complete:
            problems.append(
                Problem(where("sources", index), f'source "{ref.id}" is not in content/sources.yaml (misspelt? a '
                        "new source is added there first, from the fact sheet)")
            )  # fmt: skip
    if template.checked is None:
        problems.append(Problem(where(), f"{name} must say when its facts were checked (checked: YYYY-MM-DD)"))
    elif template.checked > today:
        problems.append(Problem(where("checked"), f"the date {template.checked} is in the future"))
    return problems


def _braces(key: tuple[str | int, ...], text: str, where: _Where) -> list[Problem]:
    """Only the known placeholders, each where it can be filled; a stray brace would reach the police."""
    problems = []
    at = where.in_text(key, text)
    allowed = set(INLINE_PLACEHOLDERS) if key[0] in ("header", "heading", "text", "footer") else set()
    for match in BRACES.finditer(text):
        placeholder = match.group(1)
        if placeholder in BLOCK_PLACEHOLDERS and key[0] == "text":
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            line = text[line_start : len(text) if line_end < 0 else line_end]
            if line.strip() != match.group(0):
                problems.append(
                    Problem(at(match.start()), f"{match.group(0)} must stand on a line of its own (it becomes a "
                            "list or a table)")
                )  # fmt: skip
        elif placeholder in PLACEHOLDERS and placeholder not in allowed:
            field = key[0]
            problems.append(Problem(at(match.start()), f"{match.group(0)} cannot be used in {field}:"))
        elif placeholder not in PLACEHOLDERS:
            problems.append(
                Problem(at(match.start()), f"unknown placeholder {match.group(0)} (known: {_names(PLACEHOLDERS)})")
            )
    stray = BRACES.sub("", text)
    if "{" in stray or "}" in stray:
        offset = min(position for position in (stray.find("{"), stray.find("}")) if position >= 0)
        problems.append(Problem(at(offset), "a brace that is not part of a {placeholder}; remove it"))
    return problems


def _same_as_source(original: DocumentTemplate, template: DocumentTemplate, where: _Where) -> list[Problem]:
    """A translation fills in the same things and relies on the same sources as the Russian draft."""
    problems = []
    reference = f"{SOURCE_LANGUAGE}/{DOCUMENTS_FOLDER}/{where.kind.value}.yaml"
    expected, found = original.placeholders(), template.placeholders()
    if expected != found:
        problems.append(
            Problem(where(), f'document "{where.kind.value}": placeholders differ from {reference} '
                    f"(expected {_names(expected)}, found {_names(found)})")
        )  # fmt: skip
    expected_sources = sorted(ref.id for ref in original.sources)
    found_sources = sorted(ref.id for ref in template.sources)
    if expected_sources != found_sources:
        problems.append(
            Problem(where("sources") if template.sources else where(), f'document "{where.kind.value}": the '
                    f"sources differ from {reference} (expected {expected_sources}, found {found_sources})")
        )  # fmt: skip
    return problems


def release_reviews(tree: ContentTree, today: dt.date, max_age_days: int) -> list[Problem]:
    """`--release`: every draft carries a recent review, in every language, like legal screens."""
    problems = []
    for pack in tree.packs.values():
        for kind, template in pack.documents.items():
            where = _Where(pack, kind)
            if template.reviewed is None:
                problems.append(
                    Problem(where(), f'document "{kind.value}" has no review; a release needs '
                            "reviewed: {by: lawyer, date: YYYY-MM-DD}")
                )  # fmt: skip
            elif (today - template.reviewed.date).days > max_age_days:
                problems.append(
                    Problem(where("reviewed"), f'document "{kind.value}": its review of {template.reviewed.date} '
                            f"is older than {max_age_days} days; review it again")
                )  # fmt: skip
            elif template.reviewed.date > today:
                problems.append(
                    Problem(where("reviewed"), f"the review date {template.reviewed.date} is in the future")
                )
    return problems


def cited_sources(tree: ContentTree) -> set[str]:
    return {ref.id for pack in tree.packs.values() for template in pack.documents.values() for ref in template.sources}


def _fixed(location: Location) -> Callable[[int], Location]:
    """Every mention in a short text is reported at the text's own line."""
    return lambda _offset: location


def _names(names: set[str] | list[str] | Mapping[str, str]) -> str:
    return ", ".join("{" + name + "}" for name in sorted(names)) or "none"
