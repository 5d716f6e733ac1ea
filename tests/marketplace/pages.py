"""What a rendered page shows a reader: its visible text, and the English words in it."""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose text is not UI (scripts, styles, embedded JSON) or not ours (what users wrote:
# descriptions may be in English, so templates mark them with data-user-text).
_SKIPPED = {"script", "style", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TEXT_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    @property
    def hidden(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = tag in _SKIPPED or "data-user-text" in attributes
        if not self.hidden and not skipped:
            self.parts.extend(str(attributes[name]) for name in _TEXT_ATTRIBUTES if attributes.get(name))
            if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
                self.parts.append(str(attributes["value"]))
        if tag not in _VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,}(?![A-Za-z0-9])")


def english_words(html: str, allowed: set[str]) -> list[str]:
    """Latin-letter words a Chinese reader would see, except the ``allowed`` ones (acronyms in the
    reference names such as MES or SaaS, the name of the English language in the switch). Letters
    inside codes (91370300MA3...) are not words."""
    return sorted({word for word in _WORD.findall(visible_text(html)) if word not in allowed})
