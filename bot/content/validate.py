"""Checks across the whole content tree: what no single file can tell.

Every rule here exists because breaking it would show a survivor something wrong, broken or missing:
a screen that exists in Russian but not in Kazakh, a button to nowhere, a legal screen with no source,
a text Telegram would refuse to send.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from bot.content import callbacks
from bot.content.documents import check_documents, cited_sources, release_reviews
from bot.content.i18n import plural_categories
from bot.content.loader import load_content
from bot.content.markup import placeholders_in
from bot.content.model import ContentTree, LanguagePack, Origin, defined
from bot.content.phones import phone_mentions
from bot.content.problems import Location, Problem, Severity
from bot.content.registry import (
    CANNED_PREFIX,
    COMPOSED_MESSAGES,
    KNOWN_ACTIONS,
    LANGUAGES,
    REQUIRED_SCREENS,
    ROOT_SCREENS,
    SOURCE_LANGUAGE,
    UiKeys,
)
from bot.content.render import render_parts, render_screen, render_sources, shows_sources

MAX_TEXT = 4096  # Telegram's limit for a message, counted after formatting
LONG_FOR_A_PHONE = 1200  # beyond this a screen needs scrolling on a small phone: split it
LONG_BUTTON = 40  # longer button labels are cut off on narrow screens
LANGUAGE_NAMES_EN = {"ru": "Russian", "kk": "Kazakh", "en": "English"}


DEFAULT_REVIEW_AGE_DAYS = 180


@dataclass(frozen=True)
class ReleasePolicy:
    """`content check --release`: legal and service screens need a review no older than this."""

    max_review_age_days: int = DEFAULT_REVIEW_AGE_DAYS


def check_content(
    content_dir: Path, ui_keys: UiKeys, today: dt.date | None = None, release: ReleasePolicy | None = None
) -> tuple[ContentTree, list[Problem]]:
    """Load and check everything against the UI strings the code uses; problems sorted by file and line."""
    tree, problems = load_content(content_dir)
    today = today or dt.date.today()
    problems.extend(check_tree(tree, today, ui_keys))
    if release is not None:
        problems.extend(_release_reviews(tree, today, release))
        problems.extend(release_reviews(tree, today, release.max_review_age_days))
    return tree, sorted(set(problems), key=lambda problem: (problem.location, problem.message))


def _release_reviews(tree: ContentTree, today: dt.date, policy: ReleasePolicy) -> list[Problem]:
    """Before a release, every legal and service screen carries a recent review, in every language."""
    problems = []
    for pack in tree.packs.values():
        for screen_id, screen in pack.screens.items():
            if not screen.kind.needs_sources:
                continue
            origin = pack.screen_origins[screen_id]
            if screen.reviewed is None:
                problems.append(
                    Problem(origin.where(), f'{screen.kind} screen "{screen_id}" has no review; a release needs '
                            "reviewed: {by: lawyer, date: YYYY-MM-DD}")
                )  # fmt: skip
            elif (today - screen.reviewed.date).days > policy.max_review_age_days:
                problems.append(
                    Problem(origin.where("reviewed"), f'{screen.kind} screen "{screen_id}": its review of '
                            f"{screen.reviewed.date} is older than {policy.max_review_age_days} days; review it again")
                )  # fmt: skip
            elif screen.reviewed.date > today:
                problems.append(
                    Problem(origin.where("reviewed"), f"the review date {screen.reviewed.date} is in the future")
                )
    return problems


def check_tree(tree: ContentTree, today: dt.date, ui_keys: UiKeys) -> list[Problem]:
    problems: list[Problem] = []
    source = tree.packs[SOURCE_LANGUAGE]
    problems += _required_screens(tree)
    problems += _same_screens_everywhere(tree)
    for language in LANGUAGES:
        pack = tree.packs[language]
        for screen_id in pack.screens:
            problems += _screen_rules(tree, pack, screen_id, today)
            if language != SOURCE_LANGUAGE and screen_id in source.screens:
                problems += _same_structure(source, pack, screen_id)
    problems += _reachability(source)
    problems += _composed_messages(tree)
    problems += [
        Problem(source.screen_origins[screen_id].where("translated_from"),
                f'"translated_from" belongs in translations, not in the {SOURCE_LANGUAGE} source screen "{screen_id}"',
                Severity.WARNING)
        for screen_id, screen in source.screens.items() if screen.translated_from is not None
    ]  # fmt: skip
    problems += _ui_strings(tree, ui_keys)
    problems += _unused_values(tree)
    problems += check_documents(tree, today, lambda text, where: _unknown_phones(tree, text, where))
    problems += _source_list(tree, today)
    return problems


def _required_screens(tree: ContentTree) -> list[Problem]:
    problems = []
    for language in LANGUAGES:
        pack = tree.packs[language]
        if not pack.complete:
            continue
        for screen_id in REQUIRED_SCREENS:
            if not defined(pack, screen_id):
                problems.append(
                    Problem(
                        Location(pack.folder, 1),
                        f'screen "{screen_id}" is required by the bot but missing in {language}',
                    )
                )
    return problems


def _same_screens_everywhere(tree: ContentTree) -> list[Problem]:
    problems = []
    all_ids = set().union(*(pack.screens for pack in tree.packs.values()))
    for screen_id in sorted(all_ids):
        present = [language for language in LANGUAGES if screen_id in tree.packs[language].screens]
        missing = [
            language
            for language in LANGUAGES
            if not defined(tree.packs[language], screen_id) and tree.packs[language].complete
        ]
        if not missing or screen_id in REQUIRED_SCREENS:
            continue  # required screens are reported by _required_screens
        first = tree.packs[present[0]]
        file_name = first.screen_files[screen_id]
        for language in missing:
            problems.append(
                Problem(
                    first.screen_origins[screen_id].where(),
                    f'screen "{screen_id}" is missing in {LANGUAGE_NAMES_EN[language]} '
                    f"(add it to {language}/{file_name})",
                )
            )
    return problems


def _screen_rules(tree: ContentTree, pack: LanguagePack, screen_id: str, today: dt.date) -> list[Problem]:
    screen = pack.screens[screen_id]
    origin = pack.screen_origins[screen_id]
    problems = []
    try:
        view = render_screen(tree, pack.language, screen_id)
    except (KeyError, ValueError, IndexError) as error:
        # A broken or missing UI string (reported on its own line) keeps the screen from rendering.
        if not pack.complete:
            return []
        return [Problem(origin.where(), f'screen "{screen_id}" cannot be shown: {error}')]
    for issue in view.issues:
        problems.append(
            Problem(origin.where_in_text(("text",), screen.text, issue.offset), issue.message, issue.severity)
        )
    problems += _unknown_phones(tree, screen.text, lambda offset: origin.where_in_text(("text",), screen.text, offset))
    if view.length > MAX_TEXT:
        problems.append(
            Problem(
                origin.where("text"),
                f'screen "{screen_id}" is {view.length} characters long; Telegram allows {MAX_TEXT}. '
                "Split it into two screens",
            )
        )
    elif view.length > LONG_FOR_A_PHONE:
        problems.append(
            Problem(
                origin.where("text"),
                f'screen "{screen_id}" is {view.length} characters long: hard to read on a phone; '
                "consider splitting it",
                Severity.WARNING,
            )
        )
    for row_index, row in enumerate(screen.buttons):
        for column, button in enumerate(row):
            where = _button_location(origin, row_index, column)
            if button.to is not None and not defined(pack, button.to) and pack.complete:
                problems.append(
                    Problem(where, f'button "{button.text}" opens screen "{button.to}", which does not exist')
                )
            if button.action is not None and button.action not in KNOWN_ACTIONS:
                known = ", ".join(sorted(KNOWN_ACTIONS))
                problems.append(
                    Problem(where, f'button "{button.text}": unknown action "{button.action}" (known: {known})')
                )
            data = callbacks.for_screen(button.to) if button.to else callbacks.for_action(button.action or "")
            if button.url is None and len(data.encode("utf-8")) > callbacks.MAX_BYTES:
                problems.append(
                    Problem(
                        where,
                        f'button "{button.text}": its payload "{data}" is over Telegram\'s '
                        f"{callbacks.MAX_BYTES} bytes; use a shorter screen id or action",
                    )
                )
            if len(button.text) > LONG_BUTTON:
                problems.append(
                    Problem(
                        where,
                        f'button "{button.text}" is long and will be cut off on phones',
                        Severity.WARNING,
                    )
                )
    item_ids = [item.id for item in screen.checklist]
    for duplicate in sorted({item for item in item_ids if item_ids.count(item) > 1}):
        problems.append(Problem(origin.where("checklist"), f'checklist item "{duplicate}" appears twice'))
    if len(item_ids) > 30:
        problems.append(Problem(origin.where("checklist"), "a checklist may have at most 30 items; split it"))
    problems += _screen_sources(tree, pack, screen_id)
    if screen.kind.needs_sources:
        if not screen.sources:
            problems.append(
                Problem(origin.where(), f'{screen.kind} screen "{screen_id}" must list its sources (sources:)')
            )
        if screen.checked is None:
            problems.append(
                Problem(
                    origin.where(),
                    f'{screen.kind} screen "{screen_id}" must say when its facts were checked (checked: YYYY-MM-DD)',
                )
            )
    if screen.checked is not None and screen.checked > today:
        problems.append(Problem(origin.where("checked"), f"the date {screen.checked} is in the future"))
    return problems


def _screen_sources(tree: ContentTree, pack: LanguagePack, screen_id: str) -> list[Problem]:
    """Every cited id is in content/sources.yaml, once per screen; the full list fits in a message."""
    screen = pack.screens[screen_id]
    origin = pack.screen_origins[screen_id]
    problems = []
    seen: set[str] = set()
    for index, ref in enumerate(screen.sources):
        where = origin.where("sources", index)
        if ref.id in seen:
            problems.append(
                Problem(where, f'source "{ref.id}" is listed twice on this screen; give it once, with one note')
            )
        seen.add(ref.id)
        if ref.note:  # shown to her on the source line: the phone rule holds here too
            problems += _unknown_phones(tree, ref.note, _at(where))
        if ref.id not in tree.sources and ref.id not in tree.invalid_sources and tree.sources_complete:
            problems.append(
                Problem(
                    where,
                    f'source "{ref.id}" is not in content/sources.yaml (misspelt? a new source is added there first, '
                    "from the fact sheet)",
                )
            )
    if shows_sources(tree, screen):
        length = render_sources(tree, pack.language, screen_id).length
        if length > MAX_TEXT:
            problems.append(
                Problem(origin.where("sources"), f'the sources of "{screen_id}" are {length} characters long in '
                        f"full; Telegram allows {MAX_TEXT}. Cite fewer")
            )  # fmt: skip
    return problems


def _source_list(tree: ContentTree, today: dt.date) -> list[Problem]:
    """content/sources.yaml stays true: every source in it is cited by a screen, and none is from the future."""
    problems = []
    for source_id, source in tree.sources.items():
        origin = tree.source_origins[source_id]
        entry = origin.where()
        shown = [source.title, *source.titles.values(), source.publisher]
        shown += [source.short] if isinstance(source.short, str) else list(source.short.values())
        for text in shown:  # shown to her in the full list: the phone rule holds here too
            problems += _unknown_phones(tree, text, _at(entry))
        if source.first_day > today:
            problems.append(Problem(origin.where("date"), f"the date {source.date} is in the future"))
    complete = all(
        pack.complete and not pack.invalid_screens and not pack.invalid_documents for pack in tree.packs.values()
    )
    if not complete:
        return problems  # citations inside unreadable screens are unknown; the editor fixes those first
    cited = {ref.id for pack in tree.packs.values() for screen in pack.screens.values() for ref in screen.sources}
    cited |= cited_sources(tree)  # the drafts' templates cite sources too
    problems += [
        Problem(
            origin.where(),
            f'source "{source_id}" is not cited by any screen or document: cite it (sources: [{source_id}]) or remove '
            "it, so the list holds only what the bot relies on",
        )
        for source_id, origin in tree.source_origins.items()
        if source_id not in cited
    ]
    return problems


def _at(location: Location) -> Callable[[int], Location]:
    """Every mention in a short text is reported at the text's own line."""
    return lambda _offset: location


def _unknown_phones(tree: ContentTree, text: str, where: Callable[[int], Location]) -> list[Problem]:
    return [
        Problem(
            where(mention.offset),
            f"{mention.number} looks like a phone number but is not in content/phones.yaml; only numbers "
            "confirmed in the fact sheet may be published (an article? write its code or the word article "
            "first; an amount or a count? put it in content/values.yaml and write {name})",
        )
        for mention in phone_mentions(text)
        if mention.number not in tree.phones
    ]


def _button_location(origin: Origin, row: int, column: int) -> Location:
    exact = (*origin.key, "buttons", row, column)
    if exact in origin.source.lines:
        return origin.source.where(exact)
    return origin.where("buttons", row)


def _same_structure(source: LanguagePack, pack: LanguagePack, screen_id: str) -> list[Problem]:
    """A translation shows the same screen: same kind, same buttons doing the same things, same placeholders."""
    original, translated = source.screens[screen_id], pack.screens[screen_id]
    origin = pack.screen_origins[screen_id]
    problems = []
    reference = f"{SOURCE_LANGUAGE}/{source.screen_files[screen_id]}"
    if original.kind != translated.kind:
        problems.append(
            Problem(
                origin.where("kind") if (*origin.key, "kind") in origin.source.lines else origin.where(),
                f'screen "{screen_id}" is "{translated.kind}" here but "{original.kind}" in {reference}',
            )
        )
    layout = [[button.target_key for button in row] for row in original.buttons]
    translated_layout = [[button.target_key for button in row] for row in translated.buttons]
    if layout != translated_layout:
        problems.append(
            Problem(
                origin.where("buttons") if translated.buttons else origin.where(),
                f'screen "{screen_id}": the buttons differ from {reference} '
                f"(expected {_describe_layout(layout)}, found {_describe_layout(translated_layout)})",
            )
        )
    if original.menu_button != translated.menu_button:
        problems.append(Problem(origin.where(), f'screen "{screen_id}": menu_button differs from {reference}'))
    expected_items = [item.id for item in original.checklist]
    found_items = [item.id for item in translated.checklist]
    if expected_items != found_items:
        problems.append(
            Problem(
                origin.where("checklist") if translated.checklist else origin.where(),
                f'screen "{screen_id}": the checklist items differ from {reference} '
                f"(expected {expected_items}, found {found_items})",
            )
        )
    expected, found = placeholders_in(original.text), placeholders_in(translated.text)
    if expected != found:
        problems.append(
            Problem(
                origin.where("text"),
                f'screen "{screen_id}": placeholders differ from {reference} '
                f"(expected {_names(expected)}, found {_names(found)})",
            )
        )
    expected_sources = sorted(ref.id for ref in original.sources)
    found_sources = sorted(ref.id for ref in translated.sources)
    if expected_sources != found_sources:
        problems.append(
            Problem(
                origin.where("sources") if translated.sources else origin.where(),
                f'screen "{screen_id}": the sources differ from {reference} '
                f"(expected {expected_sources}, found {found_sources})",
            )
        )
    if original.show_sources != translated.show_sources:
        problems.append(Problem(origin.where(), f'screen "{screen_id}": show_sources differs from {reference}'))
    return problems


def _describe_layout(layout: list[list[tuple[str, str]]]) -> str:
    rows = [" | ".join(f"{kind} {target}" for kind, target in row) for row in layout]
    return "[" + "; ".join(rows) + "]" if rows else "no buttons"


def _names(names: set[str]) -> str:
    return ", ".join("{" + name + "}" for name in sorted(names)) or "none"


def _reachability(pack: LanguagePack) -> list[Problem]:
    """A screen nobody can open is dead weight, or a link someone forgot: both worth knowing."""
    if not pack.complete or pack.invalid_screens:
        return []  # links inside unreadable screens are unknown; the editor fixes those first
    seen = set()
    queue = deque(screen_id for screen_id in ROOT_SCREENS if screen_id in pack.screens)
    while queue:
        screen_id = queue.popleft()
        if screen_id in seen:
            continue
        seen.add(screen_id)
        for row in pack.screens[screen_id].buttons:
            queue.extend(button.to for button in row if button.to and button.to in pack.screens)
    return [
        Problem(
            pack.screen_origins[screen_id].where(),
            f'screen "{screen_id}" cannot be reached: no button opens it',
        )
        for screen_id in pack.screens
        if screen_id not in seen
    ]


def _composed_messages(tree: ContentTree) -> list[Problem]:
    """A message the code makes of several screens (the danger check's result with every sign marked) must
    fit one Telegram message too; the problem is reported at its first screen."""
    problems = []
    for parts in COMPOSED_MESSAGES:
        for language in LANGUAGES:
            pack = tree.packs[language]
            if not all(screen_id in pack.screens for screen_id in parts):
                continue  # a missing part is reported on its own
            length = render_parts(tree, language, parts, parts[0]).length
            if length > MAX_TEXT:
                problems.append(
                    Problem(pack.screen_origins[parts[0]].where("text"), f"the screens {', '.join(parts)} are shown "
                            f"together as one message of {length} characters; Telegram allows {MAX_TEXT}. Shorten them")
                )  # fmt: skip
    return problems


def _ui_strings(tree: ContentTree, ui_keys: UiKeys) -> list[Problem]:
    problems = []
    source = tree.packs[SOURCE_LANGUAGE]
    for language in LANGUAGES:
        pack = tree.packs[language]
        needed = plural_categories(language)
        for key in ui_keys:
            if key not in pack.ui and pack.complete:
                problems.append(Problem(Location(f"{pack.folder}/ui.yaml", 1), f'UI string "{key}" is missing'))
        for key in sorted(_canned_keys(tree) - set(pack.ui)):
            if pack.complete:
                problems.append(
                    Problem(Location(f"{pack.folder}/ui_handoff.yaml", 1), f'canned reply "{key}" is missing here')
                )
        for key, entry in pack.ui.items():
            where = pack.ui_origins[key].where()
            if key.startswith(CANNED_PREFIX) and not re.fullmatch(r"canned_[a-z0-9_]{1,30}", key):
                problems.append(Problem(where, f'"{key}": a canned reply is named canned_ and up to 30 small latin '
                                        "letters, digits or _"))  # fmt: skip
            if key not in ui_keys and not key.startswith(CANNED_PREFIX):
                problems.append(
                    Problem(where, f'UI string "{key}" is not used by the bot (misspelt?)', Severity.WARNING)
                )
            forms = entry.values() if isinstance(entry, dict) else [entry]
            if isinstance(entry, dict):
                missing = sorted(needed - set(entry))
                if missing:
                    problems.append(
                        Problem(where, f'"{key}" needs the plural forms {", ".join(missing)} in {language}')
                    )
            found = set().union(*(placeholders_in(form) for form in forms))
            for form in forms:
                problems += _unknown_phones(tree, form, _at(where))
            allowed = ui_keys.get(key, frozenset()) | ({"count"} if isinstance(entry, dict) else set())
            if key in ui_keys and not found <= allowed:
                problems.append(
                    Problem(where, f'"{key}" uses {_names(found - allowed)}, which the bot does not provide')
                )
            elif broken := _unformattable(forms, allowed | found):
                problems.append(Problem(where, f'"{key}": {broken}; write {{{{ or }}}} to show a brace'))
            if language != SOURCE_LANGUAGE and key in source.ui:
                original = source.ui[key]
                original_forms = original.values() if isinstance(original, dict) else [original]
                expected = set().union(*(placeholders_in(form) for form in original_forms))
                if expected != found:
                    problems.append(
                        Problem(
                            where,
                            f'"{key}": placeholders differ from {SOURCE_LANGUAGE}/ui.yaml '
                            f"(expected {_names(expected)}, found {_names(found)})",
                        )
                    )
    return problems


def _canned_keys(tree: ContentTree) -> set[str]:
    """Canned replies are UI strings named canned_…: editors add them freely, in every language."""
    return {key for pack in tree.packs.values() for key in pack.ui if key.startswith(CANNED_PREFIX)}


def _unformattable(forms: Iterable[str], names: AbstractSet[str]) -> str | None:
    for form in forms:
        try:
            form.format(**dict.fromkeys(names, ""))
        except (KeyError, ValueError, IndexError) as error:
            return f"cannot be filled in ({error})"
    return None


def _unused_values(tree: ContentTree) -> list[Problem]:
    used = set()
    for pack in tree.packs.values():
        for screen in pack.screens.values():
            used |= placeholders_in(screen.text)
    return [
        Problem(origin.where(), f'value "{name}" is not used by any screen', Severity.WARNING)
        for name, origin in tree.values_origins.items()
        if name not in used
    ]
