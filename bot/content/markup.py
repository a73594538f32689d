"""The small formatting language editors write, turned into Telegram HTML.

Editors write plain text with a few marks, the way most chat apps and Markdown work:

    **bold**            _italic_            [link text](https://example.org)
    - a list item       (shown as a bullet line: • a list item)
    {name}              a placeholder, filled from content/values.yaml
    {{ and }}           literal braces

Everything else is shown exactly as typed: `<`, `>` and `&` are escaped, so no editor can produce HTML that
Telegram would reject. Mistakes (an unclosed `**`, overlapping marks, a link without https) are reported
with their position so the checker can name the line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.content.problems import Severity

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
LINK = re.compile(r"\[([^\]\n]+)\]\(([^()\s]*)\)")
LOOKS_LIKE_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>")
BULLET = re.compile(r"[ \t]*[-*•][ \t]+")
ALLOWED_LINK_SCHEMES = ("https://", "tg://")

TAGS = {"**": "b", "_": "i"}


@dataclass(frozen=True)
class MarkupIssue:
    offset: int
    message: str
    severity: Severity = Severity.ERROR


@dataclass
class Rendered:
    html: str
    plain: str
    issues: list[MarkupIssue] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Length as Telegram counts it (UTF-16 code units), after formatting marks are gone."""
        return len(self.plain.encode("utf-16-le")) // 2


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def to_html(text: str, values: Mapping[str, str] | None = None) -> Rendered:
    """Render editor markup. With `values=None`, placeholders are kept as `{name}` (for checking)."""
    return _Renderer(text, values).run()


class _Renderer:
    def __init__(self, text: str, values: Mapping[str, str] | None) -> None:
        self.text = text
        self.values = values
        self.html: list[str] = []
        self.plain: list[str] = []
        self.issues: list[MarkupIssue] = []
        self.open_marks: list[tuple[str, int]] = []  # (mark, offset where it was opened)

    def emit(self, visible: str, markup: str | None = None) -> None:
        self.plain.append(visible)
        self.html.append(html.escape(visible, quote=False) if markup is None else markup)

    def issue(self, offset: int, message: str, severity: Severity = Severity.ERROR) -> None:
        self.issues.append(MarkupIssue(offset, message, severity))

    def run(self) -> Rendered:
        text, i = self.text, 0
        while i < len(text):
            if i == 0 or text[i - 1] == "\n":
                bullet = BULLET.match(text, i)
                # A lone -, * or • followed by a space starts a list item ("**bold**" does not match).
                if bullet and bullet.end() < len(text) and text[bullet.end()] != "\n":
                    self.emit("• ")
                    i = bullet.end()
                    continue
            char = text[i]
            if text.startswith("**", i):
                self.toggle("**", i)
                i += 2
            elif char == "_" and self.is_italic_mark(i):
                self.toggle("_", i)
                i += 1
            elif char == "[" and (link := LINK.match(text, i)):
                self.link(link)
                i = link.end()
            elif text.startswith("{{", i) or text.startswith("}}", i):
                self.emit(char)
                i += 2
            elif char == "{":
                i = self.placeholder(i)
            elif char == "}":
                self.issue(i, "a lone } — write }} to show a brace")
                self.emit(char)
                i += 1
            elif char == "<" and (tag := LOOKS_LIKE_TAG.match(text, i)):
                self.issue(
                    i,
                    f"{tag.group(0)} will be shown as typed: HTML tags are not used here; "
                    "write **bold** or _italic_ instead",
                    Severity.WARNING,
                )
                self.emit(char)
                i += 1
            else:
                self.emit(char)
                i += 1
        for mark, offset in self.open_marks:
            name = "bold" if mark == "**" else "italic"
            self.issue(offset, f"{name} mark {mark} opened here is never closed")
        if self.open_marks:
            # Keep the HTML well-formed even for broken input, so a preview can still show it.
            for mark, _ in reversed(self.open_marks):
                self.html.append(f"</{TAGS[mark]}>")
        return Rendered("".join(self.html), "".join(self.plain), self.issues)

    def is_italic_mark(self, i: int) -> bool:
        text = self.text
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if any(mark == "_" for mark, _ in self.open_marks):
            return not before.isspace() and not after.isalnum()
        return not before.isalnum() and not after.isspace() and after != "_"

    def toggle(self, mark: str, offset: int) -> None:
        tag = TAGS[mark]
        if any(open_mark == mark for open_mark, _ in self.open_marks):
            top_mark, _ = self.open_marks[-1]
            if top_mark != mark:
                self.issue(offset, f"marks overlap: close {top_mark} before closing {mark}")
                # Close the inner mark first so the HTML stays valid.
                self.html.append(f"</{TAGS[top_mark]}>")
                self.open_marks.pop()
            self.open_marks.pop()
            self.html.append(f"</{tag}>")
        else:
            self.open_marks.append((mark, offset))
            self.html.append(f"<{tag}>")

    def link(self, match: re.Match[str]) -> None:
        label, url = match.group(1), match.group(2)
        if not url.startswith(ALLOWED_LINK_SCHEMES):
            self.issue(match.start(2), f'link address "{url}" must start with https://')
            # Never a live link to anything else (javascript:, data:, http:): the words alone, also in the preview.
            self.emit(label, html.escape(label, quote=False))
            return
        self.emit(label, f'<a href="{html.escape(url, quote=True)}">{html.escape(label, quote=False)}</a>')

    def placeholder(self, i: int) -> int:
        match = PLACEHOLDER.match(self.text, i)
        if not match:
            self.issue(i, "a lone { — placeholders look like {name}; write {{ to show a brace")
            self.emit("{")
            return i + 1
        name = match.group(1)
        if self.values is None:
            self.emit(match.group(0))
        elif name in self.values:
            self.emit(str(self.values[name]))
        else:
            self.issue(i, f"unknown placeholder {{{name}}}")
            self.emit(match.group(0))
        return match.end()
