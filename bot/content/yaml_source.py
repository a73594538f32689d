"""Reading an editor's YAML file while remembering where every value came from.

PyYAML's plain `safe_load` forgets line numbers and silently keeps the last of two equal keys (two screens
with the same id would quietly replace each other). Walking the composed node tree instead gives every
value a line and turns duplicate keys into a problem the editor sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.content.problems import Location, Problem

Path_ = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value of a loaded document stands: `where(("welcome", "text"))` → file:line."""

    path: str
    lines: dict[Path_, int] = field(default_factory=dict)
    # For block scalars (`text: |`) the text starts on the line after the key; for others on the key's line.
    text_starts: dict[Path_, int] = field(default_factory=dict)

    def where(self, key: Path_) -> Location:
        probe = tuple(key)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return Location(self.path, self.lines.get(probe, 1))

    def where_in_text(self, key: Path_, text: str, offset: int) -> Location:
        """The line of a character inside a multi-line text value."""
        start = self.text_starts.get(tuple(key))
        if start is None:
            return self.where(key)
        return Location(self.path, start + text.count("\n", 0, offset))


@dataclass
class LoadedYaml:
    data: Any
    source: SourceMap
    problems: list[Problem]


# libyaml's parser (C) when PyYAML was built with it: it composes the same nodes, with the same marks, in
# about a fifth of the time (parsing the content tree was half of the bot's start-up, measured). Its error
# messages are terser, so a file it refuses is parsed again by the pure-Python loader for the editor's message.
FastLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, path: str) -> LoadedYaml:
    source = SourceMap(path)
    loader = FastLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        loader = yaml.SafeLoader(text)
        node = _compose_or_problem(loader, path)
        if isinstance(node, Problem):
            return LoadedYaml(None, source, [node])
    finally:
        loader.dispose()
    if node is None:
        return LoadedYaml({}, source, [])
    problems: list[Problem] = []
    data = _walk(node, (), source, problems, loader)
    return LoadedYaml(data, source, problems)


def _compose_or_problem(loader: yaml.SafeLoader, path: str) -> yaml.Node | Problem | None:
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or error.context or "not valid YAML"
        hint = _hint_for(reason)
        return Problem(Location(path, line), f"YAML syntax error: {reason}{hint}")


def _hint_for(reason: str) -> str:
    if "tab" in reason or "'\\t'" in reason:
        return " (use spaces, not tabs, to indent)"
    if "mapping values are not allowed" in reason:
        return ' (a text containing ": " must be put in quotes or written as a block with |)'
    return ""


def _walk(node: yaml.Node, key: Path_, source: SourceMap, problems: list[Problem], loader: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            name = loader.construct_object(key_node, deep=True)
            if not isinstance(name, str | int):
                problems.append(Problem(Location(source.path, key_node.start_mark.line + 1), "keys must be text"))
                continue
            name = str(name)
            line = key_node.start_mark.line + 1
            if name in first_seen:
                problems.append(
                    Problem(
                        Location(source.path, line),
                        f'"{name}" appears twice here (first at line {first_seen[name]}); remove or rename one',
                    )
                )
                continue
            first_seen[name] = line
            child = (*key, name)
            source.lines[child] = line
            _note_text_start(value_node, child, source)
            result[name] = _walk(value_node, child, source, problems, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = (*key, index)
            source.lines[child] = item_node.start_mark.line + 1
            _note_text_start(item_node, child, source)
            items.append(_walk(item_node, child, source, problems, loader))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # A date that does not exist (2024-02-30) is kept as written; the field's own check names the problem.
        return node.value


def _note_text_start(node: yaml.Node, key: Path_, source: SourceMap) -> None:
    if isinstance(node, yaml.ScalarNode):
        block = node.style in ("|", ">")
        source.text_starts[key] = node.start_mark.line + (2 if block else 1)
