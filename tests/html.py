"""Reading rendered pages the way a browser would, for assertions."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Thread(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, bool]] = []  # (tag, is a comment <li>)
        self.comments: list[tuple[int, int, str]] = []  # (id, depth, classes)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        is_comment = tag == "li" and "comment" in classes
        if is_comment:
            depth = sum(1 for _, c in self.open if c)
            pk = int(attrs["id"].removeprefix("comment-"))
            self.comments.append((pk, depth, " ".join(classes)))
        self.open.append((tag, is_comment))

    def handle_endtag(self, tag):
        while self.open:
            open_tag, _ = self.open.pop()
            if open_tag == tag:
                break


def comment_tree(html: str) -> list[tuple[int, int, str]]:
    """(comment id, nesting depth, classes) for each comment <li>, in page order."""
    parser = _Thread()
    parser.feed(html)
    return parser.comments


def depths(html: str) -> dict[int, int]:
    return {pk: depth for pk, depth, _ in comment_tree(html)}


def classes_of(html: str, pk: int) -> str:
    return next(classes for id_, _, classes in comment_tree(html) if id_ == pk)


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))
