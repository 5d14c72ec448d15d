"""Plain text as HTML: paragraphs, line breaks and links, everything else escaped.

The archive's posts and comments are plain text; this is the one place that
turns them into markup (post bodies, comment bodies, feeds).
"""

from __future__ import annotations

import re
from html import escape

# http(s) URLs and bare www. addresses; no other scheme is ever linked.
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"


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


def linked_html(text: str) -> str:
    """Escaped text with its URLs as links a search engine does not credit."""
    if "://" not in text and "www." not in text.lower():
        return escape(text)
    parts, start = [], 0
    for at, url in _urls(text):
        href = url if "://" in url else f"http://{url}"
        parts.append(escape(text[start:at]))
        parts.append(f'<a href="{escape(href)}" rel="nofollow ugc noopener">{escape(url)}</a>')
        start = at + len(url)
    parts.append(escape(text[start:]))
    return "".join(parts)


def paragraphs_html(text: str) -> str:
    """Paragraphs (split by a blank line) as <p>, line breaks inside them as
    <br>, URLs as links; everything else escaped."""
    if not text:
        return ""
    return "".join(
        "<p>" + linked_html(paragraph).replace("\n", "<br>") + "</p>"
        for paragraph in text.split("\n\n")
    )
