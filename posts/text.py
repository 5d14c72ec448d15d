"""Plain text as paragraphs, lines and links.

The archive's posts and comments are plain text. This works out its shape
(paragraphs split by a blank line, the lines inside them, the URLs to link);
the markup is written, and everything escaped, by templates/text.jinja.
"""

from __future__ import annotations

import re

# http(s) URLs and bare www. addresses; no other scheme is ever linked.
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"

# A paragraph is a list of (br, text, href) segments: br True where a line
# break comes before it, href "" for plain text.
Paragraph = list[tuple[bool, str, str]]


def _urls(text: str):
    """(start, url) of each linkable URL in text."""
    for match in URL_RE.finditer(text):
        url = _trim(match.group())
        if url and url.lower() not in {"www.", "http://", "https://"}:
            yield match.start(), url


def find_urls(text: str) -> list[str]:
    return [url for _, url in _urls(text)]


def _trim(url: str) -> str:
    """Leave off punctuation that ends the sentence rather than the URL, keeping
    a closing parenthesis that has its opening one inside (Wikipedia's links)."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def paragraph(text: str) -> Paragraph:
    """A paragraph as segments: its lines (a single line break inside it is
    kept), and its URLs with the address each link goes to."""
    if "://" not in text and "www." not in text.lower():
        if "\n" not in text:
            return [(False, text, "")]  # most paragraphs: one line, no link
        return [(index > 0, line, "") for index, line in enumerate(text.split("\n"))]
    segments: Paragraph = []
    for index, line in enumerate(text.split("\n")):
        br, start = index > 0, 0
        for at, url in _urls(line):
            if at > start:
                segments.append((br, line[start:at], ""))
                br = False
            segments.append((br, url, url if "://" in url else f"http://{url}"))
            br, start = False, at + len(url)
        if start < len(line) or br:
            segments.append((br, line[start:], ""))
    return segments


def paragraphs(text: str) -> list[Paragraph]:
    """Each paragraph of the text (split by a blank line) as segments."""
    return [paragraph(part) for part in text.split("\n\n")] if text else []


def paragraphs_html(text: str) -> str:
    """The text as <p> paragraphs with <br> line breaks and links a search
    engine does not credit, from templates/text.jinja (everything escaped)."""
    from posts.jinja import jinja2_environment

    module = jinja2_environment().get_template("text.jinja").module
    macro = module.paragraphs  # type: ignore[attr-defined]  # a macro the template defines
    return str(macro(paragraphs(text)))
