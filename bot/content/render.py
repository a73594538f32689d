"""Turning a screen of the content tree into what Telegram shows: HTML text and rows of buttons.

The bot, the checker and the preview all render through here, so what the checker measures (length,
formatting) is exactly what the survivor receives.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.content import callbacks
from bot.content.i18n import Localizer
from bot.content.markup import MarkupIssue, to_html
from bot.content.model import Button, ContentTree, Screen, SourceEntry, SourceRef
from bot.content.registry import EMERGENCY_SCREEN, EXIT_ACTION, MENU_SCREEN, ROOT_SCREENS, SOURCE_LANGUAGE


@dataclass(frozen=True)
class ButtonView:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class ScreenView:
    screen_id: str
    language: str
    html: str
    buttons: list[list[ButtonView]]
    length: int  # visible characters, as Telegram counts them
    issues: list[MarkupIssue] = field(default_factory=list)
    # What the layer that shows the view builds from it once (the Telegram keyboard, serialised): a rendered
    # view is kept until the next reload (ContentStore), so this is built once per screen, language, ticks
    # and content version. Never copied: a view changed with dataclasses.replace() starts with none.
    derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)


def localizer(tree: ContentTree, language: str) -> Localizer:
    return Localizer(language, tree.packs[language].ui)


def render_screen(tree: ContentTree, language: str, screen_id: str, ticked: frozenset[str] = frozenset()) -> ScreenView:
    """`ticked`: the ids of the checklist items this person has ticked on this screen."""
    screen = tree.packs[language].screens[screen_id]
    ui = localizer(tree, language)
    values = {name: _format_value(ui, value) for name, value in tree.values.items()}
    body = to_html(screen.text.strip(), values)
    footer_html, footer_plain = _sources_line(tree, screen, ui)
    buttons = _checklist_rows(screen, screen_id, ticked, ui)
    buttons += [[button_view(button) for button in row] for row in screen.buttons]
    if shows_sources(tree, screen):
        buttons.append([ButtonView(ui.text("button_sources"), callbacks.for_sources(screen_id))])
    buttons += _navigation_rows(tree, screen, screen_id, ui)
    length = body.length + len(footer_plain.encode("utf-16-le")) // 2
    return ScreenView(screen_id, language, body.html + footer_html, buttons, length, body.issues)


def _checklist_rows(screen: Screen, screen_id: str, ticked: frozenset[str], ui: Localizer) -> list[list[ButtonView]]:
    rows = [
        [
            ButtonView(
                ("☑ " if item.id in ticked else "☐ ") + item.text,
                callbacks.for_tick(screen_id, index, item.id not in ticked),
            )
        ]
        for index, item in enumerate(screen.checklist)
    ]
    if ticked & {item.id for item in screen.checklist}:
        rows.append([ButtonView(ui.text("clear_ticks"), callbacks.for_clear(screen_id))])
    return rows


def _navigation_rows(tree: ContentTree, screen: Screen, screen_id: str, ui: Localizer) -> list[list[ButtonView]]:
    """Back and Main menu, then the emergency numbers and Exit: the way out is one tap away everywhere."""
    top = []
    if screen.menu_button:
        parent = tree.parents.get(screen_id)
        if parent is not None and parent != MENU_SCREEN:
            top.append(ButtonView(ui.text("button_back"), callbacks.for_screen(parent)))
        if screen_id != MENU_SCREEN:
            top.append(ButtonView(ui.text("button_menu"), callbacks.for_screen(MENU_SCREEN)))
    return [row for row in (top, _way_out_row(screen_id, ui)) if row]


def _way_out_row(screen_id: str, ui: Localizer) -> list[ButtonView]:
    bottom = (
        []
        if screen_id == EMERGENCY_SCREEN
        else [ButtonView(ui.text("button_sos"), callbacks.for_screen(EMERGENCY_SCREEN))]
    )
    bottom.append(ButtonView(ui.text("button_exit"), callbacks.for_action(EXIT_ACTION)))
    return bottom


def navigation_parents(tree: ContentTree) -> dict[str, str]:
    """Where Back leads from each screen: the screen it is first reached from, going out from the screens
    the bot opens by itself (the shortest way in, in the source language's structure)."""
    screens = tree.packs[SOURCE_LANGUAGE].screens
    parents: dict[str, str] = {}
    seen = {screen_id for screen_id in ROOT_SCREENS if screen_id in screens}
    queue = deque(screen_id for screen_id in ROOT_SCREENS if screen_id in screens)
    while queue:
        current = queue.popleft()
        for row in screens[current].buttons:
            for button in row:
                if button.to and button.to in screens and button.to not in seen:
                    seen.add(button.to)
                    parents[button.to] = current
                    queue.append(button.to)
    return parents


def button_view(button: Button) -> ButtonView:
    if button.to is not None:
        return ButtonView(button.text, callbacks.for_screen(button.to))
    if button.action is not None:
        return ButtonView(button.text, callbacks.for_action(button.action))
    return ButtonView(button.text, url=button.url)


def shows_sources(tree: ContentTree, screen: Screen) -> bool:
    """Whether the screen shows its source line and the Sources button. The first screens set
    show_sources: false: a frightened person needs the numbers, not the references."""
    return screen.show_sources and any(ref.id in tree.sources for ref in screen.sources)


def _cited(tree: ContentTree, screen: Screen) -> list[tuple[SourceRef, SourceEntry]]:
    # An unknown id is the checker's to report; the bot never serves such content.
    return [(ref, tree.sources[ref.id]) for ref in screen.sources if ref.id in tree.sources]


def _cited_by_all(tree: ContentTree, screens: Sequence[Screen]) -> list[tuple[SourceRef, SourceEntry]]:
    """The sources of several screens shown as one message: each source once, where it is first cited, with
    what the screens' notes name, each once ("102, 112" and "103, 112" become "102, 112, 103")."""
    notes: dict[str, list[str]] = {}
    for screen in screens:
        for ref, _ in _cited(tree, screen):
            found = notes.setdefault(ref.id, [])
            found += [item for item in (ref.note or "").split(", ") if item and item not in found]
    return [(SourceRef(id=key, note=", ".join(kept) or None), tree.sources[key]) for key, kept in notes.items()]


def _oldest_checked(screens: Sequence[Screen]) -> dt.date | None:
    """A message made of several screens is only as fresh as its oldest part."""
    dates = [screen.checked for screen in screens if screen.checked is not None]
    return min(dates) if dates else None


def _sources_line(tree: ContentTree, screen: Screen, ui: Localizer) -> tuple[str, str]:
    """One short line under the text: the sources' short labels and the "checked on" date, so every legal
    fact shows where it comes from without burying the text; the full list is one tap away."""
    if not screen.show_sources:
        return "", ""
    return _line(_cited(tree, screen), screen.checked, ui)


def _line(cited: list[tuple[SourceRef, SourceEntry]], checked: dt.date | None, ui: Localizer) -> tuple[str, str]:
    parts = []
    labels = [source.short_for(ui.language) + (f" ({ref.note})" if ref.note else "") for ref, source in cited]
    if labels:
        parts.append(f"{ui.text('sources')}: " + " · ".join(labels))
    if checked is not None:
        parts.append(ui.text("checked_on", date=checked))
    if not parts:
        return "", ""
    line = " · ".join(parts)
    return f"\n\n<i>{html.escape(line, quote=False)}</i>", f"\n\n{line}"


def render_parts(tree: ContentTree, language: str, screen_ids: Sequence[str], view_id: str) -> ScreenView:
    """One message made of several screens' texts, in order (the danger check's result: the signs she marked,
    each with what to do), under one source line for all of them. No buttons: the code that composes the
    message adds its own. Its sources in full: `render_parts_sources`."""
    screens = [tree.packs[language].screens[screen_id] for screen_id in screen_ids]
    ui = localizer(tree, language)
    values = {name: _format_value(ui, value) for name, value in tree.values.items()}
    bodies = [to_html(screen.text.strip(), values) for screen in screens]
    footer_html, footer_plain = _line(_cited_by_all(tree, screens), _oldest_checked(screens), ui)
    body_html = "\n\n".join(body.html for body in bodies)
    length = sum(body.length for body in bodies) + 2 * (len(bodies) - 1) + len(footer_plain.encode("utf-16-le")) // 2
    # Markup problems are the checker's to report, screen by screen, where the editor can find them.
    return ScreenView(view_id, language, body_html + footer_html, [], length)


def render_sources(tree: ContentTree, language: str, screen_id: str) -> ScreenView:
    """A screen's sources in full — title (in her language when there is one), the articles, publisher,
    date and link — with a button back to the screen and the usual way out."""
    screen = tree.packs[language].screens[screen_id]
    ui = localizer(tree, language)
    back = ButtonView(ui.text("button_back"), callbacks.for_screen(screen_id))
    return _sources_view(ui, screen_id, _cited(tree, screen), screen.checked, back)


def render_parts_sources(
    tree: ContentTree, language: str, screen_ids: Sequence[str], view_id: str, back: ButtonView
) -> ScreenView:
    """The sources in full of a message made by `render_parts`, with `back` leading to that message again."""
    screens = [tree.packs[language].screens[screen_id] for screen_id in screen_ids]
    ui = localizer(tree, language)
    return _sources_view(ui, view_id, _cited_by_all(tree, screens), _oldest_checked(screens), back)


def _sources_view(
    ui: Localizer,
    view_id: str,
    cited: list[tuple[SourceRef, SourceEntry]],
    checked: dt.date | None,
    back: ButtonView,
) -> ScreenView:
    heading = ui.text("sources")
    html_parts, plain_parts = [f"<b>{html.escape(heading, quote=False)}</b>"], [heading]
    for ref, source in cited:
        title = source.title_for(ui.language) + (f" ({ref.note})" if ref.note else "")
        shown = html.escape(title, quote=False)
        if source.url:
            shown = f'<a href="{html.escape(source.url, quote=True)}">{shown}</a>'
        meta = f"{source.publisher}, {_source_date(ui, source.date)}"
        html_parts.append(f"{shown}\n<i>{html.escape(meta, quote=False)}</i>")
        plain_parts.append(f"{title}\n{meta}")
    if checked is not None:
        checked_on = ui.text("checked_on", date=checked)
        html_parts.append(f"<i>{html.escape(checked_on, quote=False)}</i>")
        plain_parts.append(checked_on)
    buttons = [[back], _way_out_row(view_id, ui)]
    plain = "\n\n".join(plain_parts)
    return ScreenView(view_id, ui.language, "\n\n".join(html_parts), buttons, len(plain.encode("utf-16-le")) // 2)


def _source_date(ui: Localizer, value: str) -> str:
    """2024-07-22 → 22 July 2024, 2024-07 → July 2024, 2024 → 2024, in her language."""
    if len(value) == 10:
        return ui.date(dt.date.fromisoformat(value))
    if len(value) == 7:
        return ui.month(dt.date.fromisoformat(value + "-01"))
    return value


def _format_value(ui: Localizer, value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ui.number(value)
    return str(value)
