"""The HTML parser against TDLib's own test vectors (td/test/message_entities.cpp)."""

from __future__ import annotations

import pytest

from bot.simulator.html import EmptyTextError, EntityParseError, normalize, parse_html, render_html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba>", 'Can\'t find end tag corresponding to start tag "i"'),
        ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xDFDF;",
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units",
        ),
    ],
)
def test_refuses_like_tdlib(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as err:
        parse_html(source)
    assert str(err.value) == message


def _described(source: str) -> tuple[str, list[tuple[str, int, int]]]:
    text, entities = parse_html(source)
    return text, [(e["type"], e["offset"], e["length"]) for e in entities]


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("&ge;&lt;&gt;&amp;&quot;&laquo;&#12345678;", '&ge;<>&"&laquo;&#12345678;', []),
        ("Tom & Jerry", "Tom & Jerry", []),
        ("&lt&gt &#65;&#x42;&#67", "<> ABC", []),
        ("➡️ ➡️<i>➡️ ➡️</i>", "➡️ ➡️➡️ ➡️", [("italic", 5, 5)]),
        ("🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟", [("italic", 5, 7), ("bold", 9, 3)]),
        ("<a>telegram.org</a>", "telegram.org", [("text_link", 0, 12)]),
        ("<a>telegram.org </a>", "telegram.org ", []),
        ('🏟 🏟&lt;<pre><code class="language-fift">🏟 🏟&lt;</></>', "🏟 🏟<🏟 🏟<", [("pre", 6, 6)]),
        (
            "<code><i><b> </b></i></code><i><b><code> </code></b></i>",
            "  ",
            [("code", 0, 1), ("bold", 0, 1), ("italic", 0, 1), ("code", 1, 1), ("bold", 1, 1), ("italic", 1, 1)],
        ),
        ("<blockquote   expandable>a&lt;<pre  >b;</></>", "a<b;", [("expandable_blockquote", 0, 4), ("pre", 2, 2)]),
        ("<tg-spoiler>s</tg-spoiler><span class='tg-spoiler'>t</span>", "st", [("spoiler", 0, 1), ("spoiler", 1, 1)]),
        ("<b>😀</b>", "😀", [("bold", 0, 2)]),
    ],
)
def test_parses_like_tdlib(source: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    assert _described(source) == (text, entities)


def test_links_are_normalized_and_bad_schemes_dropped() -> None:
    _, entities = parse_html("<a href=telegram.org>x</a><a href='javascript:alert(1)'>y</a>")
    assert entities == [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/"}]


def test_normalize_trims_and_finds_entities() -> None:
    text, entities = parse_html("\n  <b> Hi</b> see https://example.org/a, or /help\n\n")
    text, entities = normalize(text, entities, allow_empty=False)
    assert text == "Hi see https://example.org/a, or /help"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 2),
        ("url", 7, 21),
        ("bot_command", 33, 5),
    ]
    with pytest.raises(EmptyTextError):
        normalize(" \n ", [], allow_empty=False)


def test_render_round_trip() -> None:
    source = 'A <b>bold <i>it</i></b> &amp; <a href="https://t.me/x">link</a> 😀<u>u</u><pre>p</pre>'
    assert render_html(*parse_html(source)) == source
