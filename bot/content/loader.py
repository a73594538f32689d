"""Loading the content folder into a ContentTree, collecting every problem with its file and line.

Layout (see content/README.md):
    content/values.yaml          language-neutral values for {placeholders} (optional)
    content/<lang>/ui.yaml       UI strings: buttons, prompts, errors (plural forms as a mapping)
    content/<lang>/*.yaml        screens: `screen_id: {text, buttons, kind, sources, checked}`
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.content.documents import DOCUMENTS_FOLDER, DocumentKind, DocumentTemplate
from bot.content.model import (
    PLURAL_CATEGORIES,
    PUBLISHABLE,
    SCREEN_ID_PATTERN,
    SOURCE_ID_PATTERN,
    ContentTree,
    LanguagePack,
    Origin,
    Screen,
    SourceEntry,
)
from bot.content.problems import Location, Problem
from bot.content.registry import LANGUAGES
from bot.content.render import navigation_parents
from bot.content.yaml_source import LoadedYaml, load_yaml

UI_FILE = "ui.yaml"
UI_PREFIX = "ui_"  # ui_journal.yaml, ui_handoff.yaml: more UI strings, one file per feature
VALUES_FILE = "values.yaml"
PHONES_FILE = "phones.yaml"
SOURCES_FILE = "sources.yaml"


def display_path(path: Path) -> str:
    """A path as the editor knows it: relative to the current folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load_content(content_dir: Path) -> tuple[ContentTree, list[Problem]]:
    """Read everything that can be read. Problems are returned, never raised, so all of them are shown."""
    problems: list[Problem] = []
    digest = hashlib.sha256()
    values, values_origins = _load_values(content_dir, problems, digest)
    phones = _load_phones(content_dir, problems, digest)
    sources = _load_sources(content_dir, problems, digest)
    packs = {}
    for language in LANGUAGES:
        packs[language] = _load_language(content_dir / language, language, problems, digest)
    tree = ContentTree(packs, values, values_origins, digest.hexdigest()[:16], phones)
    tree.sources, tree.source_origins, tree.invalid_sources, tree.sources_complete = sources
    tree.parents = navigation_parents(tree)
    return tree, problems


def _read(path: Path, problems: list[Problem], digest: Any) -> LoadedYaml | None:
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.append(Problem(Location(shown, 1), f"cannot read the file ({error.strerror})"))
        return None
    digest.update(shown.encode() + b"\0" + raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(Location(shown, line), "the file is not saved as UTF-8; save it as UTF-8"))
        return None
    loaded = load_yaml(text.removeprefix("\ufeff"), shown)
    problems.extend(loaded.problems)
    return loaded if loaded.data is not None else None


def _load_values(content_dir: Path, problems: list[Problem], digest: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    path = content_dir / VALUES_FILE
    values: dict[str, str] = {}
    origins: dict[str, Origin] = {}
    if not path.exists():
        return values, origins
    loaded = _read(path, problems, digest)
    if loaded is None:
        return values, origins
    if not isinstance(loaded.data, dict):
        problems.append(Problem(loaded.source.where(()), "values.yaml must be a list of `name: value` lines"))
        return values, origins
    for name, value in loaded.data.items():
        origin = Origin(loaded.source, (name,))
        if isinstance(value, dict | list) or value is None:
            problems.append(Problem(origin.where(), f'value "{name}" must be a single number or text'))
            continue
        values[name] = value
        origins[name] = origin
    return values, origins


def _load_phones(content_dir: Path, problems: list[Problem], digest: Any) -> frozenset[str]:
    path = content_dir / PHONES_FILE
    if not path.exists():
        problems.append(Problem(Location(display_path(path), 1), "the list of allowed phone numbers is missing"))
        return frozenset()
    loaded = _read(path, problems, digest)
    if loaded is None or not isinstance(loaded.data, dict):
        if loaded is not None:
            problems.append(Problem(loaded.source.where(()), 'phones.yaml must be a list of "number": blocks'))
        return frozenset()
    phones = set()
    for number, entry in loaded.data.items():
        where = loaded.source.where((number,))
        if not re.fullmatch(r"\d{3,15}", number):
            problems.append(Problem(where, f'"{number}" must be written as digits only, in quotes'))
            continue
        if not isinstance(entry, dict) or not entry.get("source") or not entry.get("purpose"):
            problems.append(Problem(where, f"number {number} needs purpose: and source: (from the fact sheet)"))
            continue
        if entry.get("confidence") not in PUBLISHABLE:
            problems.append(
                Problem(where, f"number {number}: confidence must be high or medium in the fact sheet to publish")
            )
            continue
        phones.add(number)
    return frozenset(phones)


def _load_sources(
    content_dir: Path, problems: list[Problem], digest: Any
) -> tuple[dict[str, SourceEntry], dict[str, Origin], set[str], bool]:
    """content/sources.yaml: every source once, by id; screens cite the ids."""
    path = content_dir / SOURCES_FILE
    sources: dict[str, SourceEntry] = {}
    origins: dict[str, Origin] = {}
    invalid: set[str] = set()
    if not path.exists():
        problems.append(Problem(Location(display_path(path), 1), "the list of sources (sources.yaml) is missing"))
        return sources, origins, invalid, False
    loaded = _read(path, problems, digest)
    if loaded is None or not isinstance(loaded.data, dict):
        if loaded is not None:
            problems.append(Problem(loaded.source.where(()), "sources.yaml must be a list of `source-id:` blocks"))
        return sources, origins, invalid, False
    for source_id, raw in loaded.data.items():
        origin = Origin(loaded.source, (source_id,))
        if not re.match(SOURCE_ID_PATTERN, source_id):
            problems.append(
                Problem(origin.where(), f'source id "{source_id}" may use only small latin letters, digits and -')
            )
            invalid.add(source_id)
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(origin.where(), f'source "{source_id}" needs title:, short:, publisher:, …'))
            invalid.add(source_id)
            continue
        try:
            sources[source_id] = SourceEntry.model_validate(raw)
        except ValidationError as error:
            problems.extend(_pydantic_problems(error, origin, f'source "{source_id}"'))
            invalid.add(source_id)
            continue
        origins[source_id] = origin
    return sources, origins, invalid, True


def _load_language(folder: Path, language: str, problems: list[Problem], digest: Any) -> LanguagePack:
    pack = LanguagePack(language, folder=display_path(folder))
    if not folder.is_dir():
        problems.append(Problem(Location(display_path(folder), 1), f"the folder for language {language} is missing"))
        return pack
    for path in sorted(folder.glob("*.yaml")):
        loaded = _read(path, problems, digest)
        if loaded is None:
            pack.complete = False
            continue
        if path.name == UI_FILE or path.name.startswith(UI_PREFIX):
            _load_ui(loaded, pack, problems)
        else:
            _load_screens(loaded, path.name, pack, problems)
    _load_documents(folder / DOCUMENTS_FOLDER, pack, problems, digest)
    if not (folder / UI_FILE).exists():
        problems.append(Problem(Location(display_path(folder / UI_FILE), 1), "the UI strings file is missing"))
    for stray in sorted(folder.glob("*.yml")):
        problems.append(Problem(Location(display_path(stray), 1), "rename this file to end in .yaml"))
    return pack


def _load_documents(folder: Path, pack: LanguagePack, problems: list[Problem], digest: Any) -> None:
    """content/<lang>/documents/<kind>.yaml: one draft's template per file, named after its kind."""
    known = ", ".join(kind.value for kind in DocumentKind)
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        if path.suffix == ".yml":
            problems.append(Problem(Location(display_path(path), 1), "rename this file to end in .yaml"))
            continue
        loaded = _read(path, problems, digest)
        if loaded is None:
            pack.complete = False
            continue
        if path.stem not in {kind.value for kind in DocumentKind}:
            problems.append(
                Problem(loaded.source.where(()), f'"{path.stem}" is not a kind of document the bot makes ({known})')
            )
            continue
        kind = DocumentKind(path.stem)
        origin = Origin(loaded.source, ())
        pack.document_origins[kind] = origin
        if not isinstance(loaded.data, dict):
            problems.append(Problem(origin.where(), "a document template needs fields such as title: and text:"))
            pack.invalid_documents.add(kind.value)
            continue
        try:
            pack.documents[kind] = DocumentTemplate.model_validate(loaded.data)
        except ValidationError as error:
            problems.extend(_pydantic_problems(error, origin, f'document "{kind.value}"'))
            pack.invalid_documents.add(kind.value)


def _load_screens(loaded: LoadedYaml, file_name: str, pack: LanguagePack, problems: list[Problem]) -> None:
    if not isinstance(loaded.data, dict):
        problems.append(Problem(loaded.source.where(()), "a screens file must be a list of `screen_id:` blocks"))
        return
    for screen_id, raw in loaded.data.items():
        origin = Origin(loaded.source, (screen_id,))
        if not _valid_screen_id(screen_id):
            problems.append(
                Problem(
                    origin.where(),
                    f'screen id "{screen_id}" may use only small latin letters, digits and _ (up to 48)',
                )
            )
            continue
        if screen_id in pack.screens:
            first = pack.screen_origins[screen_id].where()
            problems.append(Problem(origin.where(), f'screen "{screen_id}" is defined twice (also at {first})'))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(origin.where(), f'screen "{screen_id}" needs fields such as text: and buttons:'))
            pack.invalid_screens.add(screen_id)
            continue
        try:
            screen = Screen.model_validate(raw)
        except ValidationError as error:
            problems.extend(_pydantic_problems(error, origin, f'screen "{screen_id}"'))
            pack.invalid_screens.add(screen_id)
            continue
        pack.screens[screen_id] = screen
        pack.screen_origins[screen_id] = origin
        pack.screen_files[screen_id] = file_name


def _load_ui(loaded: LoadedYaml, pack: LanguagePack, problems: list[Problem]) -> None:
    if not isinstance(loaded.data, dict):
        problems.append(Problem(loaded.source.where(()), "ui.yaml must be a list of `key: text` lines"))
        return
    for key, value in loaded.data.items():
        origin = Origin(loaded.source, (key,))
        if key in pack.ui_origins:
            first = pack.ui_origins[key].where()
            problems.append(Problem(origin.where(), f'UI string "{key}" is defined twice (also at {first})'))
            continue
        if isinstance(value, str) and value.strip():
            pack.ui[key] = value
        elif isinstance(value, dict) and value and all(isinstance(v, str) and v.strip() for v in value.values()):
            unknown = sorted(set(value) - PLURAL_CATEGORIES)
            if unknown:
                problems.append(
                    Problem(
                        origin.where(),
                        f'"{key}": {", ".join(unknown)} is not a plural form; use one, few, many, other',
                    )
                )
                continue
            pack.ui[key] = dict(value)
        else:
            problems.append(Problem(origin.where(), f'"{key}" must be a text, or plural forms (one:, other:, …)'))
            continue
        pack.ui_origins[key] = origin


def _valid_screen_id(screen_id: object) -> bool:
    return isinstance(screen_id, str) and re.match(SCREEN_ID_PATTERN, screen_id) is not None


FRIENDLY = {
    "missing": 'is missing: add "{field}:"',
    "extra_forbidden": 'has an unknown field "{field}" (check the spelling)',
}


def _pydantic_problems(error: ValidationError, origin: Origin, what: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        field = str(location[-1]) if location else ""
        if item["type"] in FRIENDLY:
            message = FRIENDLY[item["type"]].format(field=field)
            where = origin.where(*location[:-1]) if item["type"] == "missing" else origin.where(*location)
        else:
            message = f"{'.'.join(str(part) for part in location)}: {item['msg'].removeprefix('Value error, ')}"
            where = _best_location(origin, location)
        problems.append(Problem(where, f"{what} {message}"))
    return problems


def _best_location(origin: Origin, location: tuple[Any, ...]) -> Location:
    # A row written as a single button has no inner index in the file: buttons.2.0.text is buttons.2.text.
    exact = (*origin.key, *location)
    if exact not in origin.source.lines and len(location) >= 3 and location[:1] == ("buttons",):
        return origin.where(location[0], location[1], *location[3:])
    return origin.where(*location)
