"""Find the paragraphs of comments that repeat the post or an earlier comment.

Blog commenters quote by pasting: a paragraph that repeats, word for word, a
paragraph or a sentence of the post or of an earlier comment is a quotation,
and the page shows it as one, naming and linking its source. "Word for word"
ignores whitespace and quote marks, which pasting adds and loses. Short
paragraphs ("I agree.", "LOL") repeat by chance and are never quotations; nor
is a commenter repeating their own earlier words (a double post).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from comments.models import Comment

MIN_WORDS = 5
_QUOTE_MARKS = str.maketrans("", "", "\"'`“”„‟«»‘’‚‛‹›")
_ENDS = ".!?…"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_LINE_QUOTE = re.compile(r"^\s*>+", re.MULTILINE)  # e-mail style "> quoted"


@dataclass(frozen=True, slots=True)
class Source:
    comment_id: int | None  # None: the post
    name: str | None  # the commenter; None: the post


POST = Source(None, None)


def normal(text: str) -> str:
    """Text as compared: no quote marks, whitespace runs as one space."""
    return " ".join(_LINE_QUOTE.sub("", text).translate(_QUOTE_MARKS).split())


def _quotable(key: str) -> bool:
    return key.count(" ") + 1 >= MIN_WORDS


def find_quotes(post_body: str, comments: Iterable[Comment]) -> dict[int, dict[int, Source]]:
    """{comment id: {paragraph index: source}} for the comments given, in
    order of arrival; each quoted passage is credited to where it first appeared.

    A quotation is a paragraph that equals a paragraph, a sentence or a run of
    consecutive sentences of an earlier text.
    """
    paragraphs: dict[str, Source] = {}
    # First sentence -> the first paragraph it opens a run of, and its source.
    sentences: dict[str, tuple[str, Source]] = {}

    def remember(key: str, source: Source) -> None:
        paragraphs.setdefault(key, source)
        for sentence in _SENTENCE_END.split(key):
            sentences.setdefault(sentence, (key, source))

    def source_of(key: str) -> Source | None:
        if not _quotable(key):
            return None
        if key in paragraphs:
            return paragraphs[key]
        first = _SENTENCE_END.split(key, maxsplit=1)[0]
        paragraph, source = sentences.get(first, ("", None))
        at = paragraph.find(key)
        if source is None or at < 0:
            return None
        # Whole sentences only: the run begins and ends where sentences do.
        end = at + len(key)
        starts = at == 0 or (at >= 2 and paragraph[at - 2] in _ENDS and paragraph[at - 1] == " ")
        ends = end == len(paragraph) or (paragraph[end] == " " and key[-1] in _ENDS)
        return source if starts and ends else None

    for paragraph in post_body.split("\n\n"):
        remember(normal(paragraph), POST)
    found: dict[int, dict[int, Source]] = {}
    for comment in sorted(comments, key=lambda c: (c.posted, c.number)):
        quoted: dict[int, Source] = {}
        own = Source(comment.pk, comment.author_name)
        for index, paragraph in enumerate(comment.body.split("\n\n")):
            key = normal(paragraph)
            source = source_of(key)
            if source is not None and source.name != comment.author_name:
                quoted[index] = source
            else:
                remember(key, own)
        if quoted:
            found[comment.pk] = quoted
    return found
