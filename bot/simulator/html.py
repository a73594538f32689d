"""Telegram's text formatting, as the Bot API server applies it.

`parse_html` follows TDLib's `parse_html` (MessageEntity.cpp) step by step, so that the same inputs are
refused with the same wording and byte offsets. `normalize` applies what TDLib's `fix_formatted_text`
does afterwards (control characters, whitespace-only entities, trimming, automatic entities).
`render_html` turns text + entities back into HTML so tests can assert formatting.

Offsets and lengths of entities are in UTF-16 code units, exactly as in the Bot API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Entity = dict[str, Any]
UserResolver = Callable[[int], dict[str, Any] | None]


class EntityParseError(ValueError):
    """Text that Telegram refuses; str(err) is TDLib's message, e.g. 'Unsupported start tag "x" at ...'."""


class EmptyTextError(ValueError):
    """The text is empty once parsed and trimmed ("Message must be non-empty" in TDLib)."""


_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

# TDLib's MessageEntity::get_type_priority: the tie-breaker when two entities share offset and length.
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "blockquote": 0,
    "expandable_blockquote": 0,
}
# Entities that carry data the text does not show: TDLib keeps them even over whitespace.
_HIDDEN_DATA = frozenset({"text_link", "text_mention"})
# Bold/italic/... may overlap anything; automatic entities must not overlap the other (continuous) ones.
_SPLITTABLE = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
KNOWN_ENTITY_TYPES = frozenset(_PRIORITY)


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """TDLib's order: by offset, longer first, then by type priority."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


# --------------------------------------------------------------------------------------------- HTML parsing

_SPACE = frozenset(b" \t\r\n\x00\x0b")  # TDLib's is_space; NUL counts, which makes the end sentinel work
_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ALPHA = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAMED_ENTITIES = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Returns (code point, position after it) or (0, pos) when `&` does not start a known entity.

    Like TDLib: only lt/gt/amp/quot and numeric references; the ';' is optional; anything else
    (e.g. '&nbsp;' or a bare '&') stays literal text.
    """
    end = pos + 1
    code = 0
    if data[pos + 1] == ord("#"):
        end += 1
        if data[pos + 2] == ord("x"):
            end += 1
            while data[end] in _HEX:
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while 0x30 <= data[end] <= 0x39:
                code = code * 10 + data[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while data[end] in _ALPHA:
            end += 1
        code = _NAMED_ENTITIES.get(bytes(data[pos + 1 : end]), 0)
        if code == 0:
            return 0, pos
    if data[end] == ord(";"):
        end += 1
    return code, end


def _encode_code_point(code: int) -> bytes:
    return chr(code).encode("utf-8", "surrogatepass")


def parse_html(text: str, resolve_user: UserResolver | None = None) -> tuple[str, list[Entity]]:
    """Parse Telegram-flavoured HTML into (plain text, entities). Raises EntityParseError."""
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    data += b"\x00"  # TDLib reads a C string: the terminating NUL ends every inner loop
    out = bytearray()
    utf16 = 0
    entities: list[Entity] = []
    # Open tags: [tag name, argument, UTF-16 offset of the content, byte position of the content in `out`]
    stack: list[list[Any]] = []
    i = 0
    while i < size:
        c = data[i]
        if c == ord("&"):
            code, new_i = _decode_html_entity(data, i)
            if code:
                i = new_i
                utf16 += 2 if code > 0xFFFF else 1
                out += _encode_code_point(code)
                continue
        if c != ord("<"):
            if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if data[i] != ord("/"):
            i = _parse_start_tag(data, begin, stack, utf16, len(out))
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            while data[i] not in _SPACE and data[i] != ord(">"):
                i += 1
            end_tag = data[begin + 2 : i].decode("utf-8", "replace").lower()
            while data[i] in _SPACE and data[i] != 0:
                i += 1
            if data[i] != ord(">"):
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            i += 1
            tag, argument, offset, out_pos = stack[-1]
            if end_tag and end_tag != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"'
                )
            if utf16 > offset:
                content = bytes(out[out_pos:]).decode("utf-8", "replace")
                _close_entity(entities, tag, argument, offset, utf16 - offset, content, resolve_user)
            stack.pop()

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')

    result = bytes(out).decode("utf-8", "surrogatepass")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in result):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units"
        )
    for entity in entities:  # a language only counts for code inside pre
        if entity["type"] == "code":
            entity.pop("language", None)
    return result, sort_entities(entities)


def _parse_start_tag(data: bytes, begin: int, stack: list[list[Any]], utf16: int, out_pos: int) -> int:
    """Parses `<tag attr=...>` starting at `begin`; pushes it on `stack`; returns the index after '>'."""
    i = begin + 1
    while data[i] not in _SPACE and data[i] != ord(">"):
        i += 1
    if data[i] == 0:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
    if tag not in _SUPPORTED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')

    argument = ""
    while data[i] != ord(">"):
        while data[i] != 0 and data[i] in _SPACE:
            i += 1
        if data[i] == ord(">"):
            break
        if data[i] == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        attr_begin = i
        while data[i] not in _SPACE and data[i] not in (ord("="), ord(">")):
            i += 1
        attr_name = bytes(data[attr_begin:i])
        if not attr_name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while data[i] != 0 and data[i] in _SPACE:
            i += 1
        if data[i] != ord("="):  # an attribute without a value, e.g. <blockquote expandable>
            if tag == "blockquote" and attr_name == b"expandable":
                argument = "1"
            continue
        i += 1
        while data[i] != 0 and data[i] in _SPACE:
            i += 1
        if data[i] == 0:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')

        if data[i] not in (ord("'"), ord('"')):
            # A name token: letters, digits, periods, hyphens; not case-sensitive.
            token_begin = i
            while data[i] in _ALNUM or data[i] in (ord("."), ord("-")):
                i += 1
            value = bytes(data[token_begin:i]).decode("utf-8", "replace").lower()
            if data[i] not in _SPACE and data[i] != ord(">"):
                raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = data[i]
            i += 1
            buf = bytearray()
            while data[i] != quote and data[i] != 0:
                if data[i] == ord("&"):
                    code, new_i = _decode_html_entity(data, i)
                    if code:
                        buf += _encode_code_point(code)
                        i = new_i
                        continue
                buf.append(data[i])
                i += 1
            if data[i] == quote:
                i += 1
            value = bytes(buf).decode("utf-8", "replace")
        if data[i] == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")

        if tag == "a" and attr_name == b"href":
            argument = value
        elif tag == "code" and attr_name == b"class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and attr_name == b"class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and attr_name == b"emoji-id":
            argument = value
        elif tag == "blockquote" and attr_name == b"expandable":
            argument = "1"

    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append([tag, argument, utf16, out_pos])
    return i + 1


_SIMPLE_TAG_TYPES = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}


def _close_entity(
    entities: list[Entity],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    content: str,
    resolve_user: UserResolver | None,
) -> None:
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE_TAG_TYPES:
        entities.append({"type": _SIMPLE_TAG_TYPES[tag], "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0 or int(argument) >= 2**63:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument})
    elif tag == "a":
        url = argument or content
        user_id = link_user_id(url)
        if user_id is not None:
            user = resolve_user(user_id) if resolve_user else None
            if user is not None:
                entities.append({"type": "text_mention", "offset": offset, "length": length, "user": user})
            return
        checked = checked_link(url)
        if checked:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": checked})
    elif tag == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"  # <code class="language-x"><pre>..</pre></code> is a pre with a language
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_span and last is not None and last["type"] == "pre" and argument:
            last["language"] = argument
        else:
            entity: Entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument  # kept only until a surrounding <pre> closes
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,19})$", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(.*)$", re.DOTALL)
_HOST = re.compile(r"^[^\s/?#@]+(:\d+)?$")


def link_user_id(url: str) -> int | None:
    match = _USER_LINK.match(url.strip())
    return int(match.group(1)) if match else None


def checked_link(url: str) -> str:
    """A simplified LinkManager::get_checked_link: '' for links Telegram would drop.

    http(s) links get a '/' path when they have none (TDLib turns "telegram.org" into
    "http://telegram.org/"); tg:// and ton:// links are kept; other schemes are dropped.
    """
    if not url or any(ch.isspace() for ch in url):
        return ""
    match = _SCHEME.match(url)
    if match:
        scheme, rest = match.group(1).lower(), match.group(2)
    else:
        if url.lower().startswith(("tg:", "ton:")):
            return url
        scheme, rest = "http", url
    if scheme in ("tg", "ton", "tonsite"):
        return f"{scheme}://{rest}"
    if scheme not in ("http", "https"):
        return ""
    cut = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1:
            cut = min(cut, pos)
    host, tail = rest[:cut], rest[cut:]
    if not host or not _HOST.match(host) or ("." not in host and host.split(":")[0].lower() != "localhost"):
        return ""
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{host.lower()}{tail}"


# ------------------------------------------------------------------------------------ explicit entities

_ENTITY_EXTRA_FIELDS = {
    "text_link": ("url",),
    "text_mention": ("user",),
    "pre": ("language",),
    "custom_emoji": ("custom_emoji_id",),
}


def check_entities(raw: Any, text: str) -> list[Entity]:
    """Validates a JSON list of MessageEntity given by the bot (the `entities` parameter)."""
    if not isinstance(raw, list):
        raise EntityParseError("expected an Array of MessageEntity")
    total = utf16_len(text)
    result: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict):
            raise EntityParseError("expected MessageEntity as an Object")
        kind = item.get("type")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(kind, str):
            raise EntityParseError('field "type" must be of type String')
        if not isinstance(offset, int) or not isinstance(length, int):
            raise EntityParseError('fields "offset" and "length" must be of type Number')
        if kind not in KNOWN_ENTITY_TYPES:
            raise EntityParseError(f"unsupported MessageEntity type {kind}")  # TDLib ignores; be strict
        if offset < 0 or length < 0:
            raise EntityParseError(f"receive an entity with incorrect offset {offset}")
        if length == 0:
            continue
        if offset >= total:
            raise EntityParseError(f"entity begins after the end of the text at UTF-16 offset {offset}")
        if offset + length > total:
            raise EntityParseError(
                f"entity beginning at UTF-16 offset {offset} ends after the end of the text at UTF-16 "
                f"offset {offset + length}"
            )
        entity: Entity = {"type": kind, "offset": offset, "length": length}
        for field in _ENTITY_EXTRA_FIELDS.get(kind, ()):
            if field in item:
                entity[field] = item[field]
        if kind == "text_link":
            url = checked_link(str(item.get("url", "")))
            if not url:
                raise EntityParseError("entity URL is invalid")
            entity["url"] = url
        result.append(entity)
    return sort_entities(result)


# ------------------------------------------------------------------------------------------ normalizing

_REMOVED = frozenset({0x0D, 0x0333, 0x033F, 0x030A, *range(0x2028, 0x202F)})
_WHITESPACE = (" ", "\n")


def normalize(text: str, entities: list[Entity], *, allow_empty: bool, detect: bool = True) -> tuple[str, list[Entity]]:
    """TDLib's fix_formatted_text, simplified: what the client finally shows and the bot gets back.

    - control characters become spaces, '\\r' and a few invisible characters are removed;
    - entities lose leading whitespace; whitespace-only entities disappear (text links stay);
    - trailing whitespace is cut, leading whitespace before the first entity too;
    - URLs, @mentions, #hashtags, e-mails and /commands get automatic entities.
    Raises EmptyTextError when nothing but whitespace is left and `allow_empty` is False.
    """
    text, entities = _clean(text, entities)
    units = _utf16_units(text)
    kept: list[Entity] = []
    for entity in entities:
        if entity["type"] not in _HIDDEN_DATA:
            while entity["length"] > 0 and units[entity["offset"]] in _WHITESPACE:
                entity["offset"] += 1
                entity["length"] -= 1
            if entity["length"] == 0:
                continue
            span = units[entity["offset"] : entity["offset"] + entity["length"]]
            if all(ch in _WHITESPACE for ch in span):
                continue
        kept.append(entity)

    last = max((k for k, ch in enumerate(units) if ch not in _WHITESPACE), default=-1)
    if last == -1:
        if allow_empty:
            return "", []
        raise EmptyTextError("Message must be non-empty")
    end = last + 1
    trimmed: list[Entity] = []
    for entity in kept:
        if entity["offset"] >= end:
            continue
        entity["length"] = min(entity["length"], end - entity["offset"])
        trimmed.append(entity)
    first_entity = min((e["offset"] for e in trimmed), default=end)
    start = 0
    while start < first_entity and units[start] in _WHITESPACE:
        start += 1
    for entity in trimmed:
        entity["offset"] -= start
    text = _from_units(units[start:end])

    if detect:
        trimmed = merge_auto_entities(trimmed, find_auto_entities(text))
    return text, sort_entities(trimmed)


def _clean(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Replaces/removes characters like TDLib's clean_input_string, keeping entity offsets right."""
    mapping: list[int] = []
    parts: list[str] = []
    new = 0
    for ch in text:
        cp = ord(ch)
        width = 2 if cp > 0xFFFF else 1
        if cp in _REMOVED:
            replacement = ""
        elif cp < 32 and cp != 10:
            replacement = " "
        else:
            replacement = ch
        mapping.extend([new] * width)
        parts.append(replacement)
        new += len(replacement) and width
    mapping.append(new)
    result: list[Entity] = []
    for entity in entities:
        start = mapping[entity["offset"]]
        stop = mapping[min(entity["offset"] + entity["length"], len(mapping) - 1)]
        if stop > start:
            result.append({**entity, "offset": start, "length": stop - start})
    return "".join(parts), result


def _utf16_units(text: str) -> list[str]:
    """One list item per UTF-16 code unit; both halves of a surrogate pair hold the whole character."""
    units: list[str] = []
    for ch in text:
        units.append(ch)
        if ord(ch) > 0xFFFF:
            units.append(ch)
    return units


def _from_units(units: list[str]) -> str:
    parts: list[str] = []
    skip = False
    for ch in units:
        if skip:
            skip = False
            continue
        parts.append(ch)
        skip = ord(ch) > 0xFFFF
    return "".join(parts)


_AUTO_PATTERNS = [
    ("bot_command", re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>])")),
    ("email", re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("url", re.compile(r"(?<![\w@])(?:https?://|www\.|t\.me/)[^\s<>\"]+", re.IGNORECASE)),
    ("mention", re.compile(r"(?<![\w@])@[a-zA-Z0-9_]{4,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
]
_URL_TRAILING = ".,;:!?)'\""


def find_auto_entities(text: str) -> list[Entity]:
    """Entities Telegram adds by itself (a reduced version of TDLib's find_entities)."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, stop = match.span()
            if kind == "url":
                while stop > start and text[stop - 1] in _URL_TRAILING:
                    stop -= 1
            if any(start < s2 and s1 < stop for s1, s2, _ in found):
                continue  # an e-mail is not also a mention, a URL not also a command
            found.append((start, stop, kind))
    result = []
    for start, stop, kind in found:
        offset = utf16_len(text[:start])
        result.append({"type": kind, "offset": offset, "length": utf16_len(text[start:stop])})
    return result


def merge_auto_entities(entities: list[Entity], auto: list[Entity]) -> list[Entity]:
    """Adds automatic entities that do not cross a continuous entity (code, pre, text_link, ...)."""
    blocking = [e for e in entities if e["type"] not in _SPLITTABLE and "blockquote" not in e["type"]]
    merged = list(entities)
    for entity in auto:
        start, stop = entity["offset"], entity["offset"] + entity["length"]
        if any(start < b["offset"] + b["length"] and b["offset"] < stop for b in blocking):
            continue
        merged.append(entity)
    return merged


# -------------------------------------------------------------------------------------------- rendering

_FORMATTING = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "blockquote",
        "expandable_blockquote",
        "custom_emoji",
    }
)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _tags(entity: Entity) -> tuple[str, str]:
    kind = entity["type"]
    simple = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "spoiler": "tg-spoiler"}
    if kind in simple:
        return f"<{simple[kind]}>", f"</{simple[kind]}>"
    if kind == "code":
        return "<code>", "</code>"
    if kind == "pre":
        if entity.get("language"):
            return f'<pre><code class="language-{escape(entity["language"])}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return f'<a href="{escape(entity["url"]).replace(chr(34), "&quot;")}">', "</a>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={entity["user"]["id"]}">', "</a>"
    if kind == "blockquote":
        return "<blockquote>", "</blockquote>"
    if kind == "expandable_blockquote":
        return "<blockquote expandable>", "</blockquote>"
    return f'<tg-emoji emoji-id="{entity["custom_emoji_id"]}">', "</tg-emoji>"


def render_html(text: str, entities: list[Entity]) -> str:
    """Text with its formatting entities as Telegram HTML (automatic entities such as URLs are not shown)."""
    shown = [e for e in sort_entities(entities) if e["type"] in _FORMATTING]
    opens: dict[int, list[Entity]] = {}
    for entity in shown:
        opens.setdefault(entity["offset"], []).append(entity)
    parts: list[str] = []
    open_stack: list[Entity] = []
    pos = 0

    def close_until(position: int) -> None:
        while open_stack and open_stack[-1]["offset"] + open_stack[-1]["length"] <= position:
            parts.append(_tags(open_stack.pop())[1])

    for ch in text:
        close_until(pos)
        for entity in opens.get(pos, []):
            parts.append(_tags(entity)[0])
            open_stack.append(entity)
        parts.append(escape(ch))
        pos += 2 if ord(ch) > 0xFFFF else 1
    close_until(pos + 1)
    while open_stack:
        parts.append(_tags(open_stack.pop())[1])
    return "".join(parts)
